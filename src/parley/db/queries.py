"""Read queries: columns as numpy arrays (votes, vote events, id maps), the newest analysis."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .models import AnalysisResult, Participant, Statement, Vote, VoteEvent

__all__ = ["current_votes", "external_id_map", "final_votes", "newest_analysis", "vote_events"]

IdColumns = tuple[NDArray[np.int64], NDArray[np.int64]]


def _ints(values: list[int] | list[int | None]) -> NDArray[np.int64]:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def external_id_map(
    connection: Connection, model: type[Participant] | type[Statement], conversation_id: int
) -> IdColumns:
    """Return (external ids, sorted; their database ids) of a conversation's rows that have one."""
    rows = connection.execute(
        select(model.external_id, model.id)
        .where(model.conversation_id == conversation_id, model.external_id.is_not(None))
        .order_by(model.external_id)
    ).all()
    return _ints([r[0] for r in rows]), _ints([r[1] for r in rows])


def final_votes(
    connection: Connection, conversation_id: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """Return (participant ids, statement ids, values) of the current votes, by participant."""
    rows = connection.execute(
        select(Vote.participant_id, Vote.statement_id, Vote.value)
        .where(Vote.conversation_id == conversation_id)
        .order_by(Vote.participant_id, Vote.statement_id)
    ).all()
    return (
        _ints([r[0] for r in rows]),
        _ints([r[1] for r in rows]),
        np.asarray([r[2] for r in rows], dtype=np.int8).reshape(-1),
    )


def vote_events(
    connection: Connection, conversation_id: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8], list[datetime]]:
    """Return (participant ids, statement ids, values, times) of every vote event, in order."""
    rows = connection.execute(
        select(
            VoteEvent.participant_id, VoteEvent.statement_id, VoteEvent.value, VoteEvent.created_at
        )
        .where(VoteEvent.conversation_id == conversation_id)
        .order_by(VoteEvent.created_at, VoteEvent.id)
    ).all()
    return (
        _ints([r[0] for r in rows]),
        _ints([r[1] for r in rows]),
        np.asarray([r[2] for r in rows], dtype=np.int8).reshape(-1),
        [r[3] for r in rows],
    )


def current_votes(
    connection: Connection, conversation_id: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]:
    """Return a conversation's current votes (participant, statement, value), unsorted.

    Read as plain tuples through the driver's cursor: ``final_votes`` builds a Row per vote
    and sorts them, which costs about as much as an analysis update at 10^5 votes.
    """
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    cursor = connection.connection.cursor()
    try:
        cursor.execute(
            "SELECT participant_id, statement_id, value FROM votes "
            f"WHERE conversation_id = {marker}",
            (conversation_id,),
        )
        fetched = cursor.fetchall()
        flat = itertools.chain.from_iterable(fetched)  # twice as fast as np.array on tuples
        rows = np.fromiter(flat, dtype=np.int64, count=3 * len(fetched)).reshape(-1, 3)
    finally:
        cursor.close()
    return rows[:, 0].copy(), rows[:, 1].copy(), rows[:, 2].astype(np.int8)


def newest_analysis(
    session: Session, conversation_id: int, *columns: Any
) -> tuple[Any, ...] | None:
    """Return the given columns of a conversation's newest stored analysis, or None."""
    row = session.execute(
        select(*columns)
        .where(AnalysisResult.conversation_id == conversation_id)
        .order_by(AnalysisResult.id.desc())
        .limit(1)
    ).first()
    return None if row is None else tuple(row)
