"""Consensus statements and group-informed consensus (Polis repness.clj, conversation.clj)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .stats import Z_90, VoteCounts, prop_test
from .types import Float64Array

__all__ = ["group_informed_consensus", "select_consensus"]


def select_consensus(
    counts: VoteCounts, *, excluded: NDArray[np.bool_], n_select: int = 5
) -> tuple[list[int], list[int]]:
    """Return (agree, disagree) column indices of consensus statements over everybody.

    ``counts`` has a single row (all participants). A statement qualifies for agree when
    ``pa > 0.5`` and ``pat > 1.2816``; the top ``n_select`` by ``pa * pat`` are kept, and
    likewise for disagree. Excluded (moderated-out, meta) statements never qualify.
    """
    na, nd, ns = counts.agree[0], counts.disagree[0], counts.seen[0]
    out: list[list[int]] = []
    for successes in (na, nd):
        p = (successes + 1.0) / (ns + 2.0)
        test = prop_test(successes, ns)
        candidates = np.flatnonzero((p > 0.5) & (test > Z_90) & ~excluded)
        metric = p[candidates] * test[candidates]
        order = np.argsort(-metric, kind="stable")[:n_select]
        out.append([int(c) for c in candidates[order]])
    return out[0], out[1]


def group_informed_consensus(counts: VoteCounts, *, direction: str = "agree") -> Float64Array:
    """Group-informed consensus per statement: ``prod_g (A_g + 1) / (S_g + 2)``.

    ``counts`` holds one row per opinion group, taken from the raw (not zeroed) votes.
    ``direction="disagree"`` gives the disagree counterpart with D_g in place of A_g.
    Returns ndarray of shape (n_statements,).

    Examples
    --------
    >>> from parley.core.stats import VoteCounts
    >>> c = VoteCounts(np.array([[3], [1]]), np.array([[0], [1]]), np.array([[4], [2]]))
    >>> float(group_informed_consensus(c)[0])
    0.333...
    """
    successes = counts.agree if direction == "agree" else counts.disagree
    if direction not in ("agree", "disagree"):
        raise ValueError(f"direction={direction!r} should be 'agree' or 'disagree'")
    probabilities = (successes + 1.0) / (counts.seen + 2.0)
    result: Float64Array = np.prod(probabilities, axis=0)
    return result
