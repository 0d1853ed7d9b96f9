"""Replay a vote log in time order, updating the analysis as Polis's worker would.

Polis recomputes the math after each poll of new votes, warm-starting PCA and k-means and
smoothing k. Its groups therefore depend on the order in which votes arrived. ``replay``
rebuilds that history: it cuts the log into batches (every ``every_votes`` events, or every
``every_seconds`` of log time) and runs one warm update per batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from parley.errors import InputError

from .matrix import build_vote_matrix
from .pipeline import Analysis, AnalysisState, Params, analyze

__all__ = ["batch_boundaries", "replay"]


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
    on_update: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Replay a time-sorted vote log and return the analysis after the last batch.

    Moderation is applied as it stands at the end (exports do not say when it happened).
    ``on_update(done, total)`` is called after each batch, for progress bars.
    """
    pids = np.asarray(participant_ids, dtype=np.int64)
    sids = np.asarray(statement_ids, dtype=np.int64)
    vals = np.asarray(votes)
    ts = np.asarray(timestamps, dtype=np.int64)
    ends = batch_boundaries(ts, every_votes=every_votes, every_seconds=every_seconds)
    if not ends:
        raise InputError("the vote log is empty: nothing to replay")
    state: AnalysisState | None = None
    analysis: Analysis | None = None
    for i, end in enumerate(ends):
        matrix = build_vote_matrix(pids[:end], sids[:end], vals[:end], timestamps=ts[:end])
        analysis = analyze(
            matrix, moderated_out=moderated_out, meta=meta, params=params, state=state
        )
        state = analysis.state
        if on_update is not None:
            on_update(i + 1, len(ends))
    assert analysis is not None
    return analysis
