"""Record votes: many in one transaction (group commit), each checked, idempotent by key.

``record_votes`` writes a batch of votes in one transaction: every vote becomes a row in
``vote_events`` and replaces the current vote in ``votes`` (the last one wins), and each
conversation touched gets a new ``votes_version`` for the analysis worker. A vote that
cannot be recorded (an unknown statement, a rejected one) gets its own error and does not
hold up the others. A vote whose (participant, idempotency key) was seen before is not
recorded twice. When ``record_votes`` returns, the batch is committed: durable on SQLite
with ``synchronous=FULL``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement, Vote, VoteEvent
from parley.db.storable import check_id, check_text
from parley.db.types import utc_now
from parley.errors import ConflictError, InputError, NotFoundError, ParleyError, UnavailableError

from .rules import ModerationState, check_open, is_visible

__all__ = [
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "VoteOutcome",
    "VoteRequest",
    "cast_vote",
    "record_votes",
]

logger = logging.getLogger(__name__)

MAX_IDEMPOTENCY_KEY_LENGTH = 64
VOTE_VALUES = (-1, 0, 1)


@dataclass(frozen=True)
class VoteRequest:
    """One vote to record; ``conversation_id``, when given, must be the statement's."""

    participant_id: int
    statement_id: int
    value: int
    idempotency_key: str | None = None
    conversation_id: int | None = None

    def __post_init__(self) -> None:
        if self.value not in VOTE_VALUES:
            raise InputError(f"vote={self.value!r} should be -1 (disagree), 0 (pass) or 1 (agree)")
        check_id(self.statement_id, name="statement_id")
        check_id(self.participant_id, name="participant_id")
        if self.conversation_id is not None:
            check_id(self.conversation_id, name="conversation_id")
        key = self.idempotency_key
        if key is not None:
            check_text(key, name="idempotency_key")
        if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
            raise InputError(
                f"idempotency_key has {len(key)} characters; it should have 1 to "
                f"{MAX_IDEMPOTENCY_KEY_LENGTH}"
            )


@dataclass(frozen=True)
class VoteOutcome:
    """What became of one vote: recorded, a repeat of a recorded one, or an error."""

    is_recorded: bool = False
    error: ParleyError | None = None

    @property
    def is_repeat(self) -> bool:
        """Return True when the idempotency key was seen before (nothing new recorded)."""
        return self.error is None and not self.is_recorded


def cast_vote(
    session_factory: SessionFactory,
    participant_id: int,
    statement_id: int,
    value: int,
    *,
    idempotency_key: str | None = None,
) -> bool:
    """Record one vote in its own transaction; return False when its key was seen before.

    Returns only once the vote is committed. The web app sends votes through its group-commit
    writer instead, which calls ``record_votes`` with many at once.
    """
    request = VoteRequest(participant_id, statement_id, value, idempotency_key)
    (outcome,) = record_votes(session_factory, [request])
    if outcome.error is not None:
        raise outcome.error
    return outcome.is_recorded


def record_votes(
    session_factory: SessionFactory, requests: Sequence[VoteRequest]
) -> list[VoteOutcome]:
    """Record a batch of votes in one transaction; return one outcome per request, in order."""
    if not requests:
        return []
    try:
        with session_factory.begin() as session:
            return _record(session, requests)
    except IntegrityError:
        if len(requests) == 1:
            return [_after_integrity_error(session_factory, requests[0])]
        # a race with another process (PostgreSQL): find the culprit one vote at a time
        logger.warning("a batch of %d votes failed; recording them one by one", len(requests))
        return [record_votes(session_factory, [request])[0] for request in requests]
    except OperationalError as error:
        logger.error("recording %d votes failed: %s", len(requests), error)
        raise UnavailableError("the database is busy; try the vote again") from None


def _after_integrity_error(session_factory: SessionFactory, request: VoteRequest) -> VoteOutcome:
    """A single vote broke a constraint: a concurrent repeat of its key, or a bad reference."""
    if request.idempotency_key is not None:
        with session_factory.begin() as session:
            seen = _seen_keys(session, [request])
        if seen:
            return VoteOutcome(is_recorded=False)
    return VoteOutcome(
        error=ConflictError(
            f"the vote of participant {request.participant_id} on statement "
            f"{request.statement_id} could not be recorded"
        )
    )


