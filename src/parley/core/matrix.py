"""Vote events to a sparse participants x statements matrix; ids, last-vote-wins, moderation.

A cell that holds an explicit entry is a vote (agree +1, disagree -1, pass 0); a cell without
an entry was never voted on. Passes are therefore stored as explicit zeros, and nothing in
parley may call ``eliminate_zeros`` on a vote matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .types import IdArray

__all__ = [
    "MatrixOutline",
    "VoteMatrix",
    "build_final_matrix",
    "build_vote_matrix",
    "deduplicate_last_vote",
    "dense_codes",
    "matrix_from_codes",
]


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


@dataclass(frozen=True, eq=False)
class MatrixOutline:
    """A vote matrix without its votes: row and column ids and the final votes per row.

    What an analysis keeps when the votes themselves stay in row blocks on other machines.
    """

    participant_ids: IdArray
    statement_ids: IdArray
    row_counts: NDArray[np.int64]

    @property
    def n_participants(self) -> int:
        """Number of rows."""
        return len(self.participant_ids)

    @property
    def n_statements(self) -> int:
        """Number of columns."""
        return len(self.statement_ids)

    @property
    def n_votes(self) -> int:
        """Number of final votes."""
        return int(self.row_counts.sum())

    def votes_per_participant(self) -> NDArray[np.int64]:
        """Count of final votes in each row."""
        return self.row_counts

    def row_of(self, participant_ids: ArrayLike) -> NDArray[np.int64]:
        """Map participant ids to row indices; -1 where the id is not in the matrix."""
        return _positions(self.participant_ids, participant_ids)


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


def _code_dtype(n_unique: int) -> type[np.signedinteger[Any]]:
    if n_unique <= np.iinfo(np.int16).max:
        return np.int16
    return np.int32 if n_unique <= np.iinfo(np.int32).max else np.int64


def dense_codes(ids: IdArray) -> tuple[IdArray, NDArray[np.signedinteger[Any]]]:
    """(sorted unique ids, code of each id), the codes in the smallest integer type that fits.

    O(n) when the ids are small non-negative integers (a lookup table), else ``np.unique``.
    """
    if len(ids) == 0:
        return ids.astype(np.int64), np.zeros(0, dtype=np.int16)
    low, high = int(ids.min()), int(ids.max())
    if low >= 0 and high < 4 * len(ids) + 1024:
        present = np.zeros(high + 1, dtype=bool)
        present[ids] = True
        unique = np.flatnonzero(present).astype(np.int64)
        rank = (np.cumsum(present) - 1).astype(_code_dtype(len(unique)))
        del present
        return unique, rank[ids]
    unique, codes = np.unique(ids, return_inverse=True)
    return unique.astype(np.int64), codes.astype(_code_dtype(len(unique))).ravel()


def _validate(pids: IdArray, sids: IdArray, vals: NDArray[np.generic]) -> NDArray[np.int8]:
    if not (pids.shape == sids.shape == vals.shape) or pids.ndim != 1:
        raise InputError(
            f"participant_ids, statement_ids and votes should be 1-d of one length, got "
            f"{pids.shape}, {sids.shape} and {vals.shape}"
        )
    if vals.dtype.kind not in "iub":
        numeric = vals.astype(np.float64)
        bad = ~np.isin(numeric, (-1.0, 0.0, 1.0))
    elif vals.dtype.kind == "b":
        bad = np.zeros(vals.shape, dtype=bool)
    else:
        bad = np.less(vals, -1) | np.greater(vals, 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"vote {vals[i]!r} at position {i} should be -1, 0 or 1")
    return vals.astype(np.int8, copy=False)


_CHUNK = 1 << 22


def _last_vote_order(
    row_codes: NDArray[np.integer],
    col_codes: NDArray[np.integer],
    n_cols: int,
    timestamps: ArrayLike | None,
) -> NDArray[np.intp]:
    """Indices of the surviving events (last per cell), in row-major cell order.

    The last event of a cell is the one with the latest timestamp, ties (and no timestamps)
    by input order. Events are sorted by (cell, input index) packed into one 64-bit key,
    built and scanned in chunks; timestamps are compared only within the few cells voted
    on more than once, so the log is never sorted by time.
    """
    n = len(row_codes)
    ts = None if timestamps is None else np.asarray(timestamps)
    if ts is not None and ts.shape != (n,):
        raise InputError(f"timestamps should have shape {(n,)}, got {ts.shape}")
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    idx_bits = max(1, (n - 1).bit_length())
    max_key = (int(row_codes.max()) + 1) * n_cols
    if max_key.bit_length() + idx_bits > 64:
        key = row_codes.astype(np.int64) * n_cols + col_codes
        order = np.lexsort((np.arange(n), key) if ts is None else (np.arange(n), ts, key))
        last = np.empty(n, dtype=bool)
        last[-1] = True
        np.not_equal(key[order][1:], key[order][:-1], out=last[:-1])
        return order[last].astype(np.intp)
    shift = np.uint64(idx_bits)
    packed = np.empty(n, dtype=np.uint64)
    for lo in range(0, n, _CHUNK):
        hi = min(lo + _CHUNK, n)
        cell = row_codes[lo:hi].astype(np.uint64) * np.uint64(n_cols)
        cell += col_codes[lo:hi].astype(np.uint64)
        packed[lo:hi] = (cell << shift) | np.arange(lo, hi, dtype=np.uint64)
    packed.sort()
    last = np.empty(n, dtype=bool)
    last[-1] = True
    for lo in range(0, n - 1, _CHUNK):
        hi = min(lo + _CHUNK, n - 1)
        np.not_equal(packed[lo + 1 : hi + 1] >> shift, packed[lo:hi] >> shift, out=last[lo:hi])
    kept = packed[last]
    kept &= np.uint64((1 << idx_bits) - 1)
    survivors: NDArray[np.intp] = kept.view(np.intp)
    if ts is not None:
        repeated = np.flatnonzero(~last)  # an event followed by another of the same cell
        if len(repeated):
            _latest_in_cells(packed, shift, last, repeated, survivors, ts)
    return survivors


def _latest_in_cells(
    packed: NDArray[np.uint64],
    shift: np.uint64,
    last: NDArray[np.bool_],
    repeated: NDArray[np.intp],
    survivors: NDArray[np.intp],
    ts: NDArray[np.generic],
) -> None:
    """In cells voted on more than once, make the latest event (ties: the last) survive."""
    mask = np.uint64((1 << int(shift)) - 1)
    positions = np.union1d(repeated, repeated + 1)  # every event of those cells, sorted
    cells = packed[positions] >> shift
    events = (packed[positions] & mask).astype(np.intp)
    order = np.lexsort((events, ts[events], cells))
    cells, events = cells[order], events[order]
    final = np.empty(len(cells), dtype=bool)
    final[-1] = True
    np.not_equal(cells[1:], cells[:-1], out=final[:-1])
    # a cell's survivor slot: its last event's position less the events before it that are
    # not the last of their cell (exactly the sorted ``repeated``)
    ends = positions[last[positions]]
    survivors[ends - np.searchsorted(repeated, ends)] = events[final]


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
    _, rows = dense_codes(pids)
    col_ids, cols = dense_codes(sids)
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
    row_ids, rows = dense_codes(pids)
    col_ids, cols = dense_codes(sids)
    if all_statement_ids is not None:
        extra = np.asarray(all_statement_ids, dtype=np.int64)
        if not np.isin(extra, col_ids).all():
            col_ids = np.union1d(col_ids, extra)
            cols = np.searchsorted(col_ids, sids).astype(_code_dtype(len(col_ids)))
    return matrix_from_codes(row_ids, rows, col_ids, cols, vals, timestamps=timestamps)


def matrix_from_codes(
    row_ids: IdArray,
    rows: NDArray[np.signedinteger[Any]],
    col_ids: IdArray,
    cols: NDArray[np.signedinteger[Any]],
    votes: NDArray[np.int8],
    *,
    timestamps: ArrayLike | None = None,
) -> VoteMatrix:
    """The final-vote matrix from events given as row and column codes (see ``dense_codes``).

    ``row_ids[rows[i]]`` and ``col_ids[cols[i]]`` are event i's participant and statement;
    the last vote per cell wins (by timestamp, ties by input order), as in
    ``build_vote_matrix``, which calls this after validating and coding its input.
    """
    keep = _last_vote_order(rows, cols, max(len(col_ids), 1), timestamps)
    index_dtype = np.int32 if len(keep) < np.iinfo(np.int32).max else np.int64
    counts = np.zeros(len(row_ids), dtype=np.int64)
    for lo in range(0, len(keep), _CHUNK):
        counts += np.bincount(rows[keep[lo : lo + _CHUNK]], minlength=len(row_ids))
    indptr = np.zeros(len(row_ids) + 1, dtype=index_dtype)
    np.cumsum(counts, out=indptr[1:])
    indices = cols[keep].astype(index_dtype, copy=False)
    data = votes[keep].astype(np.float32)
    del keep
    matrix = sp.csr_array((data, indices, indptr), shape=(len(row_ids), len(col_ids)))
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
    row_ids, rows = dense_codes(pids)
    col_ids, cols = dense_codes(sids)
    index_dtype = np.int32 if len(pids) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(len(row_ids) + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=len(row_ids)), out=indptr[1:])
    matrix = sp.csr_array(
        (vals.astype(np.float32), cols.astype(index_dtype), indptr),
        shape=(len(row_ids), len(col_ids)),
    )
    return VoteMatrix(values=matrix, participant_ids=row_ids, statement_ids=col_ids)
