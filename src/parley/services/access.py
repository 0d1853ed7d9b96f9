"""Who may read a conversation: ``rules.may_read`` applied to a stored conversation.

The API's dependencies, the pages and the Polis API ask ``ensure_can_read``; a caller who
may not read a members-only conversation gets the same 404 as for one that does not exist,
so counting up ids reveals nothing. A members-only conversation is joined by its join link,
which carries its unguessable ``join_key``.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation
from parley.errors import ForbiddenError, NotFoundError

from .rules import Reader, Visibility, may_read
from .rules import visibility as rules_visibility
from .sessions import read_session

__all__ = [
    "change_visibility",
    "ensure_can_join",
    "ensure_can_read",
    "holds_join_key",
    "join_key_of",
    "join_path",
    "new_join_key",
    "set_visibility",
]

_KEY_BYTES = 24  # 192 bits


def new_join_key() -> str:
    """Return a fresh random join key (URL-safe)."""
    return secrets.token_urlsafe(_KEY_BYTES)


def holds_join_key(stored: str | None, given: str | None) -> bool:
    """Return True when ``given`` is the conversation's join key (compared in constant time)."""
    return bool(stored and given) and secrets.compare_digest(
        str(stored).encode(), str(given).encode()
    )


def _row(session: Session, conversation_id: int) -> tuple[str, int | None, str | None]:
    row = session.execute(
        select(Conversation.visibility, Conversation.facilitator_id, Conversation.join_key).where(
            Conversation.id == conversation_id
        )
    ).first()
    if row is None:
        raise NotFoundError(f"conversation {conversation_id} does not exist")
    return str(row[0]), row[1], row[2]


def check_can_read(
    session: Session, conversation_id: int, reader: Reader, *, key: str | None = None
) -> None:
    """Raise NotFoundError unless ``reader`` (or the holder of ``key``) may read it."""
    visibility, owner, join_key = _row(session, conversation_id)
    if holds_join_key(join_key, key):
        reader = Reader(reader.facilitator_id, reader.is_member, holds_join_key=True)
    if not may_read(visibility, owner, reader):
        raise NotFoundError(f"conversation {conversation_id} does not exist")


def ensure_can_read(
    session_factory: SessionFactory,
    conversation_id: int,
    reader: Reader,
    *,
    key: str | None = None,
) -> None:
    """Raise NotFoundError unless ``reader`` may read the conversation (``rules.may_read``)."""
    with read_session(session_factory) as session:
        check_can_read(session, conversation_id, reader, key=key)


def ensure_can_join(session: Session, conversation: Conversation, key: str | None) -> None:
    """Raise unless the conversation is public or ``key`` is its join key."""
    if conversation.visibility != Visibility.MEMBERS:
        return
    if not holds_join_key(conversation.join_key, key):
        raise ForbiddenError(
            f"conversation {conversation.id} is for its members only: join by its join link "
            "(which carries the key)"
        )


def join_path(conversation_id: int, join_key: str | None) -> str:
    """Return the path of a conversation's join link (its key in it when it has one)."""
    return f"/c/{conversation_id}" + (f"?key={join_key}" if join_key else "")


def join_key_of(session_factory: SessionFactory, conversation_id: int) -> str | None:
    """Return the conversation's join key (for its facilitator's join link), or None."""
    with read_session(session_factory) as session:
        return _row(session, conversation_id)[2]


def change_visibility(
    session_factory: SessionFactory, conversation_id: int, visibility: str
) -> None:
    """Make a stored conversation public or members-only (an import stays public unless told)."""
    chosen = rules_visibility(visibility)
    with session_factory.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        set_visibility(session, conversation, chosen)


def set_visibility(session: Session, conversation: Conversation, visibility: Visibility) -> None:
    """Make a conversation public or members-only; a members-only one gets a join key."""
    conversation.visibility = visibility.value
    if visibility == Visibility.MEMBERS and conversation.join_key is None:
        conversation.join_key = new_join_key()
