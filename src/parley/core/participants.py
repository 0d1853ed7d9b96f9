"""Which participants Polis's math uses, and in what order: in-conv and the row order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from .matrix import MatrixOutline, VoteMatrix
from .types import IntArray

__all__ = [
    "first_voted_column",
    "in_conv",
    "in_conv_history",
    "polis_row_order",
    "polis_row_order_from",
]


def _top_up(inside: NDArray[np.bool_], counts: NDArray[np.int64], greedy: int) -> None:
    """Add the top voters outside ``inside`` (in place) until it holds ``greedy`` of them.

    conversation.clj ``:in-conv``: ``(sort-by (comp - second))`` over the vote counts of the
    participants not yet in, ``(take (- greedy-n n-in-conv))``. Equal counts are taken in
    participant-id order; Polis takes them in the iteration order of its ``user-vote-counts``
    hash map, which is not reproduced (ties at the cut are rare when the rule runs per poll).
    """
    missing = greedy - int(inside.sum())
    if missing > 0:
        candidates = np.flatnonzero(~inside & (counts > 0))
        order = candidates[np.argsort(-counts[candidates], kind="stable")]
        inside[order[:missing]] = True


def in_conv(
    matrix: VoteMatrix | MatrixOutline, previous: IntArray | None, *, min_votes: int, greedy: int
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
    _top_up(inside, counts, greedy)
    return inside


def in_conv_history(
    participant_ids: ArrayLike,
    statement_ids: ArrayLike,
    ends: Sequence[int],
    *,
    polls: Sequence[int] = (),
    min_votes: int,
    greedy: int,
) -> list[IntArray]:
    """Sorted in-conv participant ids after each prefix ``ends[i]`` of a time-sorted vote log.

    Polis applies its ``in-conv`` rule (``in_conv``) on every update, and the set is sticky,
    so who is in depends on when the updates ran: while fewer than ``greedy`` (15)
    participants have ``min(min_votes, n_comments)`` votes, the earliest voters are topped up
    with whatever few votes they have at that moment and stay in for good. ``polls`` are the
    prefixes after which the rule is also applied (Polis's math worker updates after each
    poll of new votes, and it polls every 1,000 ms: ``components/config.clj``);
    ``ends`` are those whose sets are returned. Only the number of distinct statements each
    participant voted on counts (``user-vote-counts`` counts the non-nil cells of
    ``raw-rating-mat``), and ``n_comments`` is the number of statements voted on so far (the
    columns of ``rating-mat``). Once there are ``min_votes`` statements and ``greedy``
    participants in, the rule no longer depends on when it runs, and later polls are skipped:
    O(n_events + n_early_polls * n_participants).
    """
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    names, rows = np.unique(pids, return_inverse=True)
    columns, cols = np.unique(sids, return_inverse=True)
    # the first vote of a participant on a statement adds a non-nil cell; the first vote on
    # a statement adds a column
    _, first_cell = np.unique(
        rows.astype(np.int64) * max(len(columns), 1) + cols, return_index=True
    )
    new_cell = np.zeros(len(pids), dtype=bool)
    new_cell[first_cell] = True
    new_column = np.zeros(len(pids), dtype=bool)
    new_column[np.unique(sids, return_index=True)[1]] = True
    n_columns = np.cumsum(new_column)
    report = set(ends)
    counts = np.zeros(len(names), dtype=np.int64)
    inside = np.zeros(len(names), dtype=bool)
    history: dict[int, IntArray] = {}
    done = 0
    settled = False
    for end in sorted(report.union(polls)):
        if settled and end not in report:
            continue
        touched = rows[done:end][new_cell[done:end]]
        np.add.at(counts, touched, 1)
        if end > 0:
            threshold = min(min_votes, int(n_columns[end - 1]))
            # counts only grow and the threshold never falls, so only the participants who
            # voted since the last poll can newly reach it
            inside[touched[counts[touched] >= threshold]] = True
            _top_up(inside, counts, greedy)
            # from here on the rule no longer depends on when it runs: the threshold is
            # min_votes for good and the top-up cannot trigger again
            settled = threshold >= min_votes and int(inside.sum()) >= greedy
        done = end
        if end in report:
            history[end] = names[inside]
    return [history[end] for end in ends]


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
    return polis_row_order_from(matrix, first_voted_column(matrix.values), previous)


def first_voted_column(values: sp.csr_array) -> NDArray[np.int64]:
    """The smallest column each row voted on (the number of columns for rows without votes)."""
    n = values.shape[0]
    counts = np.diff(values.indptr)
    first_column = np.full(n, values.shape[1], dtype=np.int64)
    voted = counts > 0
    if voted.any():
        first_column[voted] = np.minimum.reduceat(values.indices, values.indptr[:-1][voted])
    return first_column


def polis_row_order_from(
    matrix: VoteMatrix | MatrixOutline,
    first_column: NDArray[np.int64],
    previous: IntArray | None = None,
) -> NDArray[np.intp]:
    """``polis_row_order`` from each row's first voted column (see ``first_voted_column``)."""
    n = matrix.n_participants
    new = np.ones(n, dtype=bool)
    head = np.zeros(0, dtype=np.intp)
    if previous is not None and len(previous):
        rows = matrix.row_of(previous)
        head = rows[rows >= 0].astype(np.intp)
        new[head] = False
    rest = np.flatnonzero(new)
    rest = rest[np.lexsort((matrix.participant_ids[rest], first_column[rest]))]
    return np.concatenate([head, rest]).astype(np.intp)
