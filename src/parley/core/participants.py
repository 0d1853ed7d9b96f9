"""Which participants Polis's math uses, and in what order: in-conv and the row order."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .matrix import VoteMatrix
from .types import IntArray

__all__ = ["in_conv", "polis_row_order"]


def in_conv(
    matrix: VoteMatrix, previous: IntArray | None, *, min_votes: int, greedy: int
) -> NDArray[np.bool_]:
    """Polis ``in-conv``: >= min(7, n_statements) votes, sticky, topped up to 15 by top voters.

    ``min_votes`` (7) and ``greedy`` (15) are ``Params.min_votes_in_conv`` and
    ``Params.greedy_in_conv``; ``previous`` holds the participant ids in-conv before.
    """
    counts = matrix.votes_per_participant()
    inside = counts >= min(min_votes, matrix.n_statements)
    if previous is not None and len(previous):
        rows = matrix.row_of(previous)
        inside[rows[rows >= 0]] = True
    missing = greedy - int(inside.sum())
    if missing > 0:
        candidates = np.flatnonzero(~inside & (counts > 0))
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        inside[order[:missing]] = True
    return inside


def polis_row_order(matrix: VoteMatrix, previous: IntArray | None = None) -> NDArray[np.intp]:
    """Row indices of ``matrix`` in the order Polis's named matrix holds the participants.

    Polis appends a participant's row when it first meets one of their votes. Its vote
    polls are sorted by (comment id, participant id, time) (``postgres.clj`` ``poll`` and
    ``conv-poll``), so within one batch the new participants come in order of the smallest
    comment id they voted on, then of participant id. ``previous`` (participant ids in the
    order of the previous update) keeps the old rows first; everybody else counts as new in
    this batch. Without it this is the order after a cold load of the whole vote table,
    which is what Polis does on a restart (``conv-man/load-or-init``) and in an export
    recomputed ``at-time``.

    Initial k-means centres are the first k distinct rows in this order (``init-clusters``).
    """
    n = matrix.n_participants
    values = matrix.values
    counts = np.diff(values.indptr)
    first_column = np.full(n, matrix.n_statements, dtype=np.int64)
    voted = counts > 0
    if voted.any():
        first_column[voted] = np.minimum.reduceat(values.indices, values.indptr[:-1][voted])
    new = np.ones(n, dtype=bool)
    head = np.zeros(0, dtype=np.intp)
    if previous is not None and len(previous):
        rows = matrix.row_of(previous)
        head = rows[rows >= 0].astype(np.intp)
        new[head] = False
    rest = np.flatnonzero(new)
    rest = rest[np.lexsort((matrix.participant_ids[rest], first_column[rest]))]
    return np.concatenate([head, rest]).astype(np.intp)
