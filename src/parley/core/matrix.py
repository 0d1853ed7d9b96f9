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

__all__ = ["VoteMatrix", "build_final_matrix", "build_vote_matrix", "deduplicate_last_vote"]


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


def _dense_codes(ids: IdArray) -> tuple[IdArray, NDArray[np.int64]]:
    """Return (sorted unique ids, code of each id): O(n) when ids are small non-negative ints."""
    if len(ids) == 0:
        return ids, ids.copy()
    low, high = int(ids.min()), int(ids.max())
    if low >= 0 and high < 4 * len(ids) + 1024:
        present = np.zeros(high + 1, dtype=bool)
        present[ids] = True
        unique = np.flatnonzero(present).astype(np.int64)
        rank = np.cumsum(present, dtype=np.int64) - 1
        return unique, rank[ids]
    unique, codes = np.unique(ids, return_inverse=True)
    return unique.astype(np.int64), codes.astype(np.int64).ravel()


def _validate(pids: IdArray, sids: IdArray, vals: NDArray[np.generic]) -> NDArray[np.int8]:
    if not (pids.shape == sids.shape == vals.shape) or pids.ndim != 1:
        raise InputError(
            f"participant_ids, statement_ids and votes should be 1-d of one length, got "
            f"{pids.shape}, {sids.shape} and {vals.shape}"
        )
    if vals.dtype.kind not in "iub":
        numeric = vals.astype(np.float64)
        bad = ~np.isin(numeric, (-1.0, 0.0, 1.0))
    else:
        as_int = vals.astype(np.int64)
        bad = (as_int < -1) | (as_int > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"vote {vals[i]!r} at position {i} should be -1, 0 or 1")
    return vals.astype(np.int8)


def _last_vote_order(
    row_codes: NDArray[np.int64],
    col_codes: NDArray[np.int64],
    n_cols: int,
    timestamps: ArrayLike | None,
) -> NDArray[np.intp]:
    """Indices of the surviving events (last per cell), in row-major cell order."""
    key = row_codes * n_cols + col_codes
    n = len(key)
    by_time: NDArray[np.intp] | None = None
    if timestamps is not None:
        ts = np.asarray(timestamps, dtype=np.int64)
        if ts.shape != key.shape:
            raise InputError(f"timestamps should have shape {key.shape}, got {ts.shape}")
        if n > 1 and bool(np.any(ts[1:] < ts[:-1])):
            by_time = np.argsort(ts, kind="stable")
            key = key[by_time]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    idx_bits = max(1, (n - 1).bit_length())
    key_bits = max(1, int(key.max()).bit_length())
    if key_bits + idx_bits <= 63:
        # pack (cell, event index) into one integer: a plain sort of values is much faster
        # than a stable argsort, and within a cell the events stay in input order
        packed = (key.astype(np.uint64) << np.uint64(idx_bits)) | np.arange(n, dtype=np.uint64)
        packed.sort()
        cells = packed >> np.uint64(idx_bits)
        events = (packed & np.uint64((1 << idx_bits) - 1)).astype(np.intp)
    else:
        order = np.argsort(key, kind="stable")
        cells, events = key[order].astype(np.uint64), order
    last = np.empty(n, dtype=bool)
    last[-1] = True
    np.not_equal(cells[1:], cells[:-1], out=last[:-1])
    survivors = events[last]
    return by_time[survivors] if by_time is not None else survivors


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
    vals = _validate(pids, sids, np.asarray(votes))
    _, rows = _dense_codes(pids)
    col_ids, cols = _dense_codes(sids)
    keep = _last_vote_order(rows, cols, max(len(col_ids), 1), timestamps)
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
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    vals = _validate(pids, sids, np.asarray(votes))
    row_ids, rows = _dense_codes(pids)
    col_ids, cols = _dense_codes(sids)
    if all_statement_ids is not None:
        extra = np.asarray(all_statement_ids, dtype=np.int64)
        if not np.isin(extra, col_ids).all():
            col_ids = np.union1d(col_ids, extra)
            cols = np.searchsorted(col_ids, sids).astype(np.int64)
    keep = _last_vote_order(rows, cols, max(len(col_ids), 1), timestamps)
    kept_rows = rows[keep]
    index_dtype = np.int32 if len(keep) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(row_ids) + 1, dtype=index_dtype)
    np.cumsum(np.bincount(kept_rows, minlength=len(row_ids)), out=indptr[1:])
    matrix = sp.csr_array(
        (vals[keep].astype(np.float32), cols[keep].astype(index_dtype), indptr),
        shape=(len(row_ids), len(col_ids)),
    )
    return VoteMatrix(values=matrix, participant_ids=row_ids, statement_ids=col_ids)


def build_final_matrix(
    participant_ids: ArrayLike, statement_ids: ArrayLike, votes: ArrayLike
) -> VoteMatrix:
    """Build the matrix from final votes: one per pair, sorted by participant, then statement.

    The same matrix as ``build_vote_matrix`` gives, in O(n) without its last-vote search; the
    analysis worker keeps votes in this order between updates (``services.vote_cache``).

    Examples
    --------
    >>> build_final_matrix([3, 7, 7], [2, 1, 2], [0, 1, -1]).values.toarray().tolist()
    [[0.0, 0.0], [1.0, -1.0]]
    """
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    vals = _validate(pids, sids, np.asarray(votes))
    if len(pids) > 1:
        step_p, step_s = np.diff(pids), np.diff(sids)
        if ((step_p < 0) | ((step_p == 0) & (step_s <= 0))).any():
            raise InputError("final votes should be unique pairs sorted by participant, statement")
    row_ids, rows = _dense_codes(pids)
    col_ids, cols = _dense_codes(sids)
    index_dtype = np.int32 if len(pids) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(row_ids) + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=len(row_ids)), out=indptr[1:])
    matrix = sp.csr_array(
        (vals.astype(np.float32), cols.astype(index_dtype), indptr),
        shape=(len(row_ids), len(col_ids)),
    )
    return VoteMatrix(values=matrix, participant_ids=row_ids, statement_ids=col_ids)
