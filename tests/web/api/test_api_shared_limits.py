"""Rate limits shared by web processes: two apps on one database spend one budget."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.services import accounts
from parley.web.app import create_app

from .conftest import V1, auth

BURST = 3


def _clients(
    session_factory: SessionFactory, url: str, *, shared: bool
) -> Iterator[list[TestClient]]:
    settings = Settings(
        database_url=url,
        secret_key="test-secret",
        observer_burst=BURST,
        observer_rate=0.001,
        shared_limits=shared,
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
