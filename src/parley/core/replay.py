"""Replay a vote log in time order, updating the analysis as Polis's worker would.

Polis recomputes the math after each poll of new votes, warm-starting PCA and k-means and
smoothing k. Its groups therefore depend on the order in which votes arrived. ``replay``
rebuilds that history: it cuts the log into batches (every ``every_votes`` events, or every
``every_seconds`` of log time) and runs one warm update per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .clustering import KSmoother
from .matrix import VoteMatrix, build_vote_matrix
from .participants import in_conv_history
from .pipeline import Analysis, AnalysisState, Params, advance, analyze
from .types import IntArray

__all__ = ["batch_boundaries", "last_vote_times", "replay", "restart_state"]


def batch_boundaries(
    timestamps: ArrayLike,
    *,
    every_votes: int | None = None,
    every_seconds: float | None = None,
) -> list[int]:
    """End offsets of the update batches over a time-sorted log (the last is ``n_events``)."""
    ts = np.asarray(timestamps, dtype=np.int64)
    n = len(ts)
    if every_votes is None and every_seconds is None:
        raise InputError("replay needs every_votes or every_seconds")
    if every_votes is not None and every_votes < 1:
        raise InputError(f"every_votes={every_votes} should be >= 1")
    if every_seconds is not None and every_seconds <= 0:
        raise InputError(f"every_seconds={every_seconds} should be > 0")
    if n and np.any(np.diff(ts) < 0):
        raise InputError("replay needs the vote log sorted by timestamp")
    ends: set[int] = {n} if n else set()
    if every_votes is not None:
        ends.update(range(every_votes, n, every_votes))
    if every_seconds is not None and n:
        window = np.int64(every_seconds * 1000)
        bucket = (ts - ts[0]) // max(window, 1)
        ends.update(int(i) for i in np.flatnonzero(np.diff(bucket) != 0) + 1)
    return sorted(ends)


class _GrowingMatrix:
    """The final-vote matrix of a growing prefix of a time-sorted log, kept incrementally.

    Every (participant, statement) cell of the whole log gets a slot once; each batch
    overwrites the slots its events touch (the last event of a batch wins, as in
    ``build_vote_matrix``), so a prefix matrix costs O(cells) instead of a sort of all the
    events so far.
    """

    def __init__(self, pids: NDArray[np.int64], sids: NDArray[np.int64], vals: NDArray[np.int8]):
        self.row_ids, rows = np.unique(pids, return_inverse=True)
        self.col_ids, cols = np.unique(sids, return_inverse=True)
        n_cols = max(len(self.col_ids), 1)
        cells, self.cell_of_event = np.unique(
            rows.astype(np.int64) * n_cols + cols, return_inverse=True
        )
        self.cell_row = cells // n_cols
        self.cell_col = cells % n_cols
        self.value = np.zeros(len(cells), dtype=np.float32)
        self.present = np.zeros(len(cells), dtype=bool)
        self.vals = vals
        self.done = 0

    def advance(self, end: int) -> VoteMatrix:
        """Take in the events up to ``end`` and return the matrix of final votes so far."""
        touched = self.cell_of_event[self.done : end][::-1]
        cells, last = np.unique(touched, return_index=True)
        self.value[cells] = self.vals[self.done : end][::-1][last]
        self.present[cells] = True
        self.done = end
        live = np.flatnonzero(self.present)
        rows, cols = self.cell_row[live], self.cell_col[live]
        row_used = np.zeros(len(self.row_ids), dtype=bool)
        row_used[rows] = True
        col_used = np.zeros(len(self.col_ids), dtype=bool)
        col_used[cols] = True
        new_row = np.cumsum(row_used) - 1
        new_col = (np.cumsum(col_used) - 1).astype(np.int32)
        n_rows, n_cols = int(row_used.sum()), int(col_used.sum())
        indptr = np.zeros(n_rows + 1, dtype=np.int32)
        np.cumsum(np.bincount(new_row[rows], minlength=n_rows), out=indptr[1:])
        values = sp.csr_array((self.value[live], new_col[cols], indptr), shape=(n_rows, n_cols))
        return VoteMatrix(
            values=values,
            participant_ids=self.row_ids[row_used],
            statement_ids=self.col_ids[col_used],
        )


def restart_state(state: AnalysisState) -> AnalysisState:
    """The part of ``state`` that Polis's math worker keeps across a restart.

    ``conv-man/restructure-json-conv`` reloads the PCA, the base clusters, in-conv and the
    chosen groups from ``math_main``, but not the clusterings for every k nor the k-smoother,
    and it rebuilds the vote matrix from the whole vote table, so the participant rows are
    reordered as on a cold load (``core.participants.polis_row_order`` without a previous
    order).
    """
    return replace(
        state,
        group_clusterings={},
        smoother=KSmoother(state.smoother.buffer),
        participant_order=np.zeros(0, dtype=np.int64),
    )


def _with_in_conv(
    state: AnalysisState | None, in_conv_ids: IntArray | None, params: Params
) -> AnalysisState | None:
    """``state`` with its in-conv set replaced by the one tracked poll by poll.

    Before the first update there is no state; a cold one (no components, no clusters, a
    fresh k-smoother) carries the set, which the pipeline then treats as the previous in-conv.
    """
    if in_conv_ids is None:
        return state
    if state is None:
        return AnalysisState(
            statement_ids=np.zeros(0, dtype=np.int64),
            components=np.zeros((params.n_components, 0)),
            in_conv_ids=in_conv_ids,
            base=None,
            smoother=KSmoother(params.group_k_buffer),
        )
    return replace(state, in_conv_ids=in_conv_ids)


def last_vote_times(
    statement_ids: ArrayLike, timestamps: ArrayLike, ids: ArrayLike
) -> NDArray[np.int64]:
    """Time of the last vote on each of ``ids`` in a vote log (0 when it has none).

    A rejected comment is no longer shown to voters, so its last vote is the earliest time
    the rejection can have taken effect: ``replay(..., moderation_times=...)``.
    """
    sids = np.asarray(statement_ids, dtype=np.int64)
    ts = np.asarray(timestamps, dtype=np.int64)
    wanted = np.asarray(ids, dtype=np.int64)
    names, index = np.unique(sids, return_inverse=True)
    if len(names) == 0:
        return np.zeros(len(wanted), dtype=np.int64)
    last = np.zeros(len(names), dtype=np.int64)
    np.maximum.at(last, index, ts)
    at = np.minimum(np.searchsorted(names, wanted), len(names) - 1)
    return np.where(names[at] == wanted, last[at], 0).astype(np.int64)


def replay(
    participant_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    timestamps: ArrayLike,
    *,
    every_votes: int | None = None,
    every_seconds: float | None = None,
    moderated_out: ArrayLike | None = None,
    meta: ArrayLike | None = None,
    params: Params | None = None,
    moderation_times: ArrayLike | None = None,
    restart_after_seconds: float | None = None,
    in_conv_poll_seconds: float | None = 1.0,
    on_update: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Replay a time-sorted vote log and return the analysis after the last batch.

    Moderation is applied as it stands at the end (exports do not say when it happened),
    unless ``moderation_times`` (ms, aligned with ``moderated_out``) says when each rejection
    took effect: a comment's column is then zeroed only in the updates whose last vote is at
    or after its time (``last_vote_times`` gives the earliest time consistent with a log, as
    rejected comments are no longer shown to voters). ``on_update(done, total)`` is called
    after each batch, for progress bars.

    ``restart_after_seconds`` models Polis's math worker being restarted while a
    conversation was quiet: before a batch that follows a gap of more than this much log
    time, the state is reduced to what Polis reloads from its database (``restart_state``)
    and one extra update runs, as ``conv-man/load-or-init`` and ``conv-actor`` do when the
    next vote arrives (the reload reads every vote, so that update already sees the batch).

    ``in_conv_poll_seconds`` is how often the in-conv rule runs (``in_conv_history``):
    Polis's worker updates after every poll of new votes (1 s), so while fewer than 15
    participants have 7 votes the early voters are topped up to 15 with the few votes they
    have and stay in-conv for good, however long the replay's own batches are. ``None``
    applies the rule only at the ends of the batches.
    """
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    vals = np.asarray(votes)
    ts = np.asarray(timestamps, dtype=np.int64)
    ends = batch_boundaries(ts, every_votes=every_votes, every_seconds=every_seconds)
    if not ends:
        raise InputError("the vote log is empty: nothing to replay")
    # validates the votes (and their shapes) once, as build_vote_matrix does
    build_vote_matrix(pids, sids, vals, timestamps=ts)
    growing = _GrowingMatrix(pids, sids, vals.astype(np.int8))
    state: AnalysisState | None = None
    analysis: Analysis | None = None
    gap = None if restart_after_seconds is None else int(restart_after_seconds * 1000)
    all_out = np.zeros(0, dtype=np.int64)
    if moderated_out is not None:
        all_out = np.asarray(moderated_out, dtype=np.int64).ravel()
    out_times = None
    if moderation_times is not None:
        out_times = np.asarray(moderation_times, dtype=np.int64).ravel()
        if out_times.shape != all_out.shape:
            raise InputError(
                f"moderation_times should have one time per moderated_out id "
                f"({len(all_out)}), got {len(out_times)}"
            )
    params = params or Params()
    tracked: list[IntArray | None] = [None] * len(ends)
    if in_conv_poll_seconds is not None:
        tracked = list(
            in_conv_history(
                pids,
                sids,
                ends,
                polls=batch_boundaries(ts, every_seconds=in_conv_poll_seconds),
                min_votes=params.min_votes_in_conv,
                greedy=params.greedy_in_conv,
            )
        )
    for i, end in enumerate(ends):
        matrix = growing.advance(end)
        if out_times is not None:
            moderated_out = all_out[out_times <= ts[end - 1]]
        start = ends[i - 1] if i else 0
        if gap is not None and state is not None and ts[start] - ts[start - 1] > gap:
            # the worker reloads the conversation, rebuilding its matrix from every vote in
            # the database (the new ones included), and updates once before the new batch
            state = advance(
                matrix,
                moderated_out=moderated_out,
                meta=meta,
                params=params,
                state=_with_in_conv(restart_state(state), tracked[i], params),
            )
        state = _with_in_conv(state, tracked[i], params)
        if i + 1 < len(ends):
            state = advance(
                matrix, moderated_out=moderated_out, meta=meta, params=params, state=state
            )
        else:
            analysis = analyze(
                matrix, moderated_out=moderated_out, meta=meta, params=params, state=state
            )
        if on_update is not None:
            on_update(i + 1, len(ends))
    assert analysis is not None
    return analysis
