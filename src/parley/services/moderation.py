"""Moderation: the queue of statements by state, and accepting or rejecting them in bulk.

Every change of state is logged in ``moderation_log`` (who, when, from what, to what, why)
and bumps the conversation's ``moderation_version``, so that the analysis worker recomputes
it from scratch (a rejected statement's column is zeroed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ModerationLog, Statement
from parley.db.types import utc_now
from parley.errors import InputError, NotFoundError

from .rules import ModerationState, moderation_state
from .sessions import read_session
from .statements import StatementInfo

__all__ = ["MAX_BATCH", "moderate", "moderation_counts", "moderation_queue"]
MAX_BATCH = 1_000
MAX_PAGE = 500


def moderation_queue(
    session_factory: SessionFactory,
    conversation_id: int,
    *,
    state: int | None = 0,
    offset: int = 0,
    limit: int = 50,
) -> list[StatementInfo]:
    """Return a page of the conversation's statements in a moderation state (None: all)."""
    if state is not None:
        state = moderation_state(state)
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InputError(f"offset={offset} should be >= 0 and limit={limit} in 1..{MAX_PAGE}")
    with read_session(session_factory) as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        query = select(Statement).where(Statement.conversation_id == conversation_id)
        if state is not None:
            query = query.where(Statement.moderation_state == state)
        rows = session.scalars(query.order_by(Statement.id).offset(offset).limit(limit)).all()
        return [StatementInfo.of(row) for row in rows]


def moderation_counts(session_factory: SessionFactory, conversation_id: int) -> dict[int, int]:
    """Return the number of statements per moderation state (-1, 0, 1)."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Statement.moderation_state, func.count())
            .where(Statement.conversation_id == conversation_id)
            .group_by(Statement.moderation_state)
        ).all()
    counts = {int(s): 0 for s in ModerationState}
    counts.update({int(state): int(n) for state, n in rows})
    return counts


def set_state(
    session: Session,
    statement: Statement,
    to_state: int,
    *,
    actor: str | None,
    at: datetime,
    reason: str | None,
) -> None:
    """Move one statement (in an open transaction) to ``to_state``, with its log entry."""
    session.add(
        ModerationLog(
            statement_id=statement.id,
            from_state=statement.moderation_state,
            to_state=int(to_state),
            actor=actor,
            at=at,
            reason=reason,
        )
    )
    statement.moderation_state = int(to_state)
    statement.moderated_by = actor
    statement.moderated_at = at


def moderate(
    session_factory: SessionFactory,
    statement_ids: Iterable[int],
    to_state: int,
    *,
    actor: str | None,
    reason: str | None = None,
    conversation_id: int | None = None,
) -> int:
    """Move statements to a moderation state; return how many changed.

    With ``conversation_id`` every statement must belong to that conversation (else
    NotFoundError and nothing changes). Statements already in ``to_state`` are left alone.
    """
    to_state = int(moderation_state(to_state, name="to_state"))
    ids = sorted(set(statement_ids))
    if len(ids) > MAX_BATCH:
        raise InputError(f"{len(ids)} statements at once; at most {MAX_BATCH}")
    if not ids:
        return 0
    now = utc_now()
    with session_factory.begin() as session:
        rows = session.execute(
            select(Statement.id, Statement.conversation_id, Statement.moderation_state).where(
                Statement.id.in_(ids)
            )
        ).all()
        found = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
        missing = [
            sid
            for sid in ids
            if sid not in found
            or (conversation_id is not None and found[sid][0] != conversation_id)
        ]
        if missing:
            where = f" in conversation {conversation_id}" if conversation_id is not None else ""
            raise NotFoundError(f"statement(s) {missing[:10]} do not exist{where}")
        changing = [sid for sid in ids if found[sid][1] != to_state]
        if not changing:
            return 0
        session.execute(
            update(Statement)
            .where(Statement.id.in_(changing))
            .values(moderation_state=to_state, moderated_by=actor, moderated_at=now)
        )
        session.add_all(
            ModerationLog(
                statement_id=sid,
                from_state=found[sid][1],
                to_state=to_state,
                actor=actor,
                at=now,
                reason=reason,
            )
            for sid in changing
        )
        for cid in sorted({found[sid][0] for sid in changing}):
            session.execute(
                update(Conversation)
                .where(Conversation.id == cid)
                .values(moderation_version=Conversation.moderation_version + 1)
            )
        return len(changing)
