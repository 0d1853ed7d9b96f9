"""Rate limits shared by web processes: two apps on one database spend one budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.services import accounts
from parley.services.access import join_key_of
from parley.web.app import create_app

from .conftest import V1, auth

BURST = 3


def _clients(
    session_factory: SessionFactory, url: str, *, shared: bool, **extra: Any
) -> Iterator[list[TestClient]]:
    settings = Settings(
        database_url=url,
        secret_key="test-secret",
        observer_burst=BURST,
        observer_rate=0.001,
        shared_limits=shared,
        **extra,
    )
    apps = [
        create_app(settings, session_factory=session_factory, run_worker=False) for _ in range(2)
    ]
    with (
        TestClient(apps[0], base_url="http://127.0.0.1") as first,
        TestClient(apps[1], base_url="http://127.0.0.1") as second,
    ):
        yield [first, second]


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per-process"])
def test_two_processes_share_the_observer_budget(
    sqlite_session_factory: SessionFactory, sqlite_url: str, shared: bool
) -> None:
    _, key = accounts.create_facilitator(sqlite_session_factory, "ada")
    for first, second in _clients(sqlite_session_factory, sqlite_url, shared=shared):
        created = first.post(
            f"{V1}/processes", json={"name": "City", "formats": ["a", "b"]}, headers=auth(key)
        )
        assert created.status_code == 201, created.text
        path = f"{V1}/observe/{created.json()['observer_key']}/agenda"
        codes = [client.get(path).status_code for client in [first, second] * BURST]
        if shared:  # one budget of BURST across both processes
            assert codes == [200] * BURST + [429] * BURST
        else:  # each process grants the whole budget again
            assert codes == [200] * (2 * BURST)


def _participant_on_two_apps(
    sf: SessionFactory, url: str, *, shared: bool, **settings: Any
) -> Iterator[tuple[TestClient, TestClient, int, str]]:
    """Two apps on one database, a conversation with one seed statement and a participant:
    yields (first app, second app, conversation, the participant's token)."""
    _, key = accounts.create_facilitator(sf, "ada")
    for first, second in _clients(sf, url, shared=shared, **settings):
        created = first.post(f"{V1}/conversations", json={"topic": "Parks"}, headers=auth(key))
        cid = int(created.json()["id"])
        seeded = first.post(
            f"{V1}/conversations/{cid}/statements", json={"text": "Trees"}, headers=auth(key)
        )
        assert seeded.status_code == 201, seeded.text
        join_key = join_key_of(sf, cid)
        joined = first.post(
            f"{V1}/conversations/{cid}/participants",
            params={} if join_key is None else {"key": join_key},
        )
        assert joined.status_code == 201, joined.text
        yield first, second, cid, str(joined.json()["token"])


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "per-process"])
def test_two_processes_share_a_participants_statement_budget(
    sqlite_session_factory: SessionFactory, sqlite_url: str, shared: bool
) -> None:
    apps = _participant_on_two_apps(
        sqlite_session_factory,
        sqlite_url,
        shared=shared,
        statement_burst=BURST,
        statement_rate=0.001,
    )
    for first, second, cid, token in apps:
        codes = [
            client.post(
                f"{V1}/conversations/{cid}/statements",
                json={"text": f"idea {n}"},
                headers=auth(token),
            ).status_code
            for n, client in enumerate([first, second] * BURST)
        ]
        if shared:
            assert codes == [201] * BURST + [429] * BURST
        else:
            assert codes == [201] * (2 * BURST)


def test_processes_split_a_participants_vote_budget(
    sqlite_session_factory: SessionFactory, sqlite_url: str
) -> None:
    """Votes are limited in each process's memory; each of N keeps 1/N of the budget."""
    apps = _participant_on_two_apps(
        sqlite_session_factory,
        sqlite_url,
        shared=True,
        web_processes=2,
        vote_burst=4,
        vote_rate=0.001,
    )
    for first, second, cid, token in apps:
        (statement,) = [s["id"] for s in first.get(f"{V1}/conversations/{cid}/statements").json()]
        body = {"statement_id": statement, "vote": 1}
        path = f"{V1}/conversations/{cid}/votes"
        codes = [c.post(path, json=body, headers=auth(token)).status_code for c in [first] * 3]
        assert codes == [200, 200, 429]  # this process's half of the burst of 4
        codes = [c.post(path, json=body, headers=auth(token)).status_code for c in [second] * 3]
        assert codes == [200, 200, 429]  # and the other's: 4 in all, however they spread


def test_each_process_keeps_its_share_of_the_vote_limit() -> None:
    one = Settings(vote_rate=10, vote_burst=60)
    assert one.vote_limit() == (10, 60)
    assert one.model_copy(update={"web_processes": 4}).vote_limit() == (2.5, 15)
    assert one.model_copy(update={"web_processes": 7}).vote_limit() == (10 / 7, 9)
    assert Settings(vote_burst=1, web_processes=3).vote_limit()[1] == 1  # never 0
