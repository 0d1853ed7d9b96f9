"""Rate limits on the costly paths: look-alike checks, joins through pages and API, logins.

The app's rate limiter runs on a clock that stands still, so that no bucket refills while a
test drains it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.db.models import Participant
from parley.services import accounts
from parley.services.accounts import set_password
from parley.web import costly
from parley.web.app import create_app
from parley.web.limits import RateLimiter

from .conftest import PASSWORD, V1, Api, auth

STRANGER = ("203.0.113.9", 4711)


@pytest.fixture
def still_api(sqlite_session_factory: SessionFactory, sqlite_url: str) -> Iterator[Api]:
    """The app on SQLite, its rate limiter's clock standing still; a facilitator 'ada'."""
    facilitator_id, key = accounts.create_facilitator(sqlite_session_factory, "ada")
    app = create_app(
        Settings(database_url=sqlite_url, secret_key="test-secret"),
        session_factory=sqlite_session_factory,
        run_worker=False,
        limiter=RateLimiter(clock=lambda: 1000.0),
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Api(client, sqlite_session_factory, facilitator_id, key)


def _stranger(api: Api) -> TestClient:
    """A client of the same app from another address."""
    return TestClient(api.client.app, base_url="http://127.0.0.1", client=STRANGER)


def _n_participants(api: Api) -> int:
    with api.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Participant)) or 0)


def test_a_stranger_guessing_a_password_does_not_lock_the_facilitator_out(
    still_api: Api,
) -> None:
    api = still_api
    set_password(api.session_factory, "ada", PASSWORD)
    stranger = _stranger(api)
    guesses = [
        stranger.post(f"{V1}/session", json={"name": "ada", "password": f"guess {i}"})
        for i in range(costly.LOGIN_BURST + 1)
    ]
    assert [g.status_code for g in guesses[:-1]] == [401] * costly.LOGIN_BURST
    assert guesses[-1].status_code == 429
    assert "for this name" in guesses[-1].json()["detail"]
    assert int(guesses[-1].headers["Retry-After"]) >= 1
    own = api.client.post(f"{V1}/session", json={"name": "ada", "password": PASSWORD})
    assert own.status_code == 200, own.text


def test_one_password_across_many_names_is_limited_per_address(still_api: Api) -> None:
    api = still_api
    stranger = _stranger(api)
    codes = [
        stranger.post(f"{V1}/session", json={"name": f"n{i}", "password": "123456789"})
        for i in range(costly.ADDRESS_LOGIN_BURST + 1)
    ]
    assert {c.status_code for c in codes[:-1]} == {401}
    assert codes[-1].status_code == 429
    assert "from this address" in codes[-1].json()["detail"]
    other = api.client.post(f"{V1}/session", json={"name": "n0", "password": "123456789"})
    assert other.status_code == 401  # another address still gets an answer


def _similar(api: Api, cid: int, token: str, text: str) -> int:
    response = api.client.post(
        f"{V1}/conversations/{cid}/statements/similar", json={"text": text}, headers=auth(token)
    )
    return response.status_code


def test_look_alike_checks_are_limited_per_participant_and_per_address(still_api: Api) -> None:
    api = still_api
    cid = api.create_conversation()
    api.seed(cid, "Parks need more trees")
    tokens = [api.join(cid)[1] for _ in range(5)]
    burst = costly.LOOK_ALIKE_BURST
    first = [_similar(api, cid, tokens[0], f"trees in park {i}") for i in range(burst + 1)]
    assert first == [200] * burst + [429]
    n_per_address = costly.ADDRESS_LOOK_ALIKE_BURST
    codes = [
        _similar(api, cid, token, f"more trees {i}") for token in tokens[1:] for i in range(burst)
    ]
    n_allowed = n_per_address - burst  # the first participant's checks count for the address
    assert codes[:n_allowed] == [200] * n_allowed
    assert set(codes[n_allowed:]) == {429}


def test_page_joins_share_the_per_address_join_limit_of_the_api(still_api: Api) -> None:
    api = still_api
    cid = api.create_conversation()
    api.seed(cid, "Parks need more trees")
    for _ in range(costly.JOIN_BURST):
        api.join(cid)
    n_before = _n_participants(api)
    assert api.client.post(f"{V1}/conversations/{cid}/participants").status_code == 429
    api.client.cookies.clear()
    page = api.client.get(f"/c/{cid}")  # a visit joins nobody
    assert page.status_code == 200 and _n_participants(api) == n_before
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    statement = re.search(r'name="statement_id" value="(\d+)"', page.text)
    assert csrf is not None and statement is not None
    voted = api.client.post(
        f"/c/{cid}/vote",
        data={"csrf_token": csrf[1], "statement_id": statement[1], "vote": "1"},
        follow_redirects=False,
    )
    assert voted.status_code == 429  # the first vote would join
    assert _n_participants(api) == n_before


def _process(api: Api, key: str) -> dict[str, object]:
    created = api.client.post(
        f"{V1}/processes", json={"name": "City", "formats": ["a", "b"]}, headers=auth(key)
    )
    assert created.status_code == 201, created.text
    body: dict[str, object] = created.json()
    return body


def test_observer_views_are_limited_per_address_for_api_and_page(still_api: Api) -> None:
    api = still_api
    key = str(_process(api, api.key)["observer_key"])
    codes = [
        api.client.get(f"{V1}/observe/{key}/agenda").status_code
        for _ in range(Settings().observer_burst + 1)
    ]
    assert codes == [200] * Settings().observer_burst + [429]
    assert api.client.get(f"/o/{key}").status_code == 429  # the page shares the bucket
    assert _stranger(api).get(f"{V1}/observe/{key}/agenda").status_code == 200


def test_heavy_facilitator_requests_are_limited_per_facilitator(still_api: Api) -> None:
    api = still_api
    pid = _process(api, api.key)["id"]
    paths = [
        ("POST", f"{V1}/processes/{pid}/items/refresh"),
        ("GET", f"{V1}/processes/{pid}/duplicates"),
    ]
    codes = [
        api.client.request(*paths[i % 2], headers=auth(api.key)).status_code
        for i in range(costly.FACILITATOR_WORK_BURST + 1)
    ]
    assert codes == [200] * costly.FACILITATOR_WORK_BURST + [429]
    _, other_key = accounts.create_facilitator(api.session_factory, "bob")
    other = _process(api, other_key)["id"]
    refreshed = api.client.post(f"{V1}/processes/{other}/items/refresh", headers=auth(other_key))
    assert refreshed.status_code == 200  # another facilitator has a bucket of their own
