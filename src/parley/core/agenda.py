"""The joint agenda across formats: counts per format, common ground, kinds and item ranks.

A *format* is one way a process deliberates (an online Polis, a citizens' panel, a school
workshop); every participant belongs to at most one. For each statement and format the
agree, disagree and pass counts are taken, and the common-ground score is group-informed
consensus over the formats (Polis conversation.clj ``group-aware-consensus``) normalised by
the number of formats::

    common_ground = (prod_f (A_f + 1) / (S_f + 2)) ** (1 / n_formats)

A format therefore counts the same whatever its size, and the score does not shrink as
formats are added (a weakness of GAC noted in polis-math.md 2.4). A pass still counts as a
vote that is not an agree, as in Polis: a statement most people pass on is not common
ground. Against GAC's low-engagement bias a statement ranks only once every format has cast
at least ``min_votes`` votes on it; before that its score is NaN.

Kinds: "one-sided" when fewer than two formats reached ``min_votes`` (share it with the
others; with a single format, when it has not), "common" when in every format that reached
``min_votes`` the smoothed agree share ``(A_f + 1) / (S_f + 2)`` exceeds 1/2, else
"contested". A contested statement that every such format rejects (smoothed disagree share
above 1/2) is flagged ``rejected``: the formats agree to drop it rather than split on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .stats import count_votes
from .types import Float64Array, IntArray

__all__ = ["COMMON", "CONTESTED", "KIND_NAMES", "ONE_SIDED", "Agenda", "build_agenda"]

COMMON: Final = 0
CONTESTED: Final = 1
ONE_SIDED: Final = 2
KIND_NAMES: Final = ("common", "contested", "one-sided")
"""Names of the kind codes, indexed by code."""


@dataclass(frozen=True, eq=False)
class Agenda:
    """The joint agenda: per-format counts, scores and kinds per statement, items ranked.

    Attributes
    ----------
    agree, disagree, passes : ndarray of shape (n_formats, n_statements), int64
    common_ground : ndarray of shape (n_statements,)
        Normalised group-informed consensus over the formats; NaN until every format has
        ``min_votes`` votes on the statement.
    bridging : ndarray of shape (n_statements,)
        Bridging score passed in (a ``BridgingModel`` statement intercept); NaN if none.
    kinds : ndarray of shape (n_statements,), int8 codes into ``KIND_NAMES``
    covered : ndarray of shape (n_formats, n_statements), bool
        Formats that cast at least ``min_votes`` votes on the statement.
    rejected : ndarray of shape (n_statements,), bool
        Contested statements that every covered format rejects (smoothed disagree share
        above 1/2 in each): the formats do not split on them, they agree to drop them.
    items : ndarray of shape (n_statements,), int64 item id of each statement
    item_ids : ndarray of shape (n_items,), int64, best item first
    item_scores : ndarray of shape (n_items,)
        Best common-ground score among the item's statements (NaN when none ranks), in
        ``item_ids`` order.
    """

    agree: IntArray
    disagree: IntArray
    passes: IntArray
    common_ground: Float64Array
    bridging: Float64Array
    kinds: NDArray[np.int8]
    covered: NDArray[np.bool_]
    rejected: NDArray[np.bool_]
    items: IntArray
    item_ids: IntArray
    item_scores: Float64Array

    @property
    def n_formats(self) -> int:
        """Number of formats."""
        return int(self.agree.shape[0])

    def statements_of(self, item_id: int) -> IntArray:
        """Column indices of an item's statements: common, contested, one-sided; best first."""
        members = np.flatnonzero(self.items == item_id)
        score = np.nan_to_num(self.common_ground[members], nan=-1.0)
        bridge = np.nan_to_num(self.bridging[members], nan=-np.inf)
        seen = (self.agree + self.disagree + self.passes)[:, members].sum(axis=0)
        order = np.lexsort((members, -seen, -bridge, -score, self.kinds[members]))
        result: IntArray = members[order].astype(np.int64)
        return result

    def share_with(self, statement: int) -> IntArray:
        """Formats that have not yet cast ``min_votes`` votes on a statement (column index)."""
        result: IntArray = np.flatnonzero(~self.covered[:, statement]).astype(np.int64)
        return result


