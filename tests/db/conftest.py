"""Database fixtures: every test that takes ``database_url`` runs on each configured backend.

SQLite (a fresh file per test) always runs. PostgreSQL runs too when
``PARLEY_TEST_POSTGRES_URL`` names a scratch database (its public schema is wiped before each
test); select or skip those with ``-m postgres`` / ``-m "not postgres"``. Kept in step with
tests/services/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory

POSTGRES_URL = os.environ.get("PARLEY_TEST_POSTGRES_URL")
BACKENDS = [pytest.param("sqlite", id="sqlite")]
if POSTGRES_URL:
    BACKENDS.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty database on one backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'parley.db'}"
    assert POSTGRES_URL is not None
    engine = create_engine_for(POSTGRES_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return POSTGRES_URL


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
