"""Near-duplicate statements across languages, and telling opposites apart by their votes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeAlias

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from parley.errors import InputError
from parley.text.embeddings import Vectors, normalise_rows

__all__ = [
    "MIN_PER_LANGUAGE",
    "Match",
    "OppositeTest",
    "Verdict",
    "centre_by_language",
    "match_statements",
    "near_duplicates",
    "tell_opposites",
]

BLOCK_ROWS = 1024
"""Rows of the similarity matrix ``near_duplicates`` scores at a time."""

MIN_PER_LANGUAGE = 3
"""A language with fewer statements than this is centred on the mean of all statements."""

Verdict: TypeAlias = Literal["duplicate", "opposite", "unknown"]


class Match(NamedTuple):
    """Statement ``a`` of one list, its equivalent ``b`` in the other (or None), the cosine."""

    a: int
    b: int | None
    score: float


def _check_vectors(vectors: NDArray[Any], languages: Sequence[str], name: str) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise InputError(f"{name} should have shape (n_statements, dim), not {array.shape}")
    if len(languages) != array.shape[0]:
        raise InputError(
            f"{name} has {array.shape[0]} rows but its languages has {len(languages)} entries"
        )
    return array


def centre_by_language(
    vectors: NDArray[Any], languages: Sequence[str], *, min_per_language: int = MIN_PER_LANGUAGE
) -> Vectors:
    """Subtract each language's mean vector from its rows, then renormalise the rows.

    Multilingual models put every language in its own region of the space; removing that
    offset makes one cosine threshold work across languages (shared/docs/recipes.md).
    Languages with fewer than ``min_per_language`` rows use the mean over all rows.
    """
    array = _check_vectors(vectors, languages, "vectors")
    if array.shape[0] == 0:
        return array.copy()
    tags = np.asarray(list(languages), dtype=object)
    overall = array.mean(axis=0)
    centred = array - overall
    for tag in set(tags.tolist()):
        rows = tags == tag
        if int(rows.sum()) >= min_per_language:
            centred[rows] = array[rows] - array[rows].mean(axis=0)
    return normalise_rows(centred)


def _similarities(
    a_vectors: NDArray[Any],
    a_languages: Sequence[str],
    b_vectors: NDArray[Any],
    b_languages: Sequence[str],
) -> NDArray[np.float32]:
    a = _check_vectors(a_vectors, a_languages, "a_vectors")
    b = _check_vectors(b_vectors, b_languages, "b_vectors")
    if a.shape[1] != b.shape[1]:
        raise InputError(f"a_vectors has dim {a.shape[1]} but b_vectors has dim {b.shape[1]}")
    centred = centre_by_language(np.vstack([a, b]), [*a_languages, *b_languages])
    result: NDArray[np.float32] = centred[: len(a)] @ centred[len(a) :].T
    return result


def match_statements(
    a_vectors: NDArray[Any],
    a_languages: Sequence[str],
    b_vectors: NDArray[Any],
    b_languages: Sequence[str],
    *,
    threshold: float,
) -> list[Match]:
    """Pair each statement of list a with its equivalent in list b, one to one, or with None.

    Both lists are centred per language together, the pairs maximise the summed cosine
    (Hungarian assignment), and a pair below ``threshold`` becomes ``(i, None, best cosine)``.
    A match is a suggestion: opposite claims look alike too (see ``tell_opposites``).
    """
    if not -1.0 <= threshold <= 1.0:
        raise InputError(f"threshold={threshold} should be in [-1, 1]")
    scores = _similarities(a_vectors, a_languages, b_vectors, b_languages)
    n_a, n_b = scores.shape
    if n_b == 0:
        return [Match(i, None, float("nan")) for i in range(n_a)]
    rows, cols = linear_sum_assignment(-scores.astype(np.float64))
    partner: dict[int, int] = {int(i): int(j) for i, j in zip(rows, cols, strict=True)}
    matches: list[Match] = []
    for i in range(n_a):
        j = partner.get(i)
        if j is not None and scores[i, j] >= threshold:
            matches.append(Match(i, j, float(scores[i, j])))
        else:
            matches.append(Match(i, None, float(scores[i].max())))
    return matches


def near_duplicates(
    vectors: NDArray[Any], languages: Sequence[str], *, threshold: float
) -> list[Match]:
    """List the pairs ``(i, j, cosine)`` with i < j of one list at or above ``threshold``."""
    if not -1.0 <= threshold <= 1.0:
        raise InputError(f"threshold={threshold} should be in [-1, 1]")
    centred = centre_by_language(vectors, languages)
    pairs: list[Match] = []
    for start in range(0, centred.shape[0], BLOCK_ROWS):  # memory stays O(block x n)
        block = centred[start : start + BLOCK_ROWS] @ centred[start:].T
        rows, cols = np.nonzero(np.triu(block >= threshold, k=1))
        pairs += [
            Match(int(i) + start, int(j) + start, float(block[i, j]))
            for i, j in zip(rows, cols, strict=True)
        ]
    return sorted(pairs, key=lambda match: (-match.score, match.a, match.b))


@dataclass(frozen=True)
class OppositeTest:
    """How the people who voted on both statements voted: the verdict and its counts."""

    verdict: Verdict
    n_co_voters: int
    n_same: int
    n_opposed: int

    @property
    def share_opposed(self) -> float:
        """Share of opposed among the co-voters who agreed with at least one statement."""
        decided = self.n_same + self.n_opposed
        return self.n_opposed / decided if decided else float("nan")


def _as_votes(votes: NDArray[Any] | sp.sparray | sp.spmatrix, name: str) -> NDArray[np.float64]:
    """Turn a vote vector into dense floats with NaN where nobody voted."""
    if sp.issparse(votes):
        coo = sp.coo_array(votes)
        if coo.ndim == 2 and 1 not in coo.shape:
            raise InputError(f"{name} should be one column of votes, not shape {coo.shape}")
        dense = np.full(int(np.prod(coo.shape)), np.nan)
        flat = np.ravel_multi_index(coo.coords, coo.shape) if coo.ndim == 2 else coo.coords[0]
        dense[flat] = coo.data
        return dense
    array = np.asarray(votes, dtype=np.float64)
    if array.ndim != 1:
        raise InputError(f"{name} should be a 1-d vote vector, not shape {array.shape}")
    return array


def tell_opposites(
    votes_a: NDArray[Any] | sp.sparray | sp.spmatrix,
    votes_b: NDArray[Any] | sp.sparray | sp.spmatrix,
    *,
    min_co_voters: int = 8,
    max_share_for_duplicate: float = 0.3,
    min_share_for_opposite: float = 0.7,
) -> OppositeTest:
    """Tell whether two similar statements say the same or the opposite, from their votes.

    ``votes_a`` and ``votes_b`` hold the votes (+1 agree, -1 disagree, 0 pass) of the same
    participants: sparse vectors whose explicit entries are votes, or dense ones with NaN
    where a participant did not vote. Among co-voters who agreed with at least one of the
    two, "opposed" agreed with one and disagreed with the other, "same" agreed with both.
    """
    a = _as_votes(votes_a, "votes_a")
    b = _as_votes(votes_b, "votes_b")
    if a.shape != b.shape:
        raise InputError(f"votes_a has {a.size} participants but votes_b has {b.size}")
    if min_co_voters < 1:
        raise InputError(f"min_co_voters={min_co_voters} should be >= 1")
    if not 0.0 <= max_share_for_duplicate < min_share_for_opposite <= 1.0:
        raise InputError(
            f"max_share_for_duplicate={max_share_for_duplicate} should be < "
            f"min_share_for_opposite={min_share_for_opposite}, both in [0, 1]"
        )
    both = ~np.isnan(a) & ~np.isnan(b)
    n_co_voters = int(both.sum())
    n_same = int(np.sum(both & (a > 0) & (b > 0)))
    n_opposed = int(np.sum(both & (((a > 0) & (b < 0)) | ((a < 0) & (b > 0)))))
    verdict: Verdict = "unknown"
    if n_co_voters >= min_co_voters and n_same + n_opposed > 0:
        share = n_opposed / (n_same + n_opposed)
        if share >= min_share_for_opposite:
            verdict = "opposite"
        elif share <= max_share_for_duplicate:
            verdict = "duplicate"
    return OppositeTest(verdict, n_co_voters, n_same, n_opposed)
