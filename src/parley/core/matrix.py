"""Vote events to a sparse participants x statements matrix; ids, last-vote-wins, moderation.

A cell that holds an explicit entry is a vote (agree +1, disagree -1, pass 0); a cell without
an entry was never voted on. Passes are therefore stored as explicit zeros, and nothing in
parley may call ``eliminate_zeros`` on a vote matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .types import IdArray

__all__ = ["VoteMatrix", "build_vote_matrix", "deduplicate_last_vote"]


@dataclass(frozen=True, eq=False)
class VoteMatrix:
    """Final votes as a CSR array with its row and column ids.

    Attributes
    ----------
    values : csr_array of shape (n_participants, n_statements), float32 in {-1, 0, 1};
        explicit entries are votes, missing entries were not voted on.
    participant_ids : ndarray of shape (n_participants,), sorted int64 ids of the rows.
    statement_ids : ndarray of shape (n_statements,), sorted int64 ids of the columns.
    """

    values: sp.csr_array
    participant_ids: IdArray
    statement_ids: IdArray

    @property
    def n_participants(self) -> int:
        """Number of rows."""
        return int(self.values.shape[0])

    @property
    def n_statements(self) -> int:
        """Number of columns."""
        return int(self.values.shape[1])

    @property
    def n_votes(self) -> int:
        """Number of final votes (explicit entries, passes included)."""
        return int(self.values.nnz)

    def votes_per_participant(self) -> NDArray[np.int64]:
        """Count of final votes in each row."""
        counts: NDArray[np.int64] = np.diff(self.values.indptr).astype(np.int64)
        return counts

    def row_of(self, participant_ids: ArrayLike) -> NDArray[np.int64]:
        """Map participant ids to row indices; -1 where the id is not in the matrix."""
        return _positions(self.participant_ids, participant_ids)

    def column_of(self, statement_ids: ArrayLike) -> NDArray[np.int64]:
        """Map statement ids to column indices; -1 where the id is not in the matrix."""
        return _positions(self.statement_ids, statement_ids)


def _positions(sorted_ids: IdArray, ids: ArrayLike) -> NDArray[np.int64]:
    query = np.asarray(ids, dtype=np.int64)
    pos = np.searchsorted(sorted_ids, query)
    pos = np.minimum(pos, max(len(sorted_ids) - 1, 0))
    found = (
        (len(sorted_ids) > 0) & (sorted_ids[pos] == query)
        if len(sorted_ids)
        else np.zeros(query.shape, dtype=bool)
    )
    return np.where(found, pos, -1).astype(np.int64)


def deduplicate_last_vote(
    participant_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    *,
    timestamps: ArrayLike | None = None,
) -> tuple[IdArray, IdArray, NDArray[np.int8]]:
    """Keep the last vote per (participant, statement): by timestamp, ties by input order.

    Returns the surviving triples sorted by (participant, statement).
    """
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    vals = np.asarray(votes)
    if not (pids.shape == sids.shape == vals.shape) or pids.ndim != 1:
        raise InputError(
            f"participant_ids, statement_ids and votes should be 1-d of one length, got "
            f"{pids.shape}, {sids.shape} and {vals.shape}"
        )
    if len(vals) and not np.isin(vals, (-1, 0, 1)).all():
        bad = int(np.flatnonzero(~np.isin(vals, (-1, 0, 1)))[0])
        raise InputError(f"vote {vals[bad]!r} at position {bad} should be -1, 0 or 1")
    vals = vals.astype(np.int8)
    if len(pids) == 0:
        return pids, sids, vals
    order: NDArray[np.intp]
    if timestamps is not None:
        ts = np.asarray(timestamps, dtype=np.int64)
        if ts.shape != pids.shape:
            raise InputError(f"timestamps should have shape {pids.shape}, got {ts.shape}")
        order = np.lexsort((ts, sids, pids))  # stable: ties keep input order
    else:
        order = np.lexsort((sids, pids))
    p, s = pids[order], sids[order]
    last = np.empty(len(p), dtype=bool)
    last[-1] = True
    np.not_equal(p[1:], p[:-1], out=last[:-1])
    last[:-1] |= s[1:] != s[:-1]
    keep = order[last]
    return pids[keep], sids[keep], vals[keep]


def build_vote_matrix(
    participant_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    *,
    timestamps: ArrayLike | None = None,
    all_statement_ids: ArrayLike | None = None,
) -> VoteMatrix:
    """Build the final-vote matrix from vote events (the last vote per pair wins).

    Parameters
    ----------
    participant_ids, statement_ids, votes : array-like of shape (n_events,)
        Vote events; votes in {-1, 0, 1} (agree = +1).
    timestamps : array-like of shape (n_events,), optional
        Event times; without them the input order decides which vote is last.
    all_statement_ids : array-like, optional
        Extra statement ids to keep as (empty) columns.

    Examples
    --------
    >>> m = build_vote_matrix([7, 7, 3], [1, 1, 2], [1, -1, 0])
    >>> m.values.toarray().tolist(), m.participant_ids.tolist()
    ([[0.0, 0.0], [-1.0, 0.0]], [3, 7])
    """
    pids, sids, vals = deduplicate_last_vote(
        participant_ids, statement_ids, votes, timestamps=timestamps
    )
    row_ids = np.unique(pids)
    col_ids = np.unique(sids)
    if all_statement_ids is not None:
        col_ids = np.union1d(col_ids, np.asarray(all_statement_ids, dtype=np.int64))
    rows = np.searchsorted(row_ids, pids).astype(np.int32)
    cols = np.searchsorted(col_ids, sids).astype(np.int32)
    # triples are sorted by (participant, statement), so CSR arrays can be built directly
    indptr = np.zeros(len(row_ids) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(row_ids)), out=indptr[1:])
    index_dtype = np.int32 if len(vals) < np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_array(
        (vals.astype(np.float32), cols.astype(index_dtype), indptr.astype(index_dtype)),
        shape=(len(row_ids), len(col_ids)),
    )
    return VoteMatrix(values=matrix, participant_ids=row_ids, statement_ids=col_ids)
