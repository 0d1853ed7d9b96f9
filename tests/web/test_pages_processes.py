"""Process pages without a browser: processes, statements across formats, the joint agenda."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest

from parley.services import accounts, participants, statements
from parley.services.agenda import AgendaView, read_agenda, refresh_agenda
from parley.services.joint import JointStatement, joint_statements
from parley.services.processes import ProcessInfo, create_process, process_info
from parley.services.refresh import pending_analyses, refresh_analysis
from parley.services.rules import AutoShare, ProcessSettings
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote
from parley.text.matching import OppositeTest
from parley.web.i18n import LANGUAGE_NAMES, translator
from parley.web.pages.rendering import template_environment

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FORMATS = ("Astana group", "Small Group")
_KEY = re.compile(r"\b(?:processes|process|agenda|dup|statements)\.[a-z_.-]+")


def _items(view: AgendaView) -> list[dict[str, Any]]:
    """The agenda's items as plain data, best first."""
    return [item.model_dump() for item in view.document.items]


def _process(env: Any, **kwargs: Any) -> tuple[int, int, int]:
    """Store a process of the logged-in facilitator; return its id and the two conversations."""
    pid = create_process(
        env.session_factory,
        facilitator_id=env.facilitator_id,
        name=kwargs.pop("name", "Syria talks"),
        formats=kwargs.pop("formats", FORMATS),
        **kwargs,
    )
    info = process_info(env.session_factory, pid)
    return pid, info.formats[0].conversation_id, info.formats[1].conversation_id


def _members(env: Any, conversation_id: int, n: int) -> list[int]:
    sf = env.session_factory
    return [participants.join_conversation(sf, conversation_id)[0] for _ in range(n)]


def _post(env: Any, path: str, data: dict[str, Any], *, page: str) -> Any:
    data = {**data, "csrf_token": env.csrf(page)}
    return env.client.post(path, data=data, follow_redirects=False)


def test_create_a_process_through_the_form(pages_env: Any) -> None:
    pages_env.log_in()
    form = {
        "name": "Syria talks",
        "description": "Two formats, one agenda",
        "formats": "Astana group\n\n  Small Group  \n",
        "languages": "en, ru ar",
        "moderation_mode": "strict",
        "min_votes": "3",
        "auto_share": "1",
        "share_min_votes": "4",
        "share_min_agree": "60",
    }
    response = _post(pages_env, "/f/processes", form, page="/f/processes")
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    pid = int(re.fullmatch(r"/f/p/(\d+)\?done=created&n=0", location).group(1))  # type: ignore[union-attr]
    info = process_info(pages_env.session_factory, pid)
    assert [f.name for f in info.formats] == list(FORMATS)
    assert info.facilitator_id == pages_env.facilitator_id
    assert info.min_votes == 3
    assert info.auto_share == AutoShare(min_votes=4, min_agree=0.6)
    page = pages_env.client.get(location).text
    assert "Process created" in page
    listing = pages_env.client.get("/f/processes").text
    assert f'href="/f/p/{pid}"' in listing and "Astana group and Small Group" in listing
    assert 'href="/f/processes"' in pages_env.client.get("/f").text  # from the home page
    empty = _post(pages_env, "/f/processes", {"name": "x", "formats": ""}, page="/f/processes")
    assert empty.status_code == 400 and "at least one format" in empty.text


