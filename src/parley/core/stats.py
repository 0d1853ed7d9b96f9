"""Vote counts per statement and opinion group, and the Polis proportion tests (stats.clj)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .types import Float64Array, IntArray

__all__ = ["Z_90", "VoteCounts", "count_votes", "prop_test", "two_prop_test"]

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
