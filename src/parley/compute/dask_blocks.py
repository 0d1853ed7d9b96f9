"""The row blocks of a Dask analysis: built in waves, kept on their workers' local disks.

Every Parquet part is split by participant (``participant_id % n_blocks``) and each row
block gathers its pieces in part order, so the last vote per (participant, statement) is
kept exactly as in-process (by timestamp, ties by input order). Blocks are built in waves of
one per worker thread: each wave reads the parts again and keeps only its blocks' rows, so a
worker holds one wave of pieces at a time. A built block is written to its worker's local
directory (votes as int8) and only a small handle stays in the cluster's memory; every pass
over the votes (column sums, Gram matrix or Lanczos steps, projection, tallies) runs on the
block's own worker and loads one block at a time. A worker's memory therefore does not grow
with the conversation: its disk does.

Dask is imported only inside the functions (it is an optional extra).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.errors import InputError

__all__ = ["BlockStore", "scan_part"]

#: how often a pass checks that the workers holding its blocks are still there
_WATCH_SECONDS = 5.0


@dataclass(frozen=True)
class _Piece:
    """The vote events of one part that fall in one row block."""

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    values: NDArray[np.int8]
    timestamps: NDArray[np.int64] | None


@dataclass(frozen=True)
class _Stored:
    """A row block written to its worker's local directory."""

    path: str
    n_rows: int
    #: each array's name, dtype and length, in file order (raw bytes, no header to parse)
    layout: tuple[tuple[str, str, int], ...]


def _piece_bytes(piece: _Piece) -> int:
    arrays = (piece.participant_ids, piece.statement_ids, piece.values, piece.timestamps)
    return sum(a.nbytes for a in arrays if a is not None)


try:  # so that Dask's memory manager counts pieces at their size
    from dask.sizeof import sizeof as _sizeof
except ImportError:  # pragma: no cover - without the extra, dask_client says how to install it
    pass
else:
    _sizeof.register(_Piece)(_piece_bytes)  # type: ignore[no-untyped-call]


def scan_part(frame: Any, names: dict[str, str]) -> tuple[int, NDArray[np.int64]]:
    """Count one part's votes that are not -1, 0 or 1, and list its statements."""
    raw = frame[names["vote"]].to_numpy()
    bad = int(np.count_nonzero((raw < -1) | (raw > 1)))
    return bad, np.unique(frame[names["statement_id"]].to_numpy(dtype=np.int64))


def _split(frame: Any, names: dict[str, str], n_blocks: int, first: int, stop: int) -> list[_Piece]:
    """One part's pieces for the row blocks ``first`` to ``stop - 1``."""
    pids = frame[names["participant_id"]].to_numpy(dtype=np.int64)
    block = pids % n_blocks
    taken = np.flatnonzero((block >= first) & (block < stop))
    pids, block = pids[taken], block[taken]
    sids = frame[names["statement_id"]].to_numpy(dtype=np.int64)[taken]
    values = frame[names["vote"]].to_numpy()[taken].astype(np.int8)
    ts = frame[names["timestamp"]].to_numpy(dtype=np.int64)[taken] if "timestamp" in names else None
    del frame, taken
    order = np.argsort(block, kind="stable")  # keeps the part's order within each block
    bounds = np.searchsorted(block[order], np.arange(first, stop + 1))
    pieces = []
    for i in range(stop - first):
        rows = order[bounds[i] : bounds[i + 1]]
        pieces.append(
            _Piece(pids[rows], sids[rows], values[rows], None if ts is None else ts[rows])
        )
    return pieces


def _piece(pieces: list[_Piece], i: int) -> _Piece:
    return pieces[i]


