"""Statement priorities for routing the next statement to a participant (conversation.clj)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .stats import VoteCounts
from .types import Float64Array

__all__ = ["META_PRIORITY", "statement_priorities"]

META_PRIORITY = 7.0


def statement_priorities(
    counts: VoteCounts, extremity: Float64Array, *, is_meta: NDArray[np.bool_]
) -> Float64Array:
    """Priority per statement: ``(importance * (1 + 8 * 2^(-S/5)))^2``; meta gets ``7^2``.

    ``importance = (1 - (P+1)/(S+2)) * (E+1) * (A+1)/(S+2)``, with A, P, S summed over the
    rows of ``counts`` (the opinion groups) and E the statement's extremity. This applies the
    fix of polis#2611: only real meta statements take the meta branch.
    """
    agree = counts.agree.sum(axis=0)
    seen = counts.seen.sum(axis=0)
    passes = counts.passes.sum(axis=0)
    p = (passes + 1.0) / (seen + 2.0)
    a = (agree + 1.0) / (seen + 2.0)
    importance = (1.0 - p) * (extremity + 1.0) * a
    novelty = 1.0 + 8.0 * np.power(2.0, -seen / 5.0)
    priority: Float64Array = np.where(is_meta, META_PRIORITY, importance * novelty) ** 2
    return priority
