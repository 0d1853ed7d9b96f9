"""Polis's read API in Polis's shapes: a conversation, its comments, a participant's votes.

Participants and statements are numbered as parley's Polis exports number them
(``polis_numbers``): ``pid`` and ``tid`` per conversation from 0, Polis's own
ids for imported rows, stable over time. Polis's conversation ids are strings; parley's are
its conversation ids in decimal. Votes carry Polis's API sign, agree = -1 and disagree = +1
(parley keeps agree = +1, as Polis's CSV exports do). ``readable_conversation`` is the one
access rule of every Polis read: what it lets through is as public as the conversation's
analysis in ``/api/v1``; the pid behind an xid is for the conversation's facilitator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement, Vote
from parley.db.types import ms_from_datetimes
from parley.errors import AuthenticationError, NotFoundError

from .conversations import get_conversation
from .polis_numbers import polis_numbers, row_of_polis_number
from .rules import Reader, check_can_manage, is_visible, may_read
from .sessions import read_session

__all__ = [
    "PolisNumbers",
    "numbers_of",
    "polis_comments",
    "polis_conversation",
    "polis_conversation_id",
    "polis_participation_init",
    "polis_votes",
    "readable_conversation",
]

Ids = NDArray[np.int64]


def polis_conversation_id(value: str | int) -> int:
    """Return parley's conversation id for a Polis ``conversation_id`` (decimal digits)."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise NotFoundError(f"conversation {value!r} does not exist")
    return int(text)


def readable_conversation(
    session: Session,
    conversation_id: str | int,
    *,
    facilitator_id: int | None = None,
    manage: bool = False,
    by_report_key: bool = False,
) -> Conversation:
    """Return the conversation if the caller may read its Polis data, else raise.

    Whoever may read what ``/api/v1`` publishes (``rules.may_read``: anybody for a public
    conversation, its facilitator for a members-only one) may read its Polis data;
    ``by_report_key`` (the caller holds a report id, which the facilitator handed out) reads
    it too. ``manage=True`` (reports by conversation, the pid behind an xid) needs the
    facilitator who may manage it, as ``conversations.ensure_can_manage`` says.
    """
    conversation = get_conversation(session, polis_conversation_id(conversation_id))
    if not (by_report_key or manage) and not may_read(
        conversation.visibility, conversation.facilitator_id, Reader(facilitator_id)
    ):
        raise NotFoundError(f"conversation {conversation.id} does not exist")
    if manage:
        if facilitator_id is None:
            raise AuthenticationError(
                "this needs the conversation's facilitator: send the API key as "
                "'Authorization: Bearer <key>'"
            )
        check_can_manage(
            conversation.facilitator_id, facilitator_id, f"conversation {conversation.id}"
        )
    return conversation


@dataclass(frozen=True, eq=False)
class PolisNumbers:
    """A conversation's Polis numbers: database ids (ascending) and their pid or tid."""

    participant_ids: Ids
    pids: Ids
    statement_ids: Ids
    tids: Ids

    def pid_of(self, participant_ids: ArrayLike) -> Ids:
        """Map database participant ids to pids (-1 for an unknown id)."""
        return _through(self.participant_ids, self.pids, participant_ids)

    def tid_of(self, statement_ids: ArrayLike) -> Ids:
        """Map database statement ids to tids (-1 for an unknown id)."""
        return _through(self.statement_ids, self.tids, statement_ids)


def _through(keys: Ids, values: Ids, query: ArrayLike) -> Ids:
    q = np.asarray(query, dtype=np.int64).reshape(-1)
    out = np.full(len(q), -1, dtype=np.int64)
    if len(keys) == 0:
        return out
    at = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
    hit = keys[at] == q
    out[hit] = values[at[hit]]
    return out


def numbers_of(session: Session, conversation_id: int) -> PolisNumbers:
    """Return the Polis numbers of a conversation's participants and statements."""
    participant_ids, pids = polis_numbers(session, Participant, conversation_id)
    statement_ids, tids = polis_numbers(session, Statement, conversation_id)
    return PolisNumbers(participant_ids, pids, statement_ids, tids)


def _ms(value: Any) -> int:
    return int(ms_from_datetimes([value])[0])


def conversation_document(session: Session, conversation: Conversation) -> dict[str, Any]:
    """Return Polis's conversation object for a conversation read in ``session``."""
    n_participants = session.scalar(
        select(func.count()).where(Participant.conversation_id == conversation.id)
    )
    created = _ms(conversation.created_at)
    return {
        "conversation_id": str(conversation.id),
        "topic": conversation.topic,
        "description": conversation.description,
        "created": created,
        "modified": created,
        "is_active": conversation.closed_at is None,
        "is_anon": True,
        "is_draft": False,
        "is_public": True,
        "strict_moderation": conversation.moderation_mode == "strict",
        "participant_count": int(n_participants or 0),
        "lang": conversation.languages[0] if conversation.languages else None,
    }


def polis_conversation(
    session_factory: SessionFactory, conversation_id: str, *, facilitator_id: int | None = None
) -> dict[str, Any]:
    """Return ``/api/v3/conversations?conversation_id=``: topic, description, counts."""
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id
        )
        return conversation_document(session, conversation)


