"""Pages: merge and "share everything" ask first and can be undone; closing a conversation;
"vote on it instead" confirms; descriptions from Markdown; the icon."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from parley.services import conversations, participants, statements
from parley.services.agenda import refresh_agenda
from parley.services.processes import create_process, process_info


def _process(env: Any) -> tuple[int, int, int]:
    pid = create_process(
        env.session_factory,
        facilitator_id=env.facilitator_id,
        name="Syria talks",
        formats=["Astana group", "Small Group"],
    )
    info = process_info(env.session_factory, pid)
    return pid, info.formats[0].conversation_id, info.formats[1].conversation_id


def _post(env: Any, path: str, data: dict[str, Any], *, page: str) -> Any:
    return env.client.post(
        path, data={**data, "csrf_token": env.csrf(page)}, follow_redirects=False
    )


def test_a_merge_asks_first_and_can_be_undone(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    pid, a, _ = _process(env)
    keep = statements.add_statement(sf, a, "Troops should leave", is_seed=True).id
    drop = statements.add_statement(sf, a, "Foreign troops must leave", is_seed=True).id
    confirm = f"/f/p/{pid}/merge?keep_id={keep}&drop_id={drop}"
    page = env.client.get(confirm).text
    assert "Merge these two statements?" in page and "Foreign troops must leave" in page
    assert statements.visible_statements(sf, a)[1].id == drop  # asking changed nothing
    merged = _post(env, f"/f/p/{pid}/merge", {"keep_id": keep, "drop_id": drop}, page=confirm)
    assert merged.status_code == 303 and "&undo=" in merged.headers["location"]
    after = env.client.get(merged.headers["location"]).text
    assert f"Statement #{drop} merged into #{keep}." in after and ">Undo</button>" in after
    merge_id = merged.headers["location"].rsplit("=", 1)[1]
    undone = _post(env, f"/f/p/{pid}/merges/{merge_id}/undo", {}, page=f"/f/p/{pid}/statements")
    assert undone.status_code == 303
    assert (
        "both statements and their votes are back"
        in env.client.get(undone.headers["location"]).text
    )
    assert [s.id for s in statements.visible_statements(sf, a)] == [keep, drop]
    missing = env.client.get(f"/f/p/{pid}/merge?keep_id={keep}&drop_id=999999")
    assert missing.status_code == 404


def test_share_everything_asks_first_and_can_be_undone(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    pid, a, b = _process(env)
    statements.add_statement(sf, a, "one from Astana", is_seed=True)
    confirm = env.client.get(f"/f/p/{pid}/share-all").text
    assert "This makes 1 copies" in confirm and 'action="/f/p/' in confirm
    shared = _post(env, f"/f/p/{pid}/share-all", {}, page=f"/f/p/{pid}/share-all")
    assert len(statements.visible_statements(sf, b)) == 1
    share_id = shared.headers["location"].rsplit("=", 1)[1]
    undone = _post(env, f"/f/p/{pid}/shares/{share_id}/undo", {}, page=f"/f/p/{pid}/statements")
    assert "1 copies left the formats" in env.client.get(undone.headers["location"]).text
    assert statements.visible_statements(sf, b) == []


def test_closing_a_conversation_stops_votes_on_its_page(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    cid = conversations.create_conversation(sf, facilitator_id=env.facilitator_id, topic="Parks")
    statement = statements.add_statement(sf, cid, "More trees", is_seed=True).id
    page = f"/f/c/{cid}"
    assert "Close the conversation" in env.client.get(page).text
    assert _post(env, f"/f/c/{cid}/close", {"closed": "1"}, page=page).status_code == 303
    assert "Reopen the conversation" in env.client.get(page).text
    shown = env.client.get(f"/c/{cid}").text
    assert "This conversation is closed" in shown and 'name="vote"' not in shown
    refused = _post(env, f"/c/{cid}/vote", {"statement_id": statement, "vote": "1"}, page=page)
    assert refused.status_code == 409 and "is closed" in refused.text
    assert "This conversation is closed" in env.client.get(f"/c/{cid}/votes").text
    _post(env, f"/f/c/{cid}/close", {"closed": "0"}, page=page)
    assert 'name="vote"' in env.client.get(f"/c/{cid}").text


def test_vote_on_it_instead_confirms_and_keeps_the_place(pages_env: Any) -> None:
    env = pages_env
    sf = env.session_factory
    cid = conversations.create_conversation(sf, facilitator_id=env.facilitator_id, topic="Parks")
    statement = statements.add_statement(sf, cid, "More trees", is_seed=True).id
    form = {"statement_id": statement, "vote": "1", "back": "add"}
    voted = _post(env, f"/c/{cid}/vote", form, page=f"/c/{cid}")
    assert voted.status_code == 303
    assert voted.headers["location"] == f"/c/{cid}?voted={statement}#add"
    assert "Your vote was recorded." in env.client.get(voted.headers["location"]).text
    assert participants.participant_progress(sf, cid, None) is not None


def test_the_description_is_markdown_rendered_safely(pages_env: Any) -> None:
    env = pages_env
    text = (
        "# Biodiversity\n\nWe **protect** [parks](https://example.org).\n\n"
        "<script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> <a href="#" onclick="alert(1)">y</a>'
    )
    cid = conversations.create_conversation(
        env.session_factory, facilitator_id=None, topic="Bio", description=text
    )
    html = env.client.get(f"/c/{cid}").text
    assert "<strong>protect</strong>" in html and "# Biodiversity" not in html
    assert 'href="https://example.org"' in html
    tags = _tags(html)
    assert not [t for t in tags if t[0] in ("img", "iframe")]
    assert all(src for name, src in ((t[0], t[1].get("src")) for t in tags) if name == "script")
    for _, attributes in tags:
        assert not [k for k in attributes if k.startswith("on")], attributes
        assert not (attributes.get("href") or "").lower().startswith("javascript"), attributes


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag of a page with its attributes (what a browser would make elements of)."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_the_icon(pages_env: Any) -> None:
    client = pages_env.client
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").text
    moved = client.get("/favicon.ico", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").headers["content-type"].startswith("image/svg")


def test_observers_see_no_facilitator_hints(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    sf = env.session_factory
    pid, a, _ = _process(env)
    statements.add_statement(sf, a, "Only in Astana so far", is_seed=True)
    refresh_agenda(sf, pid)
    assert "Share with: Small Group" in env.client.get(f"/f/p/{pid}/agenda").text
    key = process_info(sf, pid).observer_key
    observed = env.client.get(f"/o/{key}").text
    assert "Only in Astana so far" in observed and "Share with" not in observed
