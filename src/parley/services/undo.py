"""Undo a facilitator's merge or share, from its record and the vote-event log.

A merge (``services.merging``) records what it changed. Its undo puts each duplicate back:
a copy gets its former origin back; a merged duplicate its moderation state, its vote events
(moved back from the statement kept, by id) and its votes. The statement kept gets back its
own votes of the duplicate's voters, except where the event log shows that a voter voted on
it after the merge: that newer vote stays. Merges touching the same statements are undone
newest first.

A share's undo takes its copies out of the formats: a copy nobody voted on is deleted; one
with votes is rejected (with a note), so its votes stay in the vote-event log and the votes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Statement, Vote, VoteEvent
from parley.db.process_records import ProcessAction
from parley.db.types import utc_now
from parley.errors import ConflictError, NotFoundError

from .formats import bump_process
from .merging import bump_conversation
from .moderation import set_state
from .rules import ModerationState
from .sessions import read_session
from .translation_store import unlink_equivalent

__all__ = ["Action", "recent_actions", "undo_merge", "undo_share"]

MAX_RECENT = 20


@dataclass(frozen=True)
class Action:
    """A merge or share that can be undone: its id, kind, who and when, and what it touched."""

    id: int
    kind: str
    actor: str | None
    created_at: datetime
    statement_ids: tuple[int, ...]
    n_copies: int
    #: the numbers people saw when it was done (a merged statement later shows its keeper's)
    numbers: dict[int, int] = field(default_factory=dict)


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _touched(record: dict[str, Any]) -> set[int]:
    """Return the ids of the statements a merge changed or merged into."""
    ids = {int(record["keep_id"]), int(record["drop_id"])}
    ids |= {int(r["id"]) for r in record["retargeted"]}
    for entry in record["merged"]:
        ids |= {int(entry["id"]), int(entry["target"])}
    return ids


def _action(session: Session, process_id: int, action_id: int, kind: str) -> ProcessAction:
    action = session.get(ProcessAction, action_id, with_for_update=True)  # one undo at a time
    if action is None or action.process_id != process_id or action.kind != kind:
        raise NotFoundError(f"{kind} {action_id} does not exist in process {process_id}")
    if action.undone_at is not None:
        raise ConflictError(f"{kind} {action_id} was undone already")
    return action


def _check_newest(session: Session, action: ProcessAction) -> None:
    """Refuse to undo a merge while a later merge of the same statements stands."""
    touched = _touched(action.record)
    later = session.scalars(
        select(ProcessAction).where(
            ProcessAction.process_id == action.process_id,
            ProcessAction.kind == "merge",
            ProcessAction.undone_at.is_(None),
            ProcessAction.id > action.id,
        )
    ).all()
    for other in later:
        if touched & _touched(other.record):
            raise ConflictError(
                f"merge {other.id} came later and uses these statements; undo it first"
            )


def _set_votes(
    session: Session, statement_id: int, conversation_id: int, rows: Iterable[Any]
) -> None:
    for participant, value, at in rows:
        session.add(
            Vote(
                participant_id=int(participant),
                statement_id=statement_id,
                conversation_id=conversation_id,
                value=int(value),
                updated_at=datetime.fromisoformat(at),
            )
        )


def _unmerge_one(session: Session, entry: dict[str, Any], watermark: int, note: str) -> None:
    """Put one merged duplicate back, with its events and votes; restore the target's."""
    duplicate = session.get(Statement, int(entry["id"]))
    target = session.get(Statement, int(entry["target"]))
    if duplicate is None or target is None:
        raise ConflictError(f"statement {entry['id']} or {entry['target']} no longer exists")
    events = [int(e) for e in entry["events"]]
    if events:
        session.execute(
            update(VoteEvent).where(VoteEvent.id.in_(events)).values(statement_id=duplicate.id)
        )
    voters = {int(row[0]) for row in entry["votes"]}
    later = set(
        session.scalars(
            select(VoteEvent.participant_id).where(
                VoteEvent.statement_id == target.id,
                VoteEvent.id > watermark,
                VoteEvent.participant_id.in_(voters),
            )
        ).all()
    )
    restore = voters - {int(p) for p in later}
    if restore:
        session.execute(
            delete(Vote).where(Vote.statement_id == target.id, Vote.participant_id.in_(restore))
        )
        session.flush()
    _set_votes(
        session,
        target.id,
        target.conversation_id,
        (row for row in entry["target_votes"] if int(row[0]) in restore),
    )
    session.execute(delete(Vote).where(Vote.statement_id == duplicate.id))
    _set_votes(session, duplicate.id, duplicate.conversation_id, entry["votes"])
    set_state(session, duplicate, int(entry["state"]), actor=None, at=utc_now(), reason=note)
    duplicate.moderated_by = entry["by"]
    duplicate.moderated_at = _time(entry["at"])
    duplicate.merged_into_id = None
    bump_conversation(session, duplicate.conversation_id, votes=True)


