"""Facilitator pages without a browser: login, conversations, seeds, moderation, results."""

from __future__ import annotations

import re
from typing import Any

import pytest

from parley.services import accounts, participants, statements, votes
from parley.services.refresh import pending_analyses, refresh_analysis

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _protected(env: Any) -> list[str]:
    cid = env.open_id
    return [
        "/f",
        f"/f/c/{cid}",
        f"/f/c/{cid}/moderation",
        f"/f/c/{cid}/results",
        f"/f/c/{cid}/results/live",
    ]


def test_facilitator_pages_need_a_login(pages_env: Any) -> None:
    client = pages_env.client
    for path in _protected(pages_env):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"
    htmx = client.get(_protected(pages_env)[-1], headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")
    token = pages_env.csrf()
    response = client.post(
        f"/f/c/{pages_env.open_id}/moderation",
        data={"statement_ids": "1", "to_state": "-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_every_facilitator_page_renders_after_login(pages_env: Any) -> None:
    pages_env.log_in()
    for path in _protected(pages_env):
        response = pages_env.client.get(path)
        assert response.status_code == 200, path
        assert "text/html" in response.headers["content-type"]


def test_login_with_a_wrong_password_fails(pages_env: Any) -> None:
    client = pages_env.client
    data = {"name": "ada", "password": "wrong password", "csrf_token": pages_env.csrf()}
    response = client.post("/login", data=data)
    assert response.status_code == 401
    assert "Name or password is wrong." in response.text
    assert client.get("/f", follow_redirects=False).status_code == 303


def test_login_needs_the_csrf_token_and_never_redirects_off_site(pages_env: Any) -> None:
    client = pages_env.client
    data = {"name": "ada", "password": "correct horse battery", "next": "//evil.example/"}
    assert client.post("/login", data=data).status_code == 403
    data["csrf_token"] = pages_env.csrf()
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/f"


def test_logout_ends_the_login(pages_env: Any) -> None:
    pages_env.log_in()
    client = pages_env.client
    token = pages_env.csrf("/f")
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/f", follow_redirects=False).status_code == 303


def test_create_a_conversation_and_seed_it(pages_env: Any) -> None:
    pages_env.log_in()
    client = pages_env.client
    token = pages_env.csrf("/f")
    response = client.post(
        "/f/conversations",
        data={"topic": "Budget 2026", "description": "", "moderation_mode": "strict"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    cid = int(re.findall(r"/f/c/(\d+)", location)[0])
    assert "Conversation created." in client.get(location).text
    seeds = f"Lower taxes\n\n  More schools  \n{SCRIPT}\n"
    response = client.post(f"/f/c/{cid}/seed", data={"text": seeds, "csrf_token": token})
    assert response.status_code == 200
    assert "3 statements added." in response.text
    assert "Budget 2026" in client.get("/f").text
    accepted = client.get(f"/f/c/{cid}/moderation?state=1").text
    assert "More schools" in accepted
    assert ESCAPED in accepted
    assert SCRIPT not in accepted


def test_bulk_and_single_moderation(pages_env: Any) -> None:
    sf, cid = pages_env.session_factory, pages_env.strict_id
    participant_id, _ = participants.join_conversation(sf, cid)
    ids = [
        statements.add_statement(sf, cid, text, participant_id=participant_id).id
        for text in ("first idea", "second idea", SCRIPT)
    ]
    pages_env.log_in()
    client = pages_env.client
    queue = client.get(f"/f/c/{cid}/moderation").text
    assert all(f'value="{sid}"' in queue for sid in ids)
    assert ESCAPED in queue
    assert SCRIPT not in queue
    token = pages_env.csrf(f"/f/c/{cid}/moderation")
    response = client.post(
        f"/f/c/{cid}/moderation",
        data={"statement_ids": ids[:2], "to_state": "1", "state": "0", "csrf_token": token},
    )
    assert "2 statements moderated." in response.text
    response = client.post(
        f"/f/c/{cid}/moderation",
        data={"single": f"{ids[2]}:-1", "state": "0", "csrf_token": token},
    )
    assert "1 statement moderated." in response.text  # the singular: CLDR plurals
    assert "Nothing here." in response.text
    assert ESCAPED in client.get(f"/f/c/{cid}/moderation?state=-1").text
    response = client.post(
        f"/f/c/{cid}/moderation", data={"to_state": "1", "state": "0", "csrf_token": token}
    )
    assert "Select at least one statement." in response.text
    foreign = client.post(
        f"/f/c/{pages_env.open_id}/moderation",
        data={"statement_ids": ids[0], "to_state": "-1", "csrf_token": token},
    )
    assert foreign.status_code == 404


def test_another_facilitators_conversation_is_forbidden(pages_env: Any) -> None:
    accounts.create_facilitator(pages_env.session_factory, "bob", password="another password")
    pages_env.log_in("bob", "another password")
    client = pages_env.client
    assert "Open &lt;i&gt;park&lt;/i&gt; talk" not in client.get("/f").text
    for path in _protected(pages_env)[1:]:
        assert client.get(path).status_code == 403, path


def _vote_in_two_camps(env: Any, n_participants: int = 12) -> None:
    sf, cid = env.session_factory, env.open_id
    for n in range(n_participants):
        participant_id, _ = participants.join_conversation(sf, cid)
        camp = 1 if n % 2 else -1
        for j, sid in enumerate(env.seed_ids):
            votes.cast_vote(sf, participant_id, sid, camp if j != 1 else 1)


def _analyse(sf: Any, conversation_id: int) -> None:
    jobs = [job for job in pending_analyses(sf) if job.conversation_id == conversation_id]
    assert jobs
    for job in jobs:
        refresh_analysis(sf, job)


def test_results_before_and_after_an_analysis(pages_env: Any) -> None:
    pages_env.log_in()
    client, cid = pages_env.client, pages_env.open_id
    before = client.get(f"/f/c/{cid}/results").text
    assert "No analysis yet" in before
    assert 'hx-trigger="every 1s"' in before
    _vote_in_two_camps(pages_env)
    _analyse(pages_env.session_factory, cid)
    page = client.get(f"/f/c/{cid}/results", headers={"accept-language": "de"}).text
    assert 'id="opinion-map" data-figure="' in page
    assert 'id="votes-over-time" data-figure="' in page
    assert "Gruppe A" in page
    assert "Gruppenübergreifender Konsens" in page
    assert SCRIPT not in page
    assert "/assets/plotly.min.js" in page


def test_live_results_answer_204_until_something_changes(pages_env: Any) -> None:
    pages_env.log_in()
    client, cid = pages_env.client, pages_env.open_id
    live = f"/f/c/{cid}/results/live"
    first = client.get(live, headers={"HX-Request": "true"})
    assert first.status_code == 200
    version = re.findall(r'data-version="([^"]+)"', first.text)[0]
    assert client.get(live, params={"since": version}).status_code == 204
    _vote_in_two_camps(pages_env, 2)
    changed = client.get(live, params={"since": version})
    assert changed.status_code == 200
    assert changed.text.lstrip().startswith('<div id="results"')
    assert re.findall(r'data-version="([^"]+)"', changed.text)[0] != version


@pytest.mark.parametrize("lang", ["en", "de", "fr", "ru"])
def test_facilitator_pages_in_every_language(pages_env: Any, lang: str) -> None:
    pages_env.log_in()
    for path in _protected(pages_env)[:-1]:
        html = pages_env.client.get(path, params={"lang": lang}).text
        assert f'<html lang="{lang}">' in html
