"""The API and the pages follow one rulebook: the same action gives the same answer.

A strict process: a member's statement awaits moderation. Neither the API nor the pages may
offer it to another format as a look-alike, share it, put it in a voting queue or on the
joint agenda, until a moderator accepts it; then both share it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from parley.db.models import Statement
from parley.services.access import join_key_of
from parley.services.processes import create_process, process_info
from parley.services.rules import ModerationMode, ProcessSettings
from parley.services.statements import add_statement

pytestmark = pytest.mark.slow  # the look-alike checks load the embedding model

V1 = "/api/v1"
PENDING = "Every delegation should publish its negotiating positions."
SEED = "Humanitarian access must reach every region."
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _csrf(client: TestClient, path: str) -> str:
    found = _CSRF.search(client.get(path).text)
    assert found, path
    return found.group(1)


def _join(client: TestClient, conversation_id: int, key: str | None = None) -> str:
    """Join by the join link (with the key of a members-only format)."""
    response = client.post(
        f"{V1}/conversations/{conversation_id}/participants",
        params={} if key is None else {"key": key},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _strict_process(env: Any) -> tuple[int, int, int, int]:
    sf = env.session_factory
    pid = create_process(
        sf,
        facilitator_id=env.facilitator_id,
        name="Talks",
        formats=["Astana group", "Small Group"],
        moderation_mode=ModerationMode.STRICT,
        settings=ProcessSettings(min_votes=1),
    )
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    seed = add_statement(sf, a, SEED, is_seed=True, language="en").id
    return pid, a, b, seed


def test_api_and_pages_agree_on_a_statement_awaiting_moderation(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    api, key = env.client, env.api_key
    pid, a, b, seed = _strict_process(env)
    author = _join(api, a, join_key_of(env.session_factory, a))
    written = api.post(
        f"{V1}/conversations/{a}/statements", json={"text": PENDING}, headers=_bearer(author)
    )
    assert written.status_code == 201 and written.json()["moderation_state"] == 0
    pending = int(written.json()["id"])

    # look-alikes: the API offers a member of the other format nothing pending ...
    member_b = _join(api, b, join_key_of(env.session_factory, b))
    similar = api.post(
        f"{V1}/conversations/{b}/statements/similar",
        json={"text": PENDING},
        headers=_bearer(member_b),
    )
    assert similar.status_code == 200
    assert pending not in [m["statement_id"] for m in similar.json()["similar"]]
    # ... nor does the page: the same draft is saved at once, with no look-alike shown
    drafted = env.client.post(
        f"/c/{b}/statements",
        data={
            "csrf_token": _csrf(env.client, f"/c/{b}"),
            "text": PENDING,
            "key": join_key_of(env.session_factory, b),
        },
        follow_redirects=False,
    )
    assert drafted.status_code == 303 and "added=held" in drafted.headers["location"]
    with env.session_factory() as session:
        assert session.scalar(
            select(Statement.id).where(Statement.conversation_id == b, Statement.text == PENDING)
        )

    # sharing: refused the same way by both
    by_api = api.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": pending}, headers=_bearer(key)
    )
    by_page = env.client.post(
        f"/f/p/{pid}/share",
        data={"csrf_token": env.csrf(f"/f/p/{pid}/statements"), "statement_id": pending},
        follow_redirects=False,
    )
    assert by_api.status_code == by_page.status_code == 409
    assert "awaits moderation" in by_api.json()["detail"]

    # voting queues: another member of the author's format sees only the seed
    voter = _join(api, a, join_key_of(env.session_factory, a))
    listed = api.get(f"{V1}/conversations/{a}/statements").json()
    assert [s["id"] for s in listed] == [seed]
    following = api.get(f"{V1}/conversations/{a}/statements/next", headers=_bearer(voter))
    assert following.json()["id"] == seed
    browser = TestClient(env.client.app, base_url="http://testserver")
    card = browser.get(f"/c/{a}", params={"key": join_key_of(env.session_factory, a)}).text
    assert SEED in card and PENDING not in card

    # the joint agenda, through the API, the page export and the observers: one document
    env.catch_up()
    documents = [
        api.get(f"{V1}/processes/{pid}/agenda", headers=_bearer(key)).json(),
        env.client.get(f"/f/p/{pid}/agenda.json").json(),
    ]
    observer_key = process_info(env.session_factory, pid).observer_key
    documents.append(api.get(f"{V1}/observe/{observer_key}/agenda").json())
    assert documents[0] == documents[1] == documents[2]
    texts = {s["text"] for item in documents[0]["items"] for s in item["statements"]}
    assert texts == {SEED}

    # once accepted, both share it (the page's share finds it shared already)
    accepted = api.post(
        f"{V1}/conversations/{a}/moderation",
        json={"statement_ids": [pending], "state": 1},
        headers=_bearer(key),
    )
    assert accepted.status_code == 200, accepted.text
    shared = api.post(
        f"{V1}/processes/{pid}/share", json={"statement_id": pending}, headers=_bearer(key)
    )
    assert shared.status_code == 200 and len(shared.json()["created"]) == 1
    again = env.client.post(
        f"/f/p/{pid}/share",
        data={"csrf_token": env.csrf(f"/f/p/{pid}/statements"), "statement_id": pending},
        follow_redirects=False,
    )
    assert again.status_code == 303 and "n=0" in again.headers["location"]
    env.catch_up()
    document = api.get(f"{V1}/processes/{pid}/agenda", headers=_bearer(key)).json()
    texts = {s["text"] for item in document["items"] for s in item["statements"]}
    assert texts == {SEED, PENDING}


def test_statements_outside_the_process_are_refused_alike(pages_env: Any) -> None:
    env = pages_env
    env.log_in()
    pid, *_ = _strict_process(env)
    elsewhere = env.seed_ids[0]  # a statement of a conversation in no process
    by_api = env.client.post(
        f"{V1}/processes/{pid}/share",
        json={"statement_id": elsewhere},
        headers=_bearer(env.api_key),
    )
    by_page = env.client.post(
        f"/f/p/{pid}/share",
        data={"csrf_token": env.csrf(f"/f/p/{pid}/statements"), "statement_id": elsewhere},
        follow_redirects=False,
    )
    assert by_api.status_code == by_page.status_code == 404
    merged_api = env.client.post(
        f"{V1}/processes/{pid}/merge",
        json={"keep_id": elsewhere, "drop_id": env.seed_ids[1]},
        headers=_bearer(env.api_key),
    )
    merged_page = env.client.post(
        f"/f/p/{pid}/merge",
        data={
            "csrf_token": env.csrf(f"/f/p/{pid}/statements"),
            "keep_id": elsewhere,
            "drop_id": env.seed_ids[1],
        },
        follow_redirects=False,
    )
    assert merged_api.status_code == merged_page.status_code == 404