def test_the_process_page_shows_formats_join_links_and_the_observer_link(pages_env: Any) -> None:
    pages_env.log_in()
    pid, a, b = _process(pages_env)
    info = process_info(pages_env.session_factory, pid)
    html = pages_env.client.get(f"/f/p/{pid}").text
    for cid, name in ((a, FORMATS[0]), (b, FORMATS[1])):
        assert f"http://testserver/c/{cid}" in html
        assert f'<a href="/f/c/{cid}">{name}</a>' in html
    assert f"http://testserver/o/{info.observer_key}" in html
    assert pages_env.client.get(f"/f/c/{a}").status_code == 200  # the format's conversation
    added = _post(
        pages_env, f"/f/p/{pid}/formats", {"name": "Observers' circle"}, page=f"/f/p/{pid}"
    )
    assert added.status_code == 303
    settings = {
        "min_votes": "2",
        "auto_share": "1",
        "share_min_votes": "3",
        "share_min_agree": "50",
    }
    saved = _post(pages_env, f"/f/p/{pid}/settings", settings, page=f"/f/p/{pid}")
    assert saved.status_code == 303
    info = process_info(pages_env.session_factory, pid)
    assert [f.name for f in info.formats][-1] == "Observers' circle"
    assert info.min_votes == 2 and info.auto_share == AutoShare(3, 0.5)
    off = _post(pages_env, f"/f/p/{pid}/settings", {"min_votes": "2"}, page=f"/f/p/{pid}")
    assert off.status_code == 303
    assert process_info(pages_env.session_factory, pid).auto_share is None
    page = pages_env.client.get(off.headers["location"]).text
    assert "Observers&#39; circle" in page and "Settings saved; 0 statements shared" in page


def test_process_pages_need_a_login_and_the_owner(pages_env: Any) -> None:
    pid, _, _ = _process(pages_env)
    paths = ["/f/processes", f"/f/p/{pid}", f"/f/p/{pid}/statements", f"/f/p/{pid}/agenda"]
    for path in paths:
        response = pages_env.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    other, _ = accounts.create_facilitator(pages_env.session_factory, "bob", password="bob's pass!")
    theirs = create_process(
        pages_env.session_factory, facilitator_id=other, name="x", formats=["A"]
    )
    pages_env.log_in()
    assert pages_env.client.get(f"/f/p/{theirs}").status_code == 403
    assert pages_env.client.get(f"/f/p/{theirs}/agenda.json").status_code == 403
    assert pages_env.client.get("/f/p/999999").status_code == 404
    mine = pages_env.client.get("/f/processes").text
    assert f'href="/f/p/{pid}"' in mine and f'href="/f/p/{theirs}"' not in mine


