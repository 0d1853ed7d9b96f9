"""Duplicates: look-alike joint statements of a process, and what their votes say.

Pairs come from the stored embeddings (no model runs here); the vote test compares the
votes of people who voted on both, in any format: agreeing with one and disagreeing with
the other says they are opposites, not duplicates. Nothing is ever merged automatically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from parley.db.engine import SessionFactory
from parley.text.matching import OppositeTest, near_duplicates, tell_opposites

from .embeddings import decode_vector, shared_embedder
from .joint import JointStatement, joint_statements, process_votes

__all__ = ["DuplicatePair", "duplicate_pairs"]


@dataclass(frozen=True)
class DuplicatePair:
    """Two joint statements that look alike, and what their votes say about them."""

    a: JointStatement
    b: JointStatement
    score: float
    votes: OppositeTest | None  # None until people voted on both


def duplicate_pairs(
    session_factory: SessionFactory, process_id: int, *, limit: int = 50
) -> list[DuplicatePair]:
    """List look-alike joint statements of a process, with the vote test once there are votes.

    The vote test compares the votes of people who voted on both (in any format): agreeing
    with one and disagreeing with the other says they are opposites, not duplicates.
    """
    joint = [s for s in joint_statements(session_factory, process_id) if s.embedding]
    if len(joint) < 2:
        return []
    vectors = np.vstack([decode_vector(s.embedding) for s in joint if s.embedding is not None])
    pairs = near_duplicates(
        vectors,
        [s.language or "und" for s in joint],
        threshold=shared_embedder().match_threshold,
    )[:limit]
    if not pairs:
        return []
    ids = np.asarray([s.id for s in joint], dtype=np.int64)
    matrix, _ = process_votes(session_factory, process_id).matrix(ids)
    columns = matrix.values.tocsc()
    result = []
    for pair in pairs:
        assert pair.b is not None
        a, b = joint[pair.a], joint[pair.b]
        test = tell_opposites(
            columns[:, [int(matrix.column_of([a.id])[0])]],
            columns[:, [int(matrix.column_of([b.id])[0])]],
        )
        result.append(DuplicatePair(a, b, pair.score, None if test.n_co_voters == 0 else test))
    return result
