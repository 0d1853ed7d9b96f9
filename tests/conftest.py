"""Fixtures shared by the whole suite: a throwaway PostgreSQL server and a clean database per test.

``postgres_server`` starts one PostgreSQL server for the session (see
tests/support/throwaway_postgres.py) or uses the scratch database named by
``PARLEY_TEST_POSTGRES_URL``; ``postgres_url`` gives each test an empty database on it. Both
skip the test cleanly when PostgreSQL or psycopg is missing, so mark such tests ``postgres``
(select or leave them out with ``-m postgres`` / ``-m "not postgres"``).

Tests marked ``browser`` run last: Playwright's sync API keeps an asyncio event loop running
in the main thread while its browser is open, and ``asyncio.run`` in any later test would fail.

tests/support/ is put on ``sys.path`` here, so tests and benchmarks import its helper modules
by their names (pytest runs with ``--import-mode=importlib``, which adds no test folder).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory

SUPPORT = Path(__file__).resolve().parent / "support"
if str(SUPPORT) not in sys.path:
    sys.path.insert(0, str(SUPPORT))

from throwaway_postgres import (  # noqa: E402  (found through the path set just above)
    ThrowawayPostgres,
    postgres_unavailable_reason,
    throwaway_postgres,
)

POSTGRES_URL_VARIABLE = "PARLEY_TEST_POSTGRES_URL"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests after all others, keeping the order within each part."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@dataclass
class PostgresServer:
    """Where tests get PostgreSQL databases: a throwaway server, or a given scratch database."""

    url: str
    server: ThrowawayPostgres | None = None

    def fresh_database(self) -> tuple[str, str | None]:
        """Return the URL of an empty database, and the name to drop afterwards (if any)."""
        if self.server is not None:
            url = self.server.create_database()
            return url, url.rsplit("/", 1)[1]
        from parley.db import create_engine_for

        engine = create_engine_for(self.url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
        return self.url, None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL for the session (or use PARLEY_TEST_POSTGRES_URL)."""
    given = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if given:
        if importlib.util.find_spec("psycopg") is None:
            pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
        yield PostgresServer(given)
        return
    reason = postgres_unavailable_reason()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests need a server: {reason}")
    with throwaway_postgres() as server:
        yield PostgresServer(server.url, server)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """Return the SQLAlchemy URL of an empty PostgreSQL database for this test alone."""
    url, name = postgres_server.fresh_database()
    yield url
    if name is not None and postgres_server.server is not None:
        postgres_server.server.drop_database(name)


# Database fixtures: every test that takes ``database_url`` runs on SQLite and on PostgreSQL
# (the PostgreSQL run skips cleanly when the server or psycopg is missing).
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database on one backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parley.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the empty database, disposed of after the test."""
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    """The engine, with the schema migrated to the newest revision."""
    upgrade_database(engine)
    return engine


@pytest.fixture
def session_factory(migrated: Engine) -> SessionFactory:
    """A write session factory on the migrated database."""
    return create_session_factory(migrated)
