"""Merging: a duplicate statement joins another's joint statement, format by format.

Where a format already holds the kept statement, the two merge there: their votes join (the
later vote per person wins, the event log follows) and the duplicate is rejected with a
note. Elsewhere the duplicate stays and becomes a copy of the kept joint statement. In
another language, the duplicate's text becomes a translation of the kept one (``translations``).
Each merge is recorded (``ProcessAction``, kind "merge") with what it changed, so that
``services.undo`` can undo it exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement, Vote, VoteEvent
from parley.db.process_records import ProcessAction
from parley.db.types import utc_now
from parley.errors import ConflictError, InputError, NotFoundError

from .formats import bump_process, statement_in_process
from .moderation import set_state
from .numbers import statement_numbers
from .rules import ModerationState, root_id
from .translation_store import link_equivalent

__all__ = ["bump_conversation", "merge_statements"]


def _root_of(statement: Statement) -> int:
    """Return the id of the joint statement a statement belongs to."""
    return root_id(statement.id, statement.origin_id)


def _votes_of(session: Session, statement_id: int) -> list[list[Any]]:
    """Return a statement's votes as [participant, value, ISO time] (for a merge's record)."""
    rows = session.execute(
        select(Vote.participant_id, Vote.value, Vote.updated_at)
        .where(Vote.statement_id == statement_id)
        .order_by(Vote.participant_id)
    ).all()
    return [[int(p), int(v), t.isoformat()] for p, v, t in rows]


def _merge_votes(session: Session, keep: Statement, drop: Statement) -> dict[str, Any]:
    """Move drop's votes onto keep (same conversation); the later vote per person wins.

    Returns what the undo needs: drop's votes, keep's votes of drop's voters, the moved events.
    """
    dropped = _votes_of(session, drop.id)
    voters = {row[0] for row in dropped}
    record = {
        "votes": dropped,
        "target_votes": [row for row in _votes_of(session, keep.id) if row[0] in voters],
        "events": [
            int(e)
            for e in session.scalars(
                select(VoteEvent.id).where(VoteEvent.statement_id == drop.id).order_by(VoteEvent.id)
            ).all()
        ],
    }
    kept = {
        int(p): (v, t)
        for p, v, t in session.execute(
            select(Vote.participant_id, Vote.value, Vote.updated_at).where(
                Vote.statement_id == keep.id
            )
        ).all()
    }
    moved = 0
    for participant, value, at in session.execute(
        select(Vote.participant_id, Vote.value, Vote.updated_at).where(Vote.statement_id == drop.id)
    ).all():
        mine = kept.get(int(participant))
        if mine is None:
            session.add(
                Vote(
                    participant_id=participant,
                    statement_id=keep.id,
                    conversation_id=keep.conversation_id,
                    value=value,
                    updated_at=at,
                )
            )
            moved += 1
        elif at > mine[1]:
            session.execute(
                update(Vote)
                .where(Vote.participant_id == participant, Vote.statement_id == keep.id)
                .values(value=value, updated_at=at)
            )
            moved += 1
    session.execute(delete(Vote).where(Vote.statement_id == drop.id))
    # the event log follows, so that an export replays to the same final votes
    session.execute(
        update(VoteEvent).where(VoteEvent.statement_id == drop.id).values(statement_id=keep.id)
    )
    record["moved"] = moved
    return record


def merge_statements(
    session_factory: SessionFactory,
    keep_id: int,
    drop_id: int,
    *,
    process_id: int | None = None,
    actor: str | None = None,
) -> int:
    """Merge duplicate ``drop_id`` (an original, not a shared copy) into ``keep_id``.

    ``drop`` and its copies in other formats join keep's joint statement, format by format:
    where a format already holds keep (or a copy of it), the two merge there (their votes
    join, the later vote per person wins, and the duplicate is rejected with a note); in the
    other formats the statement stays and becomes a copy of keep's joint statement, its votes
    counting for keep on the joint agenda. All in one transaction. With ``process_id``
    both must be statements of that process (else 404). Returns the merge's id (its undo).
    """
    if keep_id == drop_id:
        raise InputError("a statement cannot be merged into itself")
    now = utc_now()
    with session_factory.begin() as session:
        _, found = statement_in_process(session, keep_id, process_id)
        if process_id is not None:
            statement_in_process(session, drop_id, process_id)
        keep = session.get(Statement, keep_id)
        drop = session.get(Statement, drop_id)
        for sid, row in ((keep_id, keep), (drop_id, drop)):
            if row is None:
                raise NotFoundError(f"statement {sid} does not exist")
        assert keep is not None and drop is not None
        for row in (keep, drop):
            if row.merged_into_id is not None:
                raise ConflictError(
                    f"statement {row.id} was merged into statement {row.merged_into_id} already"
                )
        if _root_of(keep) == _root_of(drop):
            raise ConflictError(f"statements {keep_id} and {drop_id} are one joint statement")
        if drop.origin_id is not None:
            raise InputError(
                f"statement {drop_id} is a copy shared from statement {drop.origin_id}; "
                "merge that one instead"
            )
        if keep.conversation_id != drop.conversation_id:
            processes = set(
                session.scalars(
                    select(ProcessFormat.process_id).where(
                        ProcessFormat.conversation_id.in_(
                            [keep.conversation_id, drop.conversation_id]
                        )
                    )
                ).all()
            )
            n_formats = session.scalar(
                select(func.count()).where(
                    ProcessFormat.conversation_id.in_([keep.conversation_id, drop.conversation_id])
                )
            )
            if len(processes) != 1 or n_formats != 2:
                raise InputError(
                    f"statements {keep_id} and {drop_id} are in different conversations that "
                    "are not formats of one process"
                )
        root = _root_of(keep)
        shown = statement_numbers(session, [keep_id, drop_id])  # as people knew them
        linked = link_equivalent(session, root, drop)  # across languages: a translation
        holders = {
            s.conversation_id: s
            for s in session.scalars(
                select(Statement).where((Statement.id == root) | (Statement.origin_id == root))
            ).all()
        }
        group = session.scalars(
            select(Statement)
            .where((Statement.id == drop.id) | (Statement.origin_id == drop.id))
            .order_by(Statement.id)
        ).all()
        watermark = session.scalar(select(func.max(VoteEvent.id)))
        record: dict[str, Any] = {
            "keep_id": keep_id,
            "drop_id": drop_id,
            "watermark": int(watermark or 0),
            "retargeted": [],
            "merged": [],
            "translations": linked,
            "numbers": {str(k): v for k, v in shown.items()},
        }
        for duplicate in group:
            target = holders.get(duplicate.conversation_id)
            if target is None:
                record["retargeted"].append(
                    {
                        "id": duplicate.id,
                        "origin_id": duplicate.origin_id,
                        "agenda_item_id": duplicate.agenda_item_id,
                    }
                )
                duplicate.origin_id = root
                duplicate.agenda_item_id = None
            else:
                moved = _merge_votes(session, target, duplicate)
                at = duplicate.moderated_at
                record["merged"].append(
                    {
                        "id": duplicate.id,
                        "target": target.id,
                        "state": duplicate.moderation_state,
                        "by": duplicate.moderated_by,
                        "at": None if at is None else at.isoformat(),
                        **moved,
                    }
                )
                set_state(
                    session,
                    duplicate,
                    ModerationState.REJECTED,
                    actor=actor,
                    at=now,
                    reason=f"merged into statement {target.id}",
                )
                duplicate.merged_into_id = target.id
            bump_conversation(session, duplicate.conversation_id, votes=True)
        bump_process(session, found)
        action = ProcessAction(
            process_id=found, kind="merge", actor=actor, created_at=now, record=record
        )
        session.add(action)
        session.flush()
        return int(action.id)


def bump_conversation(session: Session, conversation_id: int, *, votes: bool) -> None:
    """Give a conversation new moderation (and votes) versions for the analysis worker."""
    values: dict[str, Any] = {"moderation_version": Conversation.moderation_version + 1}
    if votes:
        values["votes_version"] = Conversation.votes_version + 1
    session.execute(update(Conversation).where(Conversation.id == conversation_id).values(values))
