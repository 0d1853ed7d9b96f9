"""Representative statements per opinion group (Polis ``repness.clj``).

All statistics are computed at once as (n_groups, n_statements) arrays; the selection of up
to five statements per group follows ``select-rep-comments`` step by step, including its
"best agree" rule, which depends on the order in which statements are visited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from .stats import Z_90, VoteCounts, prop_test, two_prop_test
from .types import Float64Array

__all__ = ["RepnessStats", "RepresentativeStatement", "compute_repness", "select_representative"]

Direction = Literal["agree", "disagree"]


@dataclass(frozen=True, eq=False)
class RepnessStats:
    """Every Polis repness statistic, each of shape (n_groups, n_statements)."""

    counts: VoteCounts
    p_agree: Float64Array
    p_disagree: Float64Array
    p_agree_test: Float64Array
    p_disagree_test: Float64Array
    r_agree: Float64Array
    r_disagree: Float64Array
    r_agree_test: Float64Array
    r_disagree_test: Float64Array


@dataclass(frozen=True)
class RepresentativeStatement:
    """One selected representative statement of a group (column index, not id)."""

    column: int
    direction: Direction
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    is_best_agree: bool = False


def compute_repness(counts: VoteCounts) -> RepnessStats:
    """Compute pa, pd, pat, pdt and the ratios and tests against the other groups pooled."""
    na, nd, ns = counts.agree, counts.disagree, counts.seen
    rest_na = na.sum(axis=0, keepdims=True) - na
    rest_nd = nd.sum(axis=0, keepdims=True) - nd
    rest_ns = ns.sum(axis=0, keepdims=True) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return RepnessStats(
        counts=counts,
        p_agree=pa,
        p_disagree=pd,
        p_agree_test=prop_test(na, ns),
        p_disagree_test=prop_test(nd, ns),
        r_agree=pa / ((1.0 + rest_na) / (2.0 + rest_ns)),
        r_disagree=pd / ((1.0 + rest_nd) / (2.0 + rest_ns)),
        r_agree_test=two_prop_test(na, ns, rest_na, rest_ns),
        r_disagree_test=two_prop_test(nd, ns, rest_nd, rest_ns),
    )


def _finalize(
    stats: RepnessStats, g: int, j: int, *, best_agree: bool = False
) -> RepresentativeStatement:
    # the direction follows rat > rdt even for the best-agree statement, as in Polis
    agree = bool(stats.r_agree_test[g, j] > stats.r_disagree_test[g, j])
    if agree:
        n, p, pt = stats.counts.agree, stats.p_agree, stats.p_agree_test
        r, rt = stats.r_agree, stats.r_agree_test
    else:
        n, p, pt = stats.counts.disagree, stats.p_disagree, stats.p_disagree_test
        r, rt = stats.r_disagree, stats.r_disagree_test
    return RepresentativeStatement(
        column=j,
        direction="agree" if agree else "disagree",
        n_success=int(n[g, j]),
        n_trials=int(stats.counts.seen[g, j]),
        p_success=float(p[g, j]),
        p_test=float(pt[g, j]),
        repness=float(r[g, j]),
        repness_test=float(rt[g, j]),
        is_best_agree=best_agree,
    )


def _metric(s: RepresentativeStatement) -> float:
    return s.repness * s.repness_test * s.p_success * s.p_test


def _best_agree_column(stats: RepnessStats, g: int, columns: NDArray[np.int64]) -> int | None:
    """Polis ``beats-best-agr?`` folded over the statements in column order."""
    na, nd = stats.counts.agree[g], stats.counts.disagree[g]
    ra, rat = stats.r_agree[g], stats.r_agree_test[g]
    pa, pat = stats.p_agree[g], stats.p_agree_test[g]
    best: int | None = None
    for j in columns:
        if na[j] == 0 and nd[j] == 0:
            continue
        if best is not None and ra[best] > 1.0:
            better = ra[j] * rat[j] * pa[j] * pat[j] > ra[best] * rat[best] * pa[best] * pat[best]
        elif best is not None:
            better = pa[j] * pat[j] > pa[best] * pat[best]
        else:
            better = bool(pat[j] > Z_90 or (ra[j] > 1.0 and pa[j] > 0.5))
        if better:
            best = int(j)
    return best


def select_representative(
    stats: RepnessStats, *, excluded: NDArray[np.bool_], n_select: int = 5
) -> list[list[RepresentativeStatement]]:
    """Select up to ``n_select`` representative statements per group (``select-rep-comments``).

    ``excluded`` marks moderated-out and meta statements, which are never selected.
    """
    n_groups = stats.p_agree.shape[0]
    columns = np.flatnonzero(~excluded).astype(np.int64)
    result: list[list[RepresentativeStatement]] = []
    for g in range(n_groups):
        rat, pat = stats.r_agree_test[g], stats.p_agree_test[g]
        rdt, pdt = stats.r_disagree_test[g], stats.p_disagree_test[g]
        passes = ((rat > Z_90) & (pat > Z_90)) | ((rdt > Z_90) & (pdt > Z_90))
        sufficient_cols = columns[passes[columns]]
        best_agree_col = _best_agree_column(stats, g, columns)
        best_agree = (
            _finalize(stats, g, best_agree_col, best_agree=True)
            if best_agree_col is not None
            else None
        )
        if len(sufficient_cols) == 0:
            if best_agree is not None:
                result.append([best_agree])
            elif len(columns):
                # the first statement with the highest max(rat, rdt)
                score = np.maximum(rat[columns], rdt[columns])
                result.append([_finalize(stats, g, int(columns[int(np.argmax(score))]))])
            else:
                result.append([])
            continue
        sufficient = [
            _finalize(stats, g, int(j)) for j in sufficient_cols if int(j) != best_agree_col
        ]
        sufficient.sort(key=lambda s: -_metric(s))  # stable, like Clojure's sort-by
        head = [best_agree] if best_agree is not None else []
        chosen = (head + sufficient)[:n_select]
        chosen = [s for s in chosen if s.direction == "agree"] + [
            s for s in chosen if s.direction == "disagree"
        ]
        result.append(chosen)
    return result
