"""Results: the latest stored analysis, a summary of it, conversation counts, votes over time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation, Participant, Statement, Vote, VoteEvent
from parley.errors import InputError, NotFoundError

from .sessions import read_session

__all__ = [
    "ConversationInfo",
    "conversation_summary",
    "latest_analysis",
    "list_conversations",
    "results_summary",
    "votes_over_time",
]

Bucket = Literal["hour", "day"]
N_COMMON_GROUND = 5


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation with its counts."""

    id: int
    topic: str
    description: str
    languages: list[str]
    moderation_mode: str
    facilitator_id: int | None
    created_at: datetime
    n_participants: int
    n_statements: int
    n_votes: int


def _counts(session: Session, model: Any, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(model.conversation_id, func.count())
        .where(model.conversation_id.in_(ids))
        .group_by(model.conversation_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows}


def _infos(session: Session, conversations: list[Conversation]) -> list[ConversationInfo]:
    ids = [c.id for c in conversations]
    participants = _counts(session, Participant, ids)
    statements = _counts(session, Statement, ids)
    votes = _counts(session, Vote, ids)
    return [
        ConversationInfo(
            id=c.id,
            topic=c.topic,
            description=c.description,
            languages=list(c.languages),
            moderation_mode=c.moderation_mode,
            facilitator_id=c.facilitator_id,
            created_at=c.created_at,
            n_participants=participants.get(c.id, 0),
            n_statements=statements.get(c.id, 0),
            n_votes=votes.get(c.id, 0),
        )
        for c in conversations
    ]


def conversation_summary(session_factory: SessionFactory, conversation_id: int) -> ConversationInfo:
    """Return a conversation with its numbers of participants, statements and votes."""
    with read_session(session_factory) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        return _infos(session, [conversation])[0]


def list_conversations(
    session_factory: SessionFactory, facilitator_id: int
) -> list[ConversationInfo]:
    """Return the conversations a facilitator may manage (theirs and unowned ones), newest first."""
    with read_session(session_factory) as session:
        conversations = session.scalars(
            select(Conversation)
            .where(
                or_(
                    Conversation.facilitator_id == facilitator_id,
                    Conversation.facilitator_id.is_(None),
                )
            )
            .order_by(Conversation.id.desc())
        ).all()
        return _infos(session, list(conversations))


def latest_analysis(session_factory: SessionFactory, conversation_id: int) -> dict[str, Any] | None:
    """Return the newest stored analysis (``parley analyze``'s JSON), or None if none yet.

    Besides the engine's keys (``n_votes`` is the number of final votes it reflects) it has
    ``computed_at``, the time it was stored (ISO 8601, UTC).
    """
    with read_session(session_factory) as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        row = session.execute(
            select(AnalysisResult.payload, AnalysisResult.created_at)
            .where(AnalysisResult.conversation_id == conversation_id)
            .order_by(AnalysisResult.id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    payload = dict(row.payload)
    payload["computed_at"] = row.created_at.isoformat()
    return payload


def _statement_ref(statement_id: int, texts: dict[int, str | None]) -> dict[str, Any]:
    return {"statement_id": statement_id, "text": texts.get(statement_id)}


def results_summary(session_factory: SessionFactory, conversation_id: int) -> dict[str, Any]:
    """Return the conversation's counts and, once analysed, its groups, consensus and common ground.

    Shape: ``{"conversation": ConversationInfo, "analysis": None | {computed_at, n_votes,
    n_participants, k, groups: [{id, size, representative: [{statement_id, text, direction,
    agree_share}]}], consensus: {agree, disagree: [{statement_id, text}]}, common_ground:
    [{statement_id, text, gac}]}}``.
    """
    info = conversation_summary(session_factory, conversation_id)
    payload = latest_analysis(session_factory, conversation_id)
    if payload is None:
        return {"conversation": info, "analysis": None}
    statements = payload["statements"]
    texts: dict[int, str | None] = {s["id"]: s["text"] for s in statements}
    visible = [s for s in statements if s["gac"] is not None and s["moderated"] != -1]
    visible.sort(key=lambda s: (-s["gac"], s["id"]))
    groups = [
        {
            "id": group["id"],
            "size": group["size"],
            "representative": [
                {
                    **_statement_ref(r["statement"], texts),
                    "direction": r["direction"],
                    "agree_share": r["p_success"] if r["direction"] == "agree" else None,
                    "disagree_share": r["p_success"] if r["direction"] == "disagree" else None,
                }
                for r in group["repness"]
            ],
        }
        for group in payload["groups"]
    ]
    analysis = {
        "computed_at": payload["computed_at"],
        "n_votes": payload["n_votes"],
        "n_participants": payload["n_participants"],
        "k": payload["k"],
        "groups": groups,
        "consensus": {
            direction: [_statement_ref(sid, texts) for sid in payload["consensus"][direction]]
            for direction in ("agree", "disagree")
        },
        "common_ground": [
            {**_statement_ref(s["id"], texts), "gac": s["gac"]} for s in visible[:N_COMMON_GROUND]
        ],
    }
    return {"conversation": info, "analysis": analysis}


def votes_over_time(
    session_factory: SessionFactory, conversation_id: int, *, bucket: Bucket = "day"
) -> list[tuple[str, int]]:
    """Return (start of the hour or day, UTC ISO 8601; number of votes cast in it), in order."""
    if bucket not in ("hour", "day"):
        raise InputError(f"bucket={bucket!r} should be 'hour' or 'day'")
    with read_session(session_factory) as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        times = session.scalars(
            select(VoteEvent.created_at).where(VoteEvent.conversation_id == conversation_id)
        ).all()
    width = 13 if bucket == "hour" else 10  # "YYYY-MM-DDTHH" or "YYYY-MM-DD"
    counts = Counter(t.isoformat()[:width] for t in times)
    suffix = ":00:00+00:00" if bucket == "hour" else ""
    return [(start + suffix, counts[start]) for start in sorted(counts)]
