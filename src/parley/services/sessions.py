"""Transactions for the services: any session factory can serve a read without the write lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from parley.db.engine import BEGIN_OPTION, SessionFactory

__all__ = ["read_session"]


@contextmanager
def read_session(session_factory: SessionFactory) -> Iterator[Session]:
    """Yield a session whose transaction only reads: a deferred BEGIN, rolled back at the end.

    A "write" factory's sessions start with ``BEGIN IMMEDIATE`` on SQLite, which takes the
    write lock; reads must not queue behind (or hold up) the vote writer, so they ask for a
    deferred transaction on their connection. PostgreSQL ignores the option.
    """
    with session_factory() as session:
        session.connection(execution_options={BEGIN_OPTION: "DEFERRED"})
        yield session
