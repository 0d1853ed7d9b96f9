"""Detect an export whose votes store agree as -1, from comments.csv's own vote counts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MIN_SIGN_STATEMENTS",
    "MIN_SIGN_VOTES",
    "SignEvidence",
    "sign_evidence",
    "sign_evidence_from_counts",
]

MIN_SIGN_STATEMENTS = 3  # statements with votes needed before the check may refuse a file
MIN_SIGN_VOTES = 10  # agree + disagree votes needed likewise
_CLEAR_MARGIN = 0.5  # the flipped reading must have at most half the error of the export one


@dataclass(frozen=True)
class SignEvidence:
    """How well comments.csv's ``agrees`` fit the +1 and the -1 vote counts.

    Computed over the statements that have at least one vote. ``error_*`` is the mean
    absolute difference per statement, summed over ``agrees`` and ``disagrees`` (agrees vs
    +1 and disagrees vs -1 for the export reading; the other way round for the flipped one).
    """

    n_statements: int
    n_votes: int  # +1 and -1 votes counted
    r_plus: float  # correlation of agrees with the +1 counts (nan when undefined)
    r_minus: float  # correlation of agrees with the -1 counts
    error_export: float
    error_flipped: float

    @property
    def enough_signal(self) -> bool:
        """Whether there are enough votes for the check to mean anything."""
        return self.n_statements >= MIN_SIGN_STATEMENTS and self.n_votes >= MIN_SIGN_VOTES

    @property
    def looks_flipped(self) -> bool:
        """True when agrees fit the -1 votes clearly better than the +1 votes."""
        if not self.enough_signal:
            return False
        if self.error_flipped >= _CLEAR_MARGIN * self.error_export:
            return False
        return not (self.r_plus > self.r_minus)  # nan-safe: a nan r does not veto

    def describe(self) -> str:
        """One-line summary of the evidence, for messages."""
        return (
            f"r={_fmt(self.r_minus)}, mean |error| {self.error_flipped:.1f} for -1 vs "
            f"r={_fmt(self.r_plus)}, mean |error| {self.error_export:.1f} for +1, "
            f"over {self.n_statements} statements and {self.n_votes} agree/disagree votes"
        )


def _fmt(r: float) -> str:
    return "n/a" if math.isnan(r) else f"{r:.2f}"


def _corr(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def sign_evidence(
    statement_ids: NDArray[np.int64],
    agrees: NDArray[np.int64],
    disagrees: NDArray[np.int64],
    vote_statement_ids: NDArray[np.int64],
    vote_values: NDArray[np.int8],
) -> SignEvidence:
    """Compare comments.csv counts with the +1 and -1 counts of the votes as read.

    ``statement_ids`` is sorted and holds every id in ``vote_statement_ids``.
    """
    n = len(statement_ids)
    column = np.searchsorted(statement_ids, vote_statement_ids)
    plus = np.bincount(column[vote_values == 1], minlength=n).astype(np.float64)
    minus = np.bincount(column[vote_values == -1], minlength=n).astype(np.float64)
    voted = np.bincount(column, minlength=n) > 0
    return sign_evidence_from_counts(agrees, disagrees, plus, minus, voted)


def sign_evidence_from_counts(
    agrees: NDArray[np.int64],
    disagrees: NDArray[np.int64],
    plus: NDArray[np.float64],
    minus: NDArray[np.float64],
    voted: NDArray[np.bool_],
) -> SignEvidence:
    """``sign_evidence`` from the +1 and -1 vote counts per statement (and who has votes)."""
    a = agrees[voted].astype(np.float64)
    d = disagrees[voted].astype(np.float64)
    p, m = plus[voted], minus[voted]
    k = int(voted.sum())
    if k == 0:
        return SignEvidence(0, 0, math.nan, math.nan, 0.0, 0.0)
    return SignEvidence(
        n_statements=k,
        n_votes=int(p.sum() + m.sum()),
        r_plus=_corr(a, p),
        r_minus=_corr(a, m),
        error_export=float((np.abs(a - p) + np.abs(d - m)).mean()),
        error_flipped=float((np.abs(a - m) + np.abs(d - p)).mean()),
    )
