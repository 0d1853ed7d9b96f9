"""Fixtures for the JSON API tests: an app on each database backend, and people in it.

``database_url`` gives SQLite (always) and PostgreSQL (marked ``postgres``; an empty database
from the ``postgres_url`` fixture of tests/conftest.py, skipped cleanly without a server).
``api`` serves ``create_app`` through Starlette's TestClient with the lifespan running (the
vote writer; the analysis worker only for ``api_with_worker``). ``Api`` wraps the client with
the few calls every test needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from parley.config import Settings
from parley.core.pipeline import Params
from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory
from parley.services import accounts
from parley.services.access import join_key_of
from parley.services.refresh import refresh_everything

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
PASSWORD = "correct horse battery"
V1 = "/api/v1"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database on one backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parley.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _migrated(url: str) -> Iterator[SessionFactory]:
    engine = create_engine_for(url)
    upgrade_database(engine)
    yield create_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session_factory(database_url: str) -> Iterator[SessionFactory]:
    """A session factory on the migrated database (each backend)."""
    yield from _migrated(database_url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of an empty SQLite file, for tests of the HTTP layer (one backend is enough)."""
    return f"sqlite:///{tmp_path / 'parley.db'}"


@pytest.fixture
def sqlite_session_factory(sqlite_url: str) -> Iterator[SessionFactory]:
    """A session factory on a migrated SQLite file."""
    yield from _migrated(sqlite_url)


def auth(token: str) -> dict[str, str]:
    """Return the Authorization header for an API key or a participant token."""
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    """A TestClient on the app, the session factory beneath it, and a facilitator's key."""

    client: TestClient
    session_factory: SessionFactory
    facilitator_id: int
    key: str

    auth = staticmethod(auth)

    def catch_up(self) -> int:
        """Run the analysis worker's pending jobs now (analyses, joint agendas)."""
        return refresh_everything(self.session_factory)

    def create_conversation(self, **body: Any) -> int:
        """Create a conversation as the facilitator; return its id."""
        response = self.client.post(
            f"{V1}/conversations", json={"topic": "Parks", **body}, headers=auth(self.key)
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def seed(self, conversation_id: int, text: str) -> int:
        """Add a seed statement as the facilitator; return its id."""
        response = self.client.post(
            f"{V1}/conversations/{conversation_id}/statements",
            json={"text": text},
            headers=auth(self.key),
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def join(self, conversation_id: int) -> tuple[int, str]:
        """Join as a new participant by the join link (its key); return (id, token)."""
        key = join_key_of(self.session_factory, conversation_id)
        response = self.client.post(
            f"{V1}/conversations/{conversation_id}/participants",
            params={} if key is None else {"key": key},
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"]), str(response.json()["token"])

    def vote(
        self, conversation_id: int, token: str, statement_id: int, vote: int, **extra: Any
    ) -> Response:
        """Vote as the participant holding ``token``."""
        return self.client.post(
            f"{V1}/conversations/{conversation_id}/votes",
            json={"statement_id": statement_id, "vote": vote, **extra},
            headers=auth(token),
        )


AppFactory = Callable[..., Iterator[Api]]


def _serve(
    session_factory: SessionFactory, database_url: str, *, run_worker: bool, **settings: Any
) -> Iterator[Api]:
    from parley.web import create_app

    facilitator_id, key = accounts.create_facilitator(session_factory, "ada")
    options = {"secret_key": "test-secret", "analysis_interval": 0.05, **settings}
    app = create_app(
        Settings(database_url=database_url, **options),
        session_factory=session_factory,
        run_worker=run_worker,
        params=Params(),
    )
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Api(client, session_factory, facilitator_id, key)


@pytest.fixture
def api(session_factory: SessionFactory, database_url: str) -> Iterator[Api]:
    """The app on each backend, without the analysis worker, with a facilitator 'ada'."""
    yield from _serve(session_factory, database_url, run_worker=False)


@pytest.fixture
def api_with_worker(session_factory: SessionFactory, database_url: str) -> Iterator[Api]:
    """The app on each backend with the analysis worker polling every 0.05 s."""
    yield from _serve(session_factory, database_url, run_worker=True)


@pytest.fixture
def sqlite_api(sqlite_session_factory: SessionFactory, sqlite_url: str) -> Iterator[Api]:
    """The app on SQLite only, for what does not depend on the database."""
    yield from _serve(sqlite_session_factory, sqlite_url, run_worker=False)


@pytest.fixture
def make_api(
    sqlite_session_factory: SessionFactory, sqlite_url: str
) -> Iterator[Callable[..., Api]]:
    """Build the app (SQLite) with other settings: ``make_api(vote_rate=1)``."""
    opened: list[Iterator[Api]] = []

    def make(*, run_worker: bool = False, **settings: Any) -> Api:
        served = _serve(sqlite_session_factory, sqlite_url, run_worker=run_worker, **settings)
        opened.append(served)
        return next(served)

    yield make
    for served in opened:
        for _ in served:  # run the rest of the generator: leaves the TestClient
            pass


@pytest.fixture
def other_key(sqlite_session_factory: SessionFactory) -> str:
    """The API key of a second facilitator, 'bob' (with ``sqlite_api``)."""
    return accounts.create_facilitator(sqlite_session_factory, "bob")[1]
