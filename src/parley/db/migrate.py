"""Run the Alembic migrations in src/parley/db/migrations from code (no alembic.ini).

To write a new revision after changing the models::

    from alembic import command
    from parley.db import create_engine_for
    from parley.db.migrate import alembic_config, upgrade_database

    engine = create_engine_for("sqlite:///scratch.db")
    upgrade_database(engine)
    with engine.begin() as connection:
        command.revision(alembic_config(connection), "add x", autogenerate=True)

then read and tidy the generated file in ``migrations/versions``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from parley.errors import InputError, StateError

from .engine import BEGIN_OPTION, display_url

__all__ = ["MIGRATIONS", "alembic_config", "database_revision", "head_revision", "upgrade_database"]

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x7061726C6579  # "parley": one migrating process at a time


def alembic_config(connection: Connection | None = None) -> Config:
    """Build the Alembic Config in code; env.py runs on ``connection`` when one is given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest revision this version of parley knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships a revision
        raise RuntimeError(f"no Alembic revision found in {MIGRATIONS}")
    return head


def database_revision(engine: Engine) -> str | None:
    """Return the schema revision of the database, or None when it was never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise _cannot_open(engine, error) from None


def upgrade_database(engine: Engine, *, revision: str = "head") -> None:
    """Create or migrate the database schema to ``revision`` (default: the newest)."""
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _upgrade_sqlite(connection, revision)
            else:
                with connection.begin():
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(
                            f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"
                        )
                    _upgrade(connection, revision)
    except OperationalError as error:
        raise _cannot_open(engine, error) from None
    except CommandError as error:
        raise StateError(
            f"database {display_url(engine.url)} cannot be migrated to {revision!r} ({error}); "
            f"this parley knows the schema revisions up to {head_revision()!r}, so the "
            "database may come from a newer parley"
        ) from None


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _upgrade_sqlite(connection: Connection, revision: str) -> None:
    # SQLite's recipe for schema changes (sqlite.org/lang_altertable.html): turn foreign keys
    # off outside the transaction, so that a table rebuilt by a batch migration does not
    # cascade deletes into its children, then check the keys before committing.
    connection.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})  # take the write lock first
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        with connection.begin():
            _upgrade(connection, revision)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StateError(
                    f"migrating to {revision!r} would break {len(broken)} foreign key(s), "
                    f"first {tuple(broken[0])}; nothing was changed"
                )
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _cannot_open(engine: Engine, error: OperationalError) -> InputError:
    return InputError(f"cannot open database {display_url(engine.url)}: {error.orig}")
