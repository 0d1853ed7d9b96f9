"""Results: the latest stored analysis, a summary of it, conversation counts, votes over time."""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation, VoteEvent
from parley.db.queries import newest_analysis
from parley.errors import InputError, NotFoundError

from .conversations import conversation_summary
from .numbers import conversation_numbers
from .sessions import read_session
from .shown import min_group_size_of, shown_analysis

__all__ = ["latest_analysis", "results_summary", "votes_over_time"]

Bucket = Literal["hour", "day"]
N_COMMON_GROUND = 5


def latest_analysis(session_factory: SessionFactory, conversation_id: int) -> dict[str, Any] | None:
    """Return the newest stored analysis (``parley analyze``'s JSON), or None if none yet.

    Besides the engine's keys (``n_votes`` is the number of final votes it reflects) it has
    ``computed_at``, the time it was stored (ISO 8601, UTC), and each statement its
    ``number``, the one people see (``numbers.conversation_numbers``). It is the analysis as shown
    (``shown.shown_analysis``): groups below the minimum group size are left out.
    """
    with read_session(session_factory) as session:
        if session.get(Conversation, conversation_id) is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        row = newest_analysis(
            session, conversation_id, AnalysisResult.payload, AnalysisResult.created_at
        )
        min_size = min_group_size_of(session, conversation_id)
        numbers = conversation_numbers(session, conversation_id) if row is not None else {}
    if row is None:
        return None
    payload = shown_analysis(row[0], min_size)
    payload["statements"] = [
        {**s, "number": numbers.get(int(s["id"]), int(s["id"]))} for s in payload["statements"]
    ]
    payload["computed_at"] = row[1].isoformat()
    return payload


def _statement_ref(statement_id: int, texts: dict[int, tuple[int, str | None]]) -> dict[str, Any]:
    number, text = texts.get(statement_id, (statement_id, None))
    return {"statement_id": statement_id, "number": number, "text": text}


def results_summary(session_factory: SessionFactory, conversation_id: int) -> dict[str, Any]:
    """Return the conversation's counts and, once analysed, its groups, consensus and common ground.

    Shape: ``{"conversation": ConversationInfo, "analysis": None | {computed_at, n_votes,
    n_participants, k, min_group_size, n_in_small_groups, groups: [{id, name, size,
    representative: [{statement_id, number, text, direction,
    agree_share}]}], consensus: {agree, disagree: [{statement_id, number, text}]},
    common_ground: [{statement_id, number, text, gac}]}}``; ``number`` is the one people see.
    """
    info = conversation_summary(session_factory, conversation_id)
    payload = latest_analysis(session_factory, conversation_id)
    if payload is None:
        return {"conversation": info, "analysis": None}
    statements = payload["statements"]
    texts = {int(s["id"]): (int(s["number"]), s["text"]) for s in statements}
    visible = [s for s in statements if s["gac"] is not None and s["moderated"] != -1]
    visible.sort(key=lambda s: (-s["gac"], s["id"]))
    groups = [
        {
            "id": group["id"],
            "name": group["name"],
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
        "min_group_size": payload["hidden_groups"]["min_group_size"],
        "n_in_small_groups": payload["hidden_groups"]["n_participants"],
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