def _seen_keys(session: Session, requests: Sequence[VoteRequest]) -> set[tuple[int, str]]:
    keyed = [r for r in requests if r.idempotency_key is not None]
    if not keyed:
        return set()
    rows = session.execute(
        select(VoteEvent.participant_id, VoteEvent.idempotency_key).where(
            VoteEvent.participant_id.in_({r.participant_id for r in keyed}),
            VoteEvent.idempotency_key.in_({r.idempotency_key for r in keyed}),
        )
    ).all()
    return {(int(p), str(k)) for p, k in rows}


def _check(
    request: VoteRequest,
    statements: dict[int, tuple[int, int, str, Any]],
    participants: dict[int, int],
) -> ParleyError | None:
    """Return why the vote cannot be recorded, or None."""
    found = statements.get(request.statement_id)
    if found is None or (
        request.conversation_id is not None and found[0] != request.conversation_id
    ):
        where = f" in conversation {request.conversation_id}" if request.conversation_id else ""
        return NotFoundError(f"statement {request.statement_id} does not exist{where}")
    conversation_id, state, mode, closed_at = found
    try:
        check_open(conversation_id, closed_at)
    except ConflictError as closed:
        return closed
    if participants.get(request.participant_id) != conversation_id:
        return NotFoundError(
            f"participant {request.participant_id} is not in conversation {conversation_id}"
        )
    if not is_visible(state, mode):
        why = (
            "was rejected by moderation"
            if state == ModerationState.REJECTED
            else "awaits moderation"
        )
        return ConflictError(f"statement {request.statement_id} {why}; it takes no votes")
    return None


def _record(session: Session, requests: Sequence[VoteRequest]) -> list[VoteOutcome]:
    statement_rows = session.execute(
        select(
            Statement.id,
            Statement.conversation_id,
            Statement.moderation_state,
            Conversation.moderation_mode,
            Conversation.closed_at,
        )
        .join(Conversation, Conversation.id == Statement.conversation_id)
        .where(Statement.id.in_({r.statement_id for r in requests}))
    ).all()
    statements = {int(r[0]): (int(r[1]), int(r[2]), str(r[3]), r[4]) for r in statement_rows}
    participant_rows = session.execute(
        select(Participant.id, Participant.conversation_id).where(
            Participant.id.in_({r.participant_id for r in requests})
        )
    ).all()
    participants = {int(r[0]): int(r[1]) for r in participant_rows}
    seen = _seen_keys(session, requests)
    outcomes: list[VoteOutcome] = []
    events: list[dict[str, Any]] = []
    now = utc_now()
    for request in requests:
        error = _check(request, statements, participants)
        key = request.idempotency_key
        if error is not None:
            outcomes.append(VoteOutcome(error=error))
        elif key is not None and (request.participant_id, key) in seen:
            outcomes.append(VoteOutcome(is_recorded=False))
        else:
            if key is not None:
                seen.add((request.participant_id, key))  # a repeat within the batch
            outcomes.append(VoteOutcome(is_recorded=True))
            events.append(
                {
                    "conversation_id": statements[request.statement_id][0],
                    "participant_id": request.participant_id,
                    "statement_id": request.statement_id,
                    "value": request.value,
                    "created_at": now,
                    "idempotency_key": key,
                }
            )
    if events:
        _write(session, events, now)
    return outcomes


def _write(session: Session, events: list[dict[str, Any]], now: Any) -> None:
    connection = session.connection()
    # The version bump comes first: it locks each conversation's row (in id order, so two
    # batches cannot deadlock) before any event gets its id, so that one conversation's event
    # ids grow in commit order and a reader of "events after id N" never misses one that
    # commits later with a smaller id (``vote_cache``).
    for conversation_id in sorted({e["conversation_id"] for e in events}):
        connection.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(votes_version=Conversation.votes_version + 1)
        )
    connection.execute(insert(VoteEvent), events)
    current: dict[tuple[int, int], dict[str, Any]] = {}
    for event in events:  # the last vote per pair wins
        current[(event["participant_id"], event["statement_id"])] = {
            "participant_id": event["participant_id"],
            "statement_id": event["statement_id"],
            "conversation_id": event["conversation_id"],
            "value": event["value"],
            "updated_at": now,
        }
    upsert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = upsert(Vote)
    statement = statement.on_conflict_do_update(
        index_elements=["participant_id", "statement_id"],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    connection.execute(statement, list(current.values()))
