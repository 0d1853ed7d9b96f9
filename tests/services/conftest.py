"""Database fixtures: every test that takes ``database_url`` runs on SQLite and on PostgreSQL.

SQLite (a fresh file per test) always runs. The PostgreSQL run gets an empty database of its
own from the ``postgres_url`` fixture (tests/conftest.py: a throwaway server, or the scratch
database named by ``PARLEY_TEST_POSTGRES_URL``) and skips cleanly when PostgreSQL or psycopg is
missing; select or leave it out with ``-m postgres`` / ``-m "not postgres"``. Kept in step with
tests/db/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory

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