def polis_comments(
    session_factory: SessionFactory,
    conversation_id: str,
    *,
    moderation: bool = True,
    include_voting_patterns: bool = True,
    facilitator_id: int | None = None,
) -> list[dict[str, Any]]:
    """Return the statements as Polis's comments, by tid, with their vote counts if asked.

    With ``moderation`` every statement is listed, rejected ones too (readers need their
    ``mod`` to zero them out), but ``txt`` is empty for every statement that
    ``rules.is_visible`` hides; without it only the visible statements are listed, as a
    participant sees them. Counts are over current votes.
    """
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id
        )
        cid = conversation.id
        numbers = numbers_of(session, cid)
        statements = session.execute(  # the columns only: not the stored embeddings
            select(
                Statement.id,
                Statement.text,
                Statement.created_at,
                Statement.is_seed,
                Statement.is_meta,
                Statement.language,
                Statement.author_id,
                Statement.moderation_state,
            )
            .where(Statement.conversation_id == cid)
            .order_by(Statement.id)
        ).all()
        counts: dict[tuple[int, int], int] = {
            (int(sid), int(value)): int(n)
            for sid, value, n in session.execute(
                select(Vote.statement_id, Vote.value, func.count())
                .where(Vote.conversation_id == cid)
                .group_by(Vote.statement_id, Vote.value)
            ).all()
        }
        mode = conversation.moderation_mode
    tids = numbers.tid_of([s.id for s in statements])
    authors = numbers.pid_of([-1 if s.author_id is None else s.author_id for s in statements])
    created = ms_from_datetimes([s.created_at for s in statements])
    comments: list[dict[str, Any]] = []
    for i, s in enumerate(statements):
        shown = is_visible(s.moderation_state, mode)
        if not (shown or moderation):
            continue
        agree, disagree, passes = (counts.get((s.id, v), 0) for v in (1, -1, 0))
        comment: dict[str, Any] = {
            "txt": s.text if shown else "",
            "tid": int(tids[i]),
            "created": int(created[i]),
            "tweet_id": None,
            "quote_src_url": None,
            "is_seed": bool(s.is_seed),
            "is_meta": bool(s.is_meta),
            "lang": s.language,
            "pid": int(authors[i]) if authors[i] >= 0 else None,
            "velocity": 1,
            "mod": int(s.moderation_state),
            "active": True,
            "conversation_id": str(cid),
        }
        if include_voting_patterns:
            comment.update(
                agree_count=agree,
                disagree_count=disagree,
                pass_count=passes,
                count=agree + disagree + passes,
            )
        comments.append(comment)
    comments.sort(key=lambda c: c["tid"])
    return comments


def polis_votes(
    session_factory: SessionFactory,
    conversation_id: str,
    *,
    pid: int,
    facilitator_id: int | None = None,
) -> list[dict[str, Any]]:
    """Return participant ``pid``'s current votes, agree = -1 (Polis's API sign), by tid.

    A number that is no participant's has no votes: the answer is an empty list.
    """
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id
        )
        participant_id = row_of_polis_number(session, Participant, conversation.id, pid)
        if participant_id is None:
            return []
        statement_ids, statement_tids = polis_numbers(session, Statement, conversation.id)
        rows = session.execute(
            select(Vote.statement_id, Vote.value, Vote.updated_at).where(
                Vote.conversation_id == conversation.id, Vote.participant_id == participant_id
            )
        ).all()
    tids = _through(statement_ids, statement_tids, [r[0] for r in rows])
    modified = ms_from_datetimes([r[2] for r in rows])
    votes: list[dict[str, Any]] = [
        {
            "pid": pid,
            "tid": int(tids[i]),
            "vote": -int(r[1]),  # Polis's API and database: agree = -1, disagree = +1
            "weight_x_32767": 0,
            "modified": int(modified[i]),
            "conversation_id": str(conversation.id),
        }
        for i, r in enumerate(rows)
    ]
    votes.sort(key=lambda v: v["tid"])
    return votes


def polis_participation_init(
    session_factory: SessionFactory,
    conversation_id: str,
    *,
    xid: str | None,
    facilitator_id: int | None,
) -> dict[str, Any]:
    """Return Polis's participationInit: the conversation and the participant with ``xid``.

    Only the conversation's facilitator learns which pid an xid has (``ptpt`` is null for
    an unknown xid); without an xid anybody gets the conversation and ``ptpt: null``.
    """
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id, manage=xid is not None
        )
        document = conversation_document(session, conversation)
        ptpt = None
        if xid is not None:
            participant_id = session.scalar(
                select(Participant.id).where(
                    Participant.conversation_id == conversation.id, Participant.xid == xid
                )
            )
            if participant_id is not None:
                pid = int(numbers_of(session, conversation.id).pid_of([participant_id])[0])
                ptpt = {"pid": pid, "conversation_id": str(conversation.id), "xid": xid}
    return {"ptpt": ptpt, "conversation": document, "nextComment": {}, "votes": []}
