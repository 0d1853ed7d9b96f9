"""Participants: join a conversation, find one by token, their votes, progress and next statement.

A participant is known by a random token (stored as a hash). The next statement is drawn as
Polis draws it: a weighted random choice among the visible statements (``rules.visible``)
the participant has not voted on, weighted by the latest analysis's routing priorities.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation, Participant, Statement, Vote
from parley.db.queries import newest_analysis
from parley.db.tokens import hash_token, new_participant_token
from parley.errors import ConflictError

from .access import ensure_can_join
from .conversations import get_conversation
from .inputs import MAX_XID_LENGTH, clean_text
from .rules import visible
from .sessions import read_session
from .statements import StatementInfo

__all__ = [
    "NEW_STATEMENT_PRIORITY",
    "Progress",
    "join_by_link",
    "join_conversation",
    "next_statement",
    "participant_for_token",
    "participant_progress",
    "participant_vote",
    "participant_votes",
]

#: priority of a statement the analysis has not seen: Polis's formula with no votes at all,
#: ((1 - 1/2) * (0 + 1) * 1/2 * (1 + 8 * 2^0))^2 (parley.core.routing)
NEW_STATEMENT_PRIORITY = (0.5 * 1.0 * 0.5 * 9.0) ** 2


@dataclass(frozen=True)
class Progress:
    """How far a participant got: votes cast on the statements they can see, of how many."""

    n_voted: int
    n_total: int


def join_by_link(
    session_factory: SessionFactory,
    conversation_id: int,
    *,
    key: str | None,
    xid: str | None = None,
) -> tuple[int, str]:
    """Join as a visitor of the join link: a members-only conversation needs its ``key``.

    The API and the pages join through this; ``join_conversation`` is for trusted callers
    (imports, demos) that add members themselves.
    """
    with read_session(session_factory) as session:
        ensure_can_join(session, get_conversation(session, conversation_id), key)
    return join_conversation(session_factory, conversation_id, xid=xid)


def join_conversation(
    session_factory: SessionFactory, conversation_id: int, *, xid: str | None = None
) -> tuple[int, str]:
    """Add a participant; return (participant id, token). The token is shown only this once."""
    if xid is not None:
        xid = clean_text(xid, name="xid", max_length=MAX_XID_LENGTH)
    token, token_hash = new_participant_token()
    try:
        with session_factory.begin() as session:
            get_conversation(session, conversation_id)
            participant = Participant(
                conversation_id=conversation_id, token_hash=token_hash, xid=xid
            )
            session.add(participant)
            session.flush()
            return participant.id, token
    except IntegrityError:
        raise ConflictError(
            f"xid {xid!r} has joined conversation {conversation_id} already"
        ) from None


def participant_for_token(
    session_factory: SessionFactory, conversation_id: int, token: str
) -> int | None:
    """Return the id of the conversation's participant holding this token, or None."""
    if not token:
        return None
    with read_session(session_factory) as session:
        return session.scalar(
            select(Participant.id).where(
                Participant.token_hash == hash_token(token),
                Participant.conversation_id == conversation_id,
            )
        )


def participant_vote(
    session_factory: SessionFactory, participant_id: int, statement_id: int
) -> int | None:
    """Return a participant's current vote on a statement (-1, 0, 1), or None."""
    with read_session(session_factory) as session:
        return session.scalar(
            select(Vote.value).where(
                Vote.participant_id == participant_id, Vote.statement_id == statement_id
            )
        )


def participant_votes(session_factory: SessionFactory, participant_id: int) -> dict[int, int]:
    """Return a participant's current votes, statement id -> value, in one query."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Vote.statement_id, Vote.value).where(Vote.participant_id == participant_id)
        ).all()
    return {int(sid): int(value) for sid, value in rows}


def participant_progress(
    session_factory: SessionFactory, conversation_id: int, participant_id: int | None
) -> Progress:
    """Return how many visible statements the participant voted on, of how many.

    ``participant_id`` None: someone who has not joined yet (no votes).
    """
    with read_session(session_factory) as session:
        get_conversation(session, conversation_id)
        n_total = session.scalar(
            select(func.count())
            .select_from(Statement)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(Statement.conversation_id == conversation_id, visible())
        )
        n_voted = session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Statement, Statement.id == Vote.statement_id)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(Vote.participant_id == participant_id, visible())
        )
        return Progress(int(n_voted or 0), int(n_total or 0))


def next_statement(
    session_factory: SessionFactory, conversation_id: int, participant_id: int | None
) -> StatementInfo | None:
    """Draw the next statement to show, by priority (Polis routing); None when all are voted.

    The draw is seeded by (conversation, participant, number of votes so far): the same
    participant in the same state always gets the same statement, which keeps tests stable
    and makes a reload show the same statement. ``participant_id`` None: a visitor who has
    not joined yet (they join with their first vote).
    """
    with read_session(session_factory) as session:
        get_conversation(session, conversation_id)
        voted = select(Vote.statement_id).where(Vote.participant_id == participant_id)
        candidates = session.scalars(
            select(Statement)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(
                Statement.conversation_id == conversation_id,
                visible(),
                Statement.id.not_in(voted),
            )
            .order_by(Statement.id)
        ).all()
        if not candidates:
            return None
        newest = newest_analysis(session, conversation_id, AnalysisResult.priorities)
        priorities = newest[0] if newest is not None else None
        n_voted = session.scalar(
            select(func.count()).select_from(Vote).where(Vote.participant_id == participant_id)
        )
        weights = _weights([s.id for s in candidates], priorities or {})
        rng = np.random.default_rng([conversation_id, participant_id or 0, int(n_voted or 0)])
        choice = int(rng.choice(len(candidates), p=weights / weights.sum()))
        return StatementInfo.of(candidates[choice])


def _weights(statement_ids: list[int], priorities: dict[str, Any]) -> NDArray[np.float64]:
    """Priorities of the candidates; unseen (or unusable) ones get NEW_STATEMENT_PRIORITY."""
    weights = np.array(
        [priorities.get(str(sid), NEW_STATEMENT_PRIORITY) for sid in statement_ids],
        dtype=np.float64,
    )
    weights[~np.isfinite(weights) | (weights < 0)] = NEW_STATEMENT_PRIORITY
    if weights.sum() <= 0:
        weights[:] = 1.0
    return weights