def _build(statement_ids: NDArray[np.int64], *pieces: _Piece) -> _Stored:
    """Build a row block from its pieces in part order and write it to the local directory."""
    from dask.distributed import get_worker

    timed = all(p.timestamps is not None for p in pieces)
    block = build_vote_matrix(
        np.concatenate([p.participant_ids for p in pieces]),
        np.concatenate([p.statement_ids for p in pieces]),
        np.concatenate([p.values for p in pieces]),
        timestamps=np.concatenate([p.timestamps for p in pieces if p.timestamps is not None])
        if timed
        else None,
        all_statement_ids=statement_ids,
    )
    del pieces
    folder = Path(get_worker().local_directory) / "parley-blocks"
    folder.mkdir(exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.bin"
    csr = block.values
    arrays = {
        "indptr": csr.indptr,
        "indices": csr.indices,
        "votes": csr.data.astype(np.int8),
        "participant_ids": block.participant_ids,
        "statement_ids": block.statement_ids,
    }
    # Raw bytes, not .npz: np.load parses each header with ast, and CPython 3.11's ast
    # is not safe in two threads at once (SystemError "recursion depth mismatch").
    with path.open("wb") as out:
        for array in arrays.values():
            np.ascontiguousarray(array).tofile(out)
    layout = tuple((name, a.dtype.str, len(a)) for name, a in arrays.items())
    return _Stored(str(path), block.n_participants, layout)


def _load(stored: _Stored) -> VoteMatrix:
    """Read a block written by ``_build`` (on the worker that wrote it)."""
    saved: dict[str, NDArray[Any]] = {}
    with open(stored.path, "rb") as source:
        for name, dtype, count in stored.layout:
            saved[name] = np.fromfile(source, dtype=np.dtype(dtype), count=count)
    statement_ids = saved["statement_ids"]
    values = sp.csr_array(
        (saved["votes"].astype(np.float32), saved["indices"], saved["indptr"]),
        shape=(stored.n_rows, len(statement_ids)),
    )
    return VoteMatrix(values, saved["participant_ids"], statement_ids)


def _on_block(function: Callable[..., Any], stored: _Stored, *args: Any, **kwargs: Any) -> Any:
    return function(_load(stored), *args, **kwargs)


def _remove(stored: _Stored) -> None:
    Path(stored.path).unlink(missing_ok=True)


class BlockStore:
    """The row blocks of one analysis on a cluster: where each is, and passes over them."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.handles: list[Any] = []
        self.workers: list[str] = []
        self.rows: list[int] = []

    def build(
        self,
        parts: Sequence[Any],
        names: dict[str, str],
        n_blocks: int,
        statement_ids: NDArray[np.int64],
    ) -> None:
        """Build the ``n_blocks`` row blocks from ``parts`` (delayed frames), in waves."""
        from dask.delayed import delayed

        client = self.client
        statement_future = client.scatter(statement_ids, broadcast=True)
        per_wave = max(1, sum(client.nthreads().values()))
        for first in range(0, n_blocks, per_wave):
            stop = min(n_blocks, first + per_wave)
            splits = client.compute(
                [delayed(_split)(part, names, n_blocks, first, stop) for part in parts]
            )
            wave = [
                client.submit(_build, statement_future, *client.map(_piece, splits, i=b - first))
                for b in range(first, stop)
            ]
            del splits
            self._wait(wave, None)
            stored = client.gather(wave)  # small handles; raises a block's error here
            who = client.who_has(wave)
            self.handles += wave
            self.workers += [next(iter(who[f.key])) for f in wave]
            self.rows += [s.n_rows for s in stored]

    def map(
        self, function: Callable[..., Any], *per_block: Sequence[Any], **kwargs: Any
    ) -> list[Any]:
        """Run ``function(block, *per_block[i], **kwargs)`` on each block's own worker."""
        futures = [
            self.client.submit(
                _on_block,
                function,
                handle,
                *(values[i] for values in per_block),
                workers=[worker],
                allow_other_workers=False,
                pure=False,
                **kwargs,
            )
            for i, (handle, worker) in enumerate(zip(self.handles, self.workers, strict=True))
        ]
        self._wait(futures, set(self.workers))
        return list(self.client.gather(futures))

    def close(self) -> None:
        """Delete the blocks' files (each on its worker)."""
        if not self.handles:
            return
        futures = [
            self.client.submit(_remove, h, workers=[w], allow_other_workers=False, pure=False)
            for h, w in zip(self.handles, self.workers, strict=True)
        ]
        with contextlib.suppress(InputError):  # a worker that left took its directory along
            self._wait(futures, set(self.workers))
        self.handles, self.workers, self.rows = [], [], []

    def _wait(self, futures: list[Any], needed: set[str] | None) -> None:
        """Wait for ``futures``; fail clearly if a worker holding blocks has left."""
        from dask.distributed import wait

        while True:
            try:
                wait(futures, timeout=_WATCH_SECONDS)  # type: ignore[no-untyped-call]
                return
            except TimeoutError:
                alive = set(self.client.nthreads())
                lost = sorted((needed or set()) - alive)
                if lost:
                    self.client.cancel(futures)
                    raise InputError(
                        f"the Dask worker(s) {', '.join(lost)} left during the analysis, "
                        "with the vote blocks on their disks: run the analysis again"
                    ) from None