def build_agenda(
    votes: sp.csr_array | sp.csr_matrix,
    participant_formats: ArrayLike,
    *,
    n_formats: int | None = None,
    items: ArrayLike | None = None,
    min_votes: int = 5,
    bridging: ArrayLike | None = None,
) -> Agenda:
    """Compute the joint agenda across formats.

    Parameters
    ----------
    votes : csr_array of shape (n_participants, n_statements)
        Explicit entries are votes in {-1, 0, 1} (agree +1, pass 0).
    participant_formats : array-like of shape (n_participants,), int
        Format code 0..n_formats-1 of each row; -1 for a participant without a format, who
        is left out of the counts.
    n_formats : int, optional
        Number of formats; defaults to ``max(participant_formats) + 1``. Must be >= 1.
    items : array-like of shape (n_statements,), int, optional
        Agenda item of each statement (e.g. topic ids); by default each statement is its
        own item, with the item id equal to its column index.
    min_votes : int, default 5
        Votes a format must cast on a statement before it counts for the kind and before
        the statement can rank.
    bridging : array-like of shape (n_statements,), optional
        A bridging score per statement, used to break ties and reported as is.

    Returns
    -------
    Agenda

    Examples
    --------
    >>> votes = sp.csr_array(np.array([[1.0, 1], [1, -1], [1, 1], [1, -1]]))
    >>> agenda = build_agenda(votes, [0, 0, 1, 1], min_votes=2)
    >>> [KIND_NAMES[k] for k in agenda.kinds], agenda.item_ids.tolist()
    (['common', 'contested'], [0, 1])
    """
    matrix, formats, n_f, item_of, bridge = _validate(
        votes, participant_formats, n_formats, items, min_votes, bridging
    )
    counts = count_votes(matrix, formats, n_f)
    seen = counts.seen
    covered = seen >= min_votes
    share = (counts.agree + 1.0) / (seen + 2.0)
    common_ground = np.exp(np.log(share).mean(axis=0))
    common_ground[~covered.all(axis=0)] = np.nan
    n_covered = covered.sum(axis=0)
    agrees = np.where(covered, share > 0.5, True).all(axis=0)
    kinds = np.where(n_covered < min(2, n_f), ONE_SIDED, np.where(agrees, COMMON, CONTESTED))
    against = (counts.disagree + 1.0) / (seen + 2.0)
    rejected = (kinds == CONTESTED) & np.where(covered, against > 0.5, True).all(axis=0)
    item_ids, item_codes = np.unique(item_of, return_inverse=True)
    best = np.full(len(item_ids), -np.inf)
    np.maximum.at(best, item_codes, np.nan_to_num(common_ground, nan=-np.inf))
    n_common = np.bincount(item_codes, weights=kinds == COMMON, minlength=len(item_ids))
    order = np.lexsort((item_ids, -n_common, -best))
    scores = best[order]
    return Agenda(
        agree=counts.agree,
        disagree=counts.disagree,
        passes=counts.passes,
        common_ground=common_ground,
        bridging=bridge,
        kinds=kinds.astype(np.int8),
        covered=covered,
        rejected=rejected,
        items=item_of,
        item_ids=item_ids[order].astype(np.int64),
        item_scores=np.where(np.isfinite(scores), scores, np.nan),
    )


def _validate(
    votes: object,
    participant_formats: ArrayLike,
    n_formats: int | None,
    items: ArrayLike | None,
    min_votes: int,
    bridging: ArrayLike | None,
) -> tuple[sp.csr_array, IntArray, int, IntArray, Float64Array]:
    """Check the inputs of ``build_agenda`` and return them in canonical form."""
    if not sp.issparse(votes):
        raise InputError(f"votes should be a scipy.sparse matrix, got {type(votes).__name__}")
    matrix = sp.csr_array(votes)
    n_rows, n_cols = matrix.shape
    formats = np.asarray(participant_formats)
    if formats.shape != (n_rows,) or formats.dtype.kind not in "iu":
        raise InputError(
            f"participant_formats should be integers of shape ({n_rows},), got "
            f"{formats.dtype} of shape {formats.shape}"
        )
    formats = formats.astype(np.int64)
    highest = int(formats.max()) if n_rows else -1
    n_f = highest + 1 if n_formats is None else int(n_formats)
    if n_f < 1:
        raise InputError(f"n_formats={n_f} should be >= 1 (no participant has a format)")
    if n_rows and (int(formats.min()) < -1 or highest >= n_f):
        raise InputError(f"participant_formats should be in -1..{n_f - 1}")
    if isinstance(min_votes, bool) or not isinstance(min_votes, int | np.integer) or min_votes < 1:
        raise InputError(f"min_votes={min_votes!r} should be an integer >= 1")
    if items is None:
        item_of = np.arange(n_cols, dtype=np.int64)
    else:
        item_arr = np.asarray(items)
        if item_arr.shape != (n_cols,) or item_arr.dtype.kind not in "iu":
            raise InputError(
                f"items should be integers of shape ({n_cols},), got {item_arr.dtype} of "
                f"shape {item_arr.shape}"
            )
        item_of = item_arr.astype(np.int64)
    if bridging is None:
        bridge = np.full(n_cols, np.nan)
    else:
        bridge = np.asarray(bridging, dtype=np.float64)
        if bridge.shape != (n_cols,):
            raise InputError(f"bridging should have shape ({n_cols},), got {bridge.shape}")
    return matrix, formats, n_f, item_of, bridge