def undo_merge(
    session_factory: SessionFactory, process_id: int, merge_id: int, *, actor: str | None = None
) -> None:
    """Undo a merge: both statements and their votes as before it (newer votes stay)."""
    with session_factory.begin() as session:
        action = _action(session, process_id, merge_id, "merge")
        _check_newest(session, action)
        record = action.record
        note = f"merge {merge_id} undone" + (f" by {actor}" if actor else "")
        for entry in reversed(record["merged"]):
            _unmerge_one(session, entry, int(record["watermark"]), note)
        for entry in record["retargeted"]:
            copy = session.get(Statement, int(entry["id"]))
            if copy is None:
                continue
            copy.origin_id = entry["origin_id"]
            copy.agenda_item_id = entry["agenda_item_id"]
            bump_conversation(session, copy.conversation_id, votes=True)
        if "translations" in record:
            unlink_equivalent(session, record["translations"])
        action.undone_at = utc_now()
        bump_process(session, process_id)


def undo_share(
    session_factory: SessionFactory, process_id: int, share_id: int, *, actor: str | None = None
) -> int:
    """Undo a share: take its copies out of the formats; return how many were taken out."""
    now = utc_now()
    with session_factory.begin() as session:
        action = _action(session, process_id, share_id, "share")
        ids = [int(i) for i in action.record["copies"]]
        copies = session.scalars(select(Statement).where(Statement.id.in_(ids))).all()
        for copy in copies:
            if copy.merged_into_id is not None:
                raise ConflictError(
                    f"copy {copy.id} was merged into statement {copy.merged_into_id}; "
                    "undo that merge first"
                )
        voted = set(
            session.scalars(select(VoteEvent.statement_id).where(VoteEvent.statement_id.in_(ids)))
        )
        note = f"share {share_id} undone" + (f" by {actor}" if actor else "")
        for copy in copies:
            bump_conversation(session, copy.conversation_id, votes=copy.id in voted)
            if copy.id not in voted:
                session.delete(copy)
            elif copy.moderation_state != ModerationState.REJECTED:
                set_state(session, copy, ModerationState.REJECTED, actor=actor, at=now, reason=note)
        action.undone_at = now
        bump_process(session, process_id)
        return len(copies)


def recent_actions(session_factory: SessionFactory, process_id: int) -> list[Action]:
    """Return the process's newest merges and shares that are not undone, newest first."""
    with read_session(session_factory) as session:
        rows = session.scalars(
            select(ProcessAction)
            .where(ProcessAction.process_id == process_id, ProcessAction.undone_at.is_(None))
            .order_by(ProcessAction.id.desc())
            .limit(MAX_RECENT)
        ).all()
        return [
            Action(
                id=row.id,
                kind=row.kind,
                actor=row.actor,
                created_at=row.created_at,
                statement_ids=(
                    (int(row.record["keep_id"]), int(row.record["drop_id"]))
                    if row.kind == "merge"
                    else tuple(int(i) for i in row.record["copies"])
                ),
                n_copies=0 if row.kind == "merge" else len(row.record["copies"]),
                numbers={int(k): int(v) for k, v in row.record.get("numbers", {}).items()},
            )
            for row in rows
        ]