def test_the_share_button_copies_a_statement_into_the_other_format(pages_env: Any) -> None:
    pages_env.log_in()
    sf = pages_env.session_factory
    pid, a, b = _process(pages_env)
    s = statements.add_statement(sf, a, "Прекращение огня", is_seed=True, language="ru")
    page = pages_env.client.get(f"/f/p/{pid}/statements").text
    assert 'lang="ru"' in page and "Share with all formats" in page
    response = _post(
        pages_env, f"/f/p/{pid}/share", {"statement_id": s.id}, page=f"/f/p/{pid}/statements"
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/f/p/{pid}/statements?done=shared&n=1&undo=")
    copies = statements.visible_statements(sf, b)
    assert [c.text for c in copies] == ["Прекращение огня"]
    after = pages_env.client.get(response.headers["location"]).text
    assert "Statement shared with 1 format." in after
    assert "Share with all formats" not in after and "in every format" in after
    # a statement of another process cannot be shared through this one
    other, c, _ = _process(pages_env, name="Other")
    elsewhere = statements.add_statement(sf, c, "elsewhere", is_seed=True)
    refused = _post(
        pages_env, f"/f/p/{pid}/share", {"statement_id": elsewhere.id}, page=f"/f/p/{pid}"
    )
    assert refused.status_code == 404
    other_b = process_info(sf, other).formats[1].conversation_id
    assert statements.visible_statements(sf, other_b) == []


def _agenda_fixture(env: Any) -> tuple[int, int, str]:
    """A process where one statement (Russian, with markup) was voted on in both formats."""
    sf = env.session_factory
    pid, a, b = _process(env, settings=ProcessSettings(min_votes=1))
    text = f"{SCRIPT} Гуманитарный доступ"
    s = statements.add_statement(sf, a, text, is_seed=True, language="ru")
    (copy,) = share_statement(sf, s.id)
    for member, value in zip(_members(env, a, 3), (1, 1, -1), strict=True):
        cast_vote(sf, member, s.id, value)
    for member, value in zip(_members(env, b, 2), (1, 0), strict=True):
        cast_vote(sf, member, copy, value)
    refresh_agenda(sf, pid)  # the worker's agenda job (the formats' analyses wait)
    return pid, s.id, process_info(sf, pid).observer_key


def test_the_agenda_shows_stance_bars_per_format_and_escapes_user_text(pages_env: Any) -> None:
    pages_env.log_in()
    pid, sid, _ = _agenda_fixture(pages_env)
    html = pages_env.client.get(f"/f/p/{pid}/agenda").text
    assert "2 agree, 1 disagree, 0 pass" in html  # Astana group
    # Small Group: two votes, fewer than the minimum group size (3): withheld, no bar
    assert "1 agree, 0 disagree, 1 pass" not in html
    assert "fewer than 3 votes yet" in html
    bars = re.findall(r'<span class="(agree|disagree|pass) w-(\d+)">', html)  # no style=: CSP
    assert bars == [("agree", "67"), ("disagree", "33"), ("pass", "0")]
    assert f'id="s-{sid}"' in html and 'lang="ru"' in html
    assert SCRIPT not in html and ESCAPED in html
    assert "Common ground" in html or "Contested" in html
    assert "No analysis yet" in html  # no format has an analysis yet
    statements = pages_env.client.get(f"/f/p/{pid}/statements").text
    assert SCRIPT not in statements and ESCAPED in statements


def test_each_format_gets_its_opinion_map_once_analysed(pages_env: Any) -> None:
    pages_env.log_in()
    sf = pages_env.session_factory
    pid, a, _ = _process(pages_env)
    ids = [statements.add_statement(sf, a, f"statement {k}", is_seed=True).id for k in range(4)]
    for n, member in enumerate(_members(pages_env, a, 8)):
        for j, sid in enumerate(ids):
            cast_vote(sf, member, sid, 1 if (n + j) % 2 else -1)
    for job in pending_analyses(sf):
        if job.conversation_id == a:
            refresh_analysis(sf, job)
    html = pages_env.client.get(f"/f/p/{pid}/agenda").text
    assert html.count("data-figure=") == 1  # the other format has no analysis yet
    assert "No analysis yet" in html
    assert "/assets/plotly.min.js" in html


def test_exports_have_their_content_types_and_parse(pages_env: Any) -> None:
    pages_env.log_in()
    pid, sid, key = _agenda_fixture(pages_env)
    for base in (f"/f/p/{pid}/agenda", f"/o/{key}/agenda"):
        data = pages_env.client.get(f"{base}.json")
        assert data.headers["content-type"] == "application/json"
        document = data.json()
        assert set(document) == {"process", "formats", "items", "computed_at"}
        assert document["process"]["name"] == "Syria talks"
        assert [f["name"] for f in document["formats"]] == list(FORMATS)
        (entry,) = [s for item in document["items"] for s in item["statements"]]
        assert entry["id"] == sid and entry["language"] == "ru"
        # two votes in Small Group: fewer than the minimum group size, withheld everywhere
        assert entry["withheld"] == ["Small Group"]
        assert entry["by_format"]["Small Group"] == {"agree": 0, "disagree": 0, "pass": 0}
        table = pages_env.client.get(f"{base}.csv")
        assert table.headers["content-type"].startswith("text/csv")
        assert table.headers["content-disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(table.text)))
        assert rows[0][:6] == ["rank", "item", "label", "statement", "number", "kind"]
        assert rows[1][3] == str(sid)
        small = [rows[0].index(f"Small Group {what}") for what in ("agree", "disagree", "pass")]
        assert [rows[1][i] for i in small] == ["", "", ""]
        markdown = pages_env.client.get(f"{base}.md")
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert markdown.headers["content-disposition"].startswith("attachment")
        assert markdown.text.startswith("# Joint agenda: Syria talks")
        assert "Small Group fewer than 3 votes yet" in markdown.text
    assert pages_env.client.get(f"/f/p/{pid}/agenda.xml").status_code == 404


def test_the_observer_page_needs_no_login_and_no_forms(pages_env: Any) -> None:
    _, _, key = _agenda_fixture(pages_env)
    page = pages_env.client.get(f"/o/{key}")
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert "Syria talks" in html and "2 agree, 1 disagree, 0 pass" in html
    assert "<form" not in html and "/f/p/" not in html  # read-only, no facilitator links
    # the joint agenda only: no format's own analysis, nor its join link
    assert 'id="map-' not in html and "Opinion map of each format" not in html
    assert "?key=" not in html
    assert SCRIPT not in html and ESCAPED in html
    assert pages_env.client.get(f"/o/{key}/agenda.csv").status_code == 200
    assert pages_env.client.get("/o/not-a-key").status_code == 404
    assert pages_env.client.get("/o/not-a-key/agenda.json").status_code == 404


def test_the_merge_form_merges_two_joint_statements(pages_env: Any) -> None:
    pages_env.log_in()
    sf = pages_env.session_factory
    pid, a, b = _process(pages_env)
    x = statements.add_statement(sf, a, "Ceasefire now", is_seed=True, language="en")
    y = statements.add_statement(sf, b, "Cessez-le-feu maintenant", is_seed=True, language="fr")
    (member,) = _members(pages_env, b, 1)
    cast_vote(sf, member, y.id, 1)
    page = f"/f/p/{pid}/statements"
    response = _post(pages_env, f"/f/p/{pid}/merge", {"keep_id": x.id, "drop_id": y.id}, page=page)
    assert response.status_code == 303
    placed = joint_statements(sf, pid)
    assert [(s.id, s.format_names) for s in placed] == [(x.id, FORMATS)]
    assert "Statements merged." in pages_env.client.get(response.headers["location"]).text
    again = _post(pages_env, f"/f/p/{pid}/merge", {"keep_id": x.id, "drop_id": y.id}, page=page)
    assert again.status_code == 409  # y was merged already (the API says the same)


def test_a_renamed_label_persists(pages_env: Any) -> None:
    pages_env.log_in()
    pid, _, key = _agenda_fixture(pages_env)
    (item,) = _items(read_agenda(pages_env.session_factory, pid))  # items made by the worker
    label = f"Humanitarian <b>access</b> {SCRIPT}"
    response = _post(
        pages_env, f"/f/p/{pid}/items/{item['item']}/label", {"label": label}, page=f"/f/p/{pid}"
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#item-{item['item']}")
    html = pages_env.client.get(response.headers["location"]).text
    assert "Agenda item renamed." in html
    assert "Humanitarian &lt;b&gt;access&lt;/b&gt;" in html and SCRIPT not in html
    refresh = _post(pages_env, f"/f/p/{pid}/items/refresh", {}, page=f"/f/p/{pid}/statements")
    assert refresh.status_code == 303
    assert "Humanitarian &lt;b&gt;access" in pages_env.client.get(f"/o/{key}").text
    unknown = _post(pages_env, f"/f/p/{pid}/items/999999/label", {"label": "x"}, page=f"/f/p/{pid}")
    assert unknown.status_code == 404
    french = _post(
        pages_env,
        f"/f/p/{pid}/items/{item['item']}/label",
        {"label": "Accès <i>humanitaire</i>", "language": "fr"},
        page=f"/f/p/{pid}",
    )
    assert french.status_code == 303
    in_french = pages_env.client.get(f"/f/p/{pid}/agenda?lang=fr").text
    assert "Accès &lt;i&gt;humanitaire&lt;/i&gt;" in in_french
    assert "Humanitarian &lt;b&gt;access" not in in_french
    assert "Humanitarian &lt;b&gt;access" in pages_env.client.get(f"/f/p/{pid}/agenda?lang=en").text
    stored = read_agenda(pages_env.session_factory, pid).document.items[0]
    assert stored.labels["fr"] == "Accès <i>humanitaire</i>"
    bad = _post(
        pages_env,
        f"/f/p/{pid}/items/{item['item']}/label",
        {"label": "x", "language": "<script>"},
        page=f"/f/p/{pid}",
    )
    assert bad.status_code == 400 and "is not a language tag" in bad.text


def _statements_page(pairs: list[dict[str, Any]]) -> str:
    """Render the statements page's template with look-alike pairs given directly."""
    t = translator("en")
    context = {
        "lang": "en",
        "t": t,
        "languages": LANGUAGE_NAMES,
        "lang_links": dict.fromkeys(LANGUAGE_NAMES, "#"),
        "csrf_token": "token",
        "facilitator": "ada",
        "process": ProcessInfo(7, "Syria talks", "", "key", None, 5, None),
        "process_name": "Syria talks",
        "tab": "statements",
        "flash": None,
        "by_format": {name: [] for name in FORMATS},
        "n_formats": 2,
        "pairs": pairs,
        "actions": [],
        "undo_id": None,
        "numbers": {},
    }
    return template_environment().get_template("pages/process_statements.html").render(context)


def _pair(verdict: str | None) -> dict[str, Any]:
    a = JointStatement(11, SCRIPT + " troops must leave", "en", FORMATS[0], 1, None, None)
    b = JointStatement(12, "Les troupes doivent rester", "fr", FORMATS[1], 2, None, None)
    votes = None if verdict is None else OppositeTest(verdict, 10, 2, 8)  # type: ignore[arg-type]
    return {"a": a, "b": b, "score": 0.912, "verdict": verdict, "votes": votes}


@pytest.mark.parametrize(
    ("verdict", "shown"),
    [
        ("opposite", "opposites by votes: 8 of 10 co-voters split"),
        ("duplicate", "same by votes: 2 of 10 co-voters voted alike"),
        ("unknown", "votes undecided (10 co-voters)"),
        (None, "nobody voted on both yet"),
    ],
)
def test_look_alike_pairs_show_the_vote_verdict(verdict: str | None, shown: str) -> None:
    html = _statements_page([_pair(verdict)])
    assert shown in html and "similarity 0.91" in html
    assert 'lang="fr"' in html and SCRIPT not in html and ESCAPED in html
    assert html.count("/merge?keep_id=") == 2  # keep either one (each link asks first)
    warned = "opposites, not duplicates" in html
    assert warned == (verdict == "opposite")
    if verdict == "opposite":  # the merge buttons hide behind "merge anyway"
        assert html.index("<details>") < html.index("/merge?keep_id=")
    else:
        assert "<details>" not in html


@pytest.mark.parametrize("lang", ["de", "fr", "ru"])
def test_process_pages_in_every_language(pages_env: Any, lang: str) -> None:
    pages_env.log_in()
    pid, _, key = _agenda_fixture(pages_env)
    for path in ("/f/processes", f"/f/p/{pid}", f"/f/p/{pid}/statements", f"/f/p/{pid}/agenda"):
        html = pages_env.client.get(path, params={"lang": lang}).text
        assert f'<html lang="{lang}">' in html, path
        keys = set(_KEY.findall(html)) - {"agenda.json", "agenda.csv", "agenda.md"}
        assert not keys, (path, keys)  # every message translated, no key shown
    assert f'<html lang="{lang}">' in pages_env.client.get(f"/o/{key}?lang={lang}").text


def test_observer_views_are_rate_limited_per_address(pages_env: Any) -> None:
    from parley.config import Settings

    burst = Settings().observer_burst
    _, _, key = _agenda_fixture(pages_env)
    codes = [pages_env.client.get(f"/o/{key}/agenda.json").status_code for _ in range(25)]
    assert codes[:burst] == [200] * burst
    assert 429 in codes[burst:]
    api = pages_env.client.get(f"/api/v1/observe/{key}/agenda")  # one limit, API and pages
    assert api.status_code == 429 and api.headers["retry-after"]


def test_the_joint_map_shows_members_of_every_format_once_they_voted_enough(
    pages_env: Any,
) -> None:
    pages_env.log_in()
    pid, _, _ = _agenda_fixture(pages_env)
    assert 'id="joint-map"' not in pages_env.client.get(f"/f/p/{pid}/agenda").text
    sf = pages_env.session_factory
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    roots = [statements.add_statement(sf, a, f"claim {i}", is_seed=True).id for i in range(8)]
    copies = [share_statement(sf, r)[0] for r in roots]
    for member in _members(pages_env, a, 3):
        for root in roots:
            cast_vote(sf, member, root, 1)
    for member in _members(pages_env, b, 3):
        for copy in copies:
            cast_vote(sf, member, copy, -1)
    assert 'id="joint-map"' not in pages_env.client.get(f"/f/p/{pid}/agenda").text  # not yet
    pages_env.catch_up()
    html = pages_env.client.get(f"/f/p/{pid}/agenda").text
    assert 'id="joint-map"' in html
    figure = html.split('id="joint-map" data-figure="', 1)[1].split('"', 1)[0]
    assert "Astana group (3)" in figure and "Small Group (3)" in figure
    assert "6 members of every format" in html


def test_share_everything_puts_every_statement_in_every_format(pages_env: Any) -> None:
    pages_env.log_in()
    sf = pages_env.session_factory
    pid, a, b = _process(pages_env)
    for cid, text in ((a, "one from Astana"), (b, "one from the Small Group")):
        statements.add_statement(sf, cid, text, is_seed=True)
    page = f"/f/p/{pid}/statements"
    response = _post(pages_env, f"/f/p/{pid}/share-all", {}, page=page)
    assert response.status_code == 303 and "done=shared&n=2" in response.headers["location"]
    for cid in (a, b):
        texts = {s.text for s in statements.visible_statements(sf, cid)}
        assert texts == {"one from Astana", "one from the Small Group"}
    again = _post(pages_env, f"/f/p/{pid}/share-all", {}, page=page)
    assert "n=0" in again.headers["location"]


def test_statements_every_format_rejects_are_listed_apart(pages_env: Any) -> None:
    pages_env.log_in()
    sf = pages_env.session_factory
    pid, a, b = _process(pages_env, settings=ProcessSettings(min_votes=2))
    s = statements.add_statement(sf, a, "Postpone every talk for a year", is_seed=True)
    (copy,) = share_statement(sf, s.id)
    for member in _members(pages_env, a, 3):  # 3: fewer would not be shown (nor counted)
        cast_vote(sf, member, s.id, -1)
    for member in _members(pages_env, b, 3):
        cast_vote(sf, member, copy, -1)
    pages_env.catch_up()
    html = pages_env.client.get(f"/f/p/{pid}/agenda").text
    assert 'class="kind rejected"' in html and 'class="kind contested"' not in html
    assert 'class="agenda-statement kind-contested rejected"' in html
    document = pages_env.client.get(f"/f/p/{pid}/agenda.json").json()
    (entry,) = document["items"][0]["statements"]
    assert entry["kind"] == "contested" and entry["rejected_by_all"] is True
    markdown = pages_env.client.get(f"/f/p/{pid}/agenda.md").text
    assert "### Rejected by every format" in markdown


def test_a_facilitator_adds_one_of_their_conversations_as_a_format(pages_env: Any) -> None:
    pages_env.log_in()
    pid, _, _ = _process(pages_env)
    html = pages_env.client.get(f"/f/p/{pid}").text
    assert f'<option value="{pages_env.open_id}">' in html
    data = {"conversation_id": str(pages_env.open_id), "name": "Park <b>panel</b>"}
    response = _post(pages_env, f"/f/p/{pid}/attach", data, page=f"/f/p/{pid}")
    assert response.status_code == 303
    info = process_info(pages_env.session_factory, pid)
    assert [f.conversation_id for f in info.formats][-1] == pages_env.open_id
    html = pages_env.client.get(f"/f/p/{pid}").text
    assert f'<option value="{pages_env.open_id}">' not in html  # offered once only
    assert "Park &lt;b&gt;panel&lt;/b&gt;" in html
