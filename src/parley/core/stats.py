"""Vote counts per statement and opinion group, and the Polis proportion tests (stats.clj)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .types import Float64Array, IntArray

__all__ = [
    "Z_90",
    "VoteCounts",
    "count_votes",
    "count_votes_once",
    "counts_from_tallies",
    "prop_test",
    "two_prop_test",
    "vote_tallies",
]

_CHUNK_ENTRIES = 1 << 23

Z_90 = 1.2816
"""One-sided 90% z threshold used by Polis (``z-sig-90?``)."""


@dataclass(frozen=True, eq=False)
class VoteCounts:
    """Agree, disagree and seen counts, shape (n_groups, n_statements) each."""

    agree: NDArray[np.int64]
    disagree: NDArray[np.int64]
    seen: NDArray[np.int64]

    @property
    def passes(self) -> NDArray[np.int64]:
        """Passes: seen votes that are neither agree nor disagree."""
        return self.seen - self.agree - self.disagree


def count_votes(
    values: sp.csr_array,
    row_groups: IntArray,
    n_groups: int,
    *,
    zeroed_columns: NDArray[np.bool_] | None = None,
) -> VoteCounts:
    """Count votes per (group, statement); rows with group -1 are left out.

    With ``zeroed_columns`` the counts follow Polis's ``rating-mat``: those columns hold a
    0 (a seen vote, neither agree nor disagree) for every member of every group.
    """
    n_rows, n_cols = values.shape
    row_of_entry = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(values.indptr))
    group = row_groups[row_of_entry]
    keep = group >= 0
    key = group[keep] * n_cols + values.indices[keep]
    data = values.data[keep]
    size = n_groups * n_cols
    seen = np.bincount(key, minlength=size).reshape(n_groups, n_cols)
    agree = np.bincount(key, weights=data == 1, minlength=size).reshape(n_groups, n_cols)
    disagree = np.bincount(key, weights=data == -1, minlength=size).reshape(n_groups, n_cols)
    seen, agree, disagree = (a.astype(np.int64) for a in (seen, agree, disagree))
    if zeroed_columns is not None and zeroed_columns.any():
        sizes = np.bincount(row_groups[row_groups >= 0], minlength=n_groups)
        seen[:, zeroed_columns] = sizes[:, None]
        agree[:, zeroed_columns] = 0
        disagree[:, zeroed_columns] = 0
    return VoteCounts(agree=agree, disagree=disagree, seen=seen)


def vote_tallies(values: sp.csr_array, slots: NDArray[np.int64], n_slots: int) -> NDArray[np.int64]:
    """Disagree, pass and agree counts per (slot, column), shape (n_slots, n_cols, 3).

    ``slots`` gives each row's slot in 0..n_slots-1. One pass over the votes, in chunks of
    rows, so that no per-vote array of the whole matrix is made.
    """
    n_rows, n_cols = values.shape
    size = n_slots * n_cols * 3
    totals = np.zeros(size, dtype=np.int64)
    indptr = values.indptr
    row = 0
    while row < n_rows:
        end = int(np.searchsorted(indptr, indptr[row] + _CHUNK_ENTRIES, side="right")) - 1
        end = min(max(end, row + 1), n_rows)
        lo, hi = int(indptr[row]), int(indptr[end])
        slot = np.repeat(slots[row:end].astype(np.int64), np.diff(indptr[row : end + 1]))
        code = (slot * n_cols + values.indices[lo:hi]) * 3
        code += values.data[lo:hi].astype(np.int64) + 1
        totals += np.bincount(code, minlength=size)
        row = end
    return totals.reshape(n_slots, n_cols, 3)


def counts_from_tallies(
    tallies: NDArray[np.int64],
    group_sizes: NDArray[np.int64],
    n_rows: int,
    *,
    zeroed_columns: NDArray[np.bool_],
) -> tuple[VoteCounts, VoteCounts, VoteCounts, VoteCounts]:
    """Raw and rating-mat counts per group, then over everybody, from ``vote_tallies``.

    ``tallies`` has one slot per group and a last slot for the rows without a group;
    ``group_sizes`` counts each group's rows. The result is what ``count_votes`` gives.
    """
    k = len(group_sizes)
    disagree, agree = tallies[..., 0], tallies[..., 2]
    seen = tallies.sum(axis=2)

    def counts(rows: slice | None, sizes: NDArray[np.int64], rating: bool) -> VoteCounts:
        if rows is None:
            a, d, n = (x.sum(axis=0, keepdims=True) for x in (agree, disagree, seen))
        else:
            a, d, n = (x[rows].copy() for x in (agree, disagree, seen))
        if rating and zeroed_columns.any():
            n[:, zeroed_columns] = sizes[:, None]
            a[:, zeroed_columns] = 0
            d[:, zeroed_columns] = 0
        return VoteCounts(agree=a, disagree=d, seen=n)

    everybody = np.array([n_rows], dtype=np.int64)
    return (
        counts(slice(0, k), group_sizes, False),
        counts(slice(0, k), group_sizes, True),
        counts(None, everybody, False),
        counts(None, everybody, True),
    )


def count_votes_once(
    values: sp.csr_array,
    row_groups: IntArray,
    n_groups: int,
    *,
    zeroed_columns: NDArray[np.bool_],
) -> tuple[VoteCounts, VoteCounts, VoteCounts, VoteCounts]:
    """``count_votes`` per group and over everybody, raw and rating-mat, in one pass."""
    slots = np.where(row_groups >= 0, row_groups, n_groups)
    tallies = vote_tallies(values, slots, n_groups + 1)
    sizes = np.bincount(row_groups[row_groups >= 0], minlength=n_groups).astype(np.int64)
    return counts_from_tallies(
        tallies, sizes[:n_groups], values.shape[0], zeroed_columns=zeroed_columns
    )


def prop_test(successes: NDArray[np.int64], trials: NDArray[np.int64]) -> Float64Array:
    """One-proportion z statistic with a +1 prior: ``2 sqrt(n+1) ((s+1)/(n+1) - 1/2)``."""
    n = trials + 1.0
    result: Float64Array = 2.0 * np.sqrt(n) * ((successes + 1.0) / n - 0.5)
    return result


def two_prop_test(
    successes_1: NDArray[np.int64],
    trials_1: NDArray[np.int64],
    successes_2: NDArray[np.int64],
    trials_2: NDArray[np.int64],
) -> Float64Array:
    """Two-proportion z statistic with +1 on all four inputs; 0 where the pooled p is 1."""
    s1, n1 = successes_1 + 1.0, trials_1 + 1.0
    s2, n2 = successes_2 + 1.0, trials_2 + 1.0
    pi1, pi2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    result: Float64Array = np.divide(
        pi1 - pi2,
        np.sqrt(variance),
        out=np.zeros(np.broadcast(pi1, pi2).shape),
        where=variance > 0,
    )
    return result
