"""Open a database for a long-running process: engine, migration, session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory

__all__ = ["Database", "open_database"]


@dataclass(frozen=True, eq=False)
class Database:
    """An engine and its (write) session factory; ``close()`` when done."""

    engine: Engine
    session_factory: SessionFactory

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Create an engine for ``url``, create or migrate the schema, return both with a factory."""
    engine = create_engine_for(url)
    try:
        upgrade_database(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, create_session_factory(engine))
