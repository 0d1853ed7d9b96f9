"""Browser sessions kept on the server: created, read, renewed and ended (revocable).

The browser's cookie carries only a random 256-bit session id; the database keeps its sha256
hash (``web_sessions.id_hash``), the logged-in facilitator and the session's data (the CSRF
token, the conversations joined). Ending a session deletes its row, so a copied cookie stops
working at once: at logout, when the facilitator's password changes, and by
``parley admin logout``. A session expires after a period without requests (sliding: each
request pushes the expiry out), and a login also after a fixed lifetime however busy.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from parley.db.engine import SessionFactory
from parley.db.models import Facilitator, WebSession
from parley.db.tokens import hash_token
from parley.db.types import utc_now
from parley.errors import NotFoundError

from .sessions import read_session

__all__ = [
    "SessionLifetimes",
    "StoredSession",
    "create_web_session",
    "end_facilitator_sessions",
    "end_web_session",
    "load_web_session",
    "new_session_id",
    "purge_expired_sessions",
    "save_web_session",
]

_ID_BYTES = 32
MAX_ID_LENGTH = 64  # a token_urlsafe(32) has 43 characters; anything longer is not ours


@dataclass(frozen=True)
class SessionLifetimes:
    """How long sessions last: idle limits (sliding) and a login's absolute limit."""

    login_idle: timedelta
    login_max: timedelta
    visitor_idle: timedelta

    def expiry(
        self, *, now: datetime, created_at: datetime, is_login: bool, is_member: bool = True
    ) -> datetime:
        """Return when a session seen at ``now`` expires.

        A login lasts ``login_idle`` past its last request, capped at ``login_max`` after it
        began; a browser that joined conversations (``is_member``) lasts ``visitor_idle``;
        one holding nothing but a CSRF token (a visitor who only looked) ``login_idle``.
        """
        if is_login:
            return min(now + self.login_idle, created_at + self.login_max)
        return now + (self.visitor_idle if is_member else self.login_idle)


@dataclass(frozen=True)
class StoredSession:
    """A live session as stored: its data, facilitator, creation and expiry times."""

    data: dict[str, Any]
    facilitator_id: int | None
    created_at: datetime
    expires_at: datetime


def new_session_id() -> str:
    """Return a fresh random session id (for the cookie; never stored as such)."""
    return secrets.token_urlsafe(_ID_BYTES)


def _key(session_id: str) -> str:
    return hash_token(session_id)


def _facilitator_of(data: dict[str, Any]) -> int | None:
    value = data.get("facilitator_id")
    return value if isinstance(value, int) else None


def load_web_session(
    session_factory: SessionFactory, session_id: str, *, now: datetime | None = None
) -> StoredSession | None:
    """Return the session with this id, or None when it is unknown, ended or expired."""
    if not session_id or len(session_id) > MAX_ID_LENGTH:
        return None
    with read_session(session_factory) as session:
        row = session.get(WebSession, _key(session_id))
        if row is None or row.expires_at <= (now or utc_now()):
            return None
        return StoredSession(dict(row.data), row.facilitator_id, row.created_at, row.expires_at)


def create_web_session(
    session_factory: SessionFactory,
    data: dict[str, Any],
    *,
    lifetimes: SessionLifetimes,
    now: datetime | None = None,
) -> tuple[str, datetime]:
    """Store a new session holding ``data``; return (its id for the cookie, its expiry)."""
    now = now or utc_now()
    facilitator_id = _facilitator_of(data)
    expires_at = lifetimes.expiry(
        now=now,
        created_at=now,
        is_login=facilitator_id is not None,
        is_member=bool(data.get("participants")),
    )
    session_id = new_session_id()
    with session_factory.begin() as session:
        session.add(
            WebSession(
                id_hash=_key(session_id),
                facilitator_id=facilitator_id,
                data=data,
                created_at=now,
                expires_at=expires_at,
            )
        )
    return session_id, expires_at


def save_web_session(
    session_factory: SessionFactory,
    session_id: str,
    data: dict[str, Any] | None,
    *,
    expires_at: datetime,
) -> bool:
    """Store a session's new data (None: only renew) and expiry; False when it has ended.

    A renewal leaves the data alone, so that it cannot undo what a concurrent request of
    the same browser stored (joining a conversation, say).
    """
    values: dict[str, Any] = {"expires_at": expires_at}
    if data is not None:
        values.update(data=data, facilitator_id=_facilitator_of(data))
    with session_factory.begin() as session:
        changed = session.execute(
            update(WebSession).where(WebSession.id_hash == _key(session_id)).values(**values)
        ).rowcount  # type: ignore[attr-defined]
    return bool(changed)


def end_web_session(session_factory: SessionFactory, session_id: str) -> None:
    """End one session (logout): its cookie stops working at once."""
    with session_factory.begin() as session:
        session.execute(delete(WebSession).where(WebSession.id_hash == _key(session_id)))


def end_facilitator_sessions(
    session_factory: SessionFactory, *, facilitator_id: int | None = None, name: str | None = None
) -> int:
    """End every session a facilitator is logged in with (by id or name); return how many."""
    with session_factory.begin() as session:
        if facilitator_id is None:
            facilitator_id = session.scalar(
                select(Facilitator.id).where(Facilitator.name == (name or "").strip())
            )
            if facilitator_id is None:
                raise NotFoundError(f"no facilitator named {name!r}")
        n_ended = session.execute(
            delete(WebSession).where(WebSession.facilitator_id == facilitator_id)
        ).rowcount  # type: ignore[attr-defined]
    return int(n_ended)


def purge_expired_sessions(session_factory: SessionFactory, *, now: datetime | None = None) -> int:
    """Delete the rows of expired sessions; return how many."""
    with session_factory.begin() as session:
        n_deleted = session.execute(
            delete(WebSession).where(WebSession.expires_at <= (now or utc_now()))
        ).rowcount  # type: ignore[attr-defined]
    return int(n_deleted)
