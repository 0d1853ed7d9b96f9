"""The analysis on a Dask cluster, for conversations too large for one machine's memory.

The votes are Parquet vote-log parts read by ``dask.dataframe``. Every part is split by
participant (``participant_id % n_blocks``) and each row block gathers its pieces in part
order, so the last vote per (participant, statement) is kept exactly as in-process (by
timestamp, ties by input order). A block is a CSR matrix over all statements that stays on
its worker; the client only ever holds per-statement sums, the statement x statement Gram
matrix (or a vector for each Lanczos step) and, per participant, the 2-D point and a few
counts. Clustering, repness and consensus then run the same ``parley.core`` code as the
in-process engine, on the gathered points and the summed vote counts.

Dask is optional (``pip install 'parley[dask]'``) and imported only here, only when asked.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from parley.core.matrix import MatrixOutline, VoteMatrix, build_vote_matrix
from parley.core.participants import first_voted_column, polis_row_order_from
from parley.core.pca import (
    PCAResult,
    centred_gram,
    centred_matvec,
    column_totals,
    fit_pca_from,
    means_from_totals,
    project_participants,
)
from parley.core.pipeline import Analysis, Params, assemble, zeroed_columns
from parley.core.stats import counts_from_tallies, vote_tallies
from parley.core.update import cluster_update
from parley.errors import ExportFormatError, InputError
from parley.io.parquet import parquet_parts, vote_columns

__all__ = ["DASK_MISSING", "analyse_on_dask", "dask_client"]

logger = logging.getLogger(__name__)

DASK_MISSING = (
    "the Dask engine needs the optional 'dask' extra: pip install 'parley[dask]' "
    "(dask[dataframe,distributed])"
)
_TARGET_BLOCK_VOTES = 10_000_000


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A distributed Client for ``address``; "local" starts a LocalCluster on this machine."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(DASK_MISSING) from None
    if address == "local":
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2, threads_per_worker=1, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
    else:
        try:
            client = Client(address, timeout=30)  # type: ignore[no-untyped-call]
        except OSError as error:
            raise InputError(f"cannot reach the Dask scheduler at {address} ({error})") from None
        with client:
            yield client


@dataclass(frozen=True)
class _Piece:
    """The vote events of one part that fall in one row block."""

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    values: NDArray[np.int8]
    timestamps: NDArray[np.int64] | None


def _piece_bytes(piece: _Piece) -> int:
    arrays = (piece.participant_ids, piece.statement_ids, piece.values, piece.timestamps)
    return sum(a.nbytes for a in arrays if a is not None)


def _block_bytes(block: VoteMatrix) -> int:
    csr = block.values
    arrays = (csr.data, csr.indices, csr.indptr, block.participant_ids, block.statement_ids)
    return int(sum(a.nbytes for a in arrays))


try:  # so that Dask's memory manager counts (and may spill) pieces and blocks at their size
    from dask.sizeof import sizeof as _sizeof
except ImportError:  # pragma: no cover - without the extra, dask_client says how to install it
    pass
else:
    _sizeof.register(_Piece)(_piece_bytes)  # type: ignore[no-untyped-call]
    _sizeof.register(VoteMatrix)(_block_bytes)  # type: ignore[no-untyped-call]


def _scan(frame: Any, names: dict[str, str]) -> tuple[int, NDArray[np.int64]]:
    """Count one part's votes that are not -1, 0 or 1, and list its statements."""
    raw = frame[names["vote"]].to_numpy()
    bad = int(np.count_nonzero((raw < -1) | (raw > 1)))
    return bad, np.unique(frame[names["statement_id"]].to_numpy(dtype=np.int64))


def _split(frame: Any, names: dict[str, str], n_blocks: int, first: int, stop: int) -> list[_Piece]:
    """One part's pieces for the row blocks ``first`` to ``stop - 1`` (``pid % n_blocks``)."""
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


def _block(statement_ids: NDArray[np.int64], *pieces: _Piece) -> VoteMatrix:
    """A row block from its pieces in part order: last vote per pair, all statements."""
    timed = all(p.timestamps is not None for p in pieces)
    return build_vote_matrix(
        np.concatenate([p.participant_ids for p in pieces]),
        np.concatenate([p.statement_ids for p in pieces]),
        np.concatenate([p.values for p in pieces]),
        timestamps=np.concatenate([p.timestamps for p in pieces if p.timestamps is not None])
        if timed
        else None,
        all_statement_ids=statement_ids,
    )


def _totals(block: VoteMatrix) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    return column_totals(block.values)


def _gram(block: VoteMatrix, center: NDArray[np.float64], zeroed: NDArray[np.bool_]) -> Any:
    return centred_gram(block.values, center, zeroed_columns=zeroed)


def _matvec(
    block: VoteMatrix,
    center: NDArray[np.float64],
    zeroed: NDArray[np.bool_],
    x: NDArray[np.float64],
) -> Any:
    return centred_matvec(block.values, center, x, zeroed_columns=zeroed)


def _rows(block: VoteMatrix, pca: PCAResult, zeroed: NDArray[np.bool_]) -> tuple[Any, ...]:
    """Per row of the block: participant id, final votes, first voted column, 2-D point."""
    return (
        block.participant_ids,
        block.votes_per_participant(),
        first_voted_column(block.values),
        project_participants(block.values, pca, zeroed_columns=zeroed),
    )


def _n_rows(block: VoteMatrix) -> int:
    return block.n_participants


def _tallies(block: VoteMatrix, slots: NDArray[np.int64], n_slots: int) -> Any:
    return vote_tallies(block.values, slots, n_slots)


def analyse_on_dask(
    client: Any,
    source: str | Path,
    *,
    moderated_out: ArrayLike | None = None,
    meta: ArrayLike | None = None,
    params: Params | None = None,
    n_blocks: int | None = None,
) -> Analysis:
    """Analyse a Parquet vote log (a file or a folder of parts) on the cluster of ``client``.

    The result equals the in-process ``analyze`` of the same votes (same groups, repness and
    consensus; floating-point sums may differ in the last bits). Its ``matrix`` is a
    ``MatrixOutline``: the votes stay on the workers.
    """
    import dask.dataframe as dd
    import pyarrow.parquet as pq
    from dask.delayed import delayed
    from dask.distributed import wait

    params = params or Params()
    files = parquet_parts(source)
    names = vote_columns(list(pq.ParquetFile(files[0]).schema_arrow.names), label=str(source))
    n_events = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if n_blocks is None:
        n_blocks = max(1, min(1024, -(-n_events // _TARGET_BLOCK_VOTES)))
    paths = [str(f) for f in files]
    scan = dd.read_parquet(paths, columns=[names["statement_id"], names["vote"]])
    scanned = client.gather(
        client.compute([delayed(_scan)(part, names) for part in scan.to_delayed()])
    )
    bad = sum(s[0] for s in scanned)
    if bad:
        raise ExportFormatError(f"{bad} votes are not -1, 0 or 1", path=str(source))
    statement_ids = np.unique(np.concatenate([s[1] for s in scanned]))
    del scanned
    statement_future = client.scatter(statement_ids, broadcast=True)
    parts = dd.read_parquet(paths, columns=list(names.values())).to_delayed()
    # blocks are built in waves of one per worker: each wave reads the parts again and keeps
    # only its blocks' rows, so a worker never holds more than one wave of split pieces
    per_wave = max(1, len(client.scheduler_info()["workers"]))
    blocks: list[Any] = []
    for first in range(0, n_blocks, per_wave):
        stop = min(n_blocks, first + per_wave)
        splits = client.compute(
            [delayed(_split)(part, names, n_blocks, first, stop) for part in parts]
        )
        wave = [
            client.submit(_block, statement_future, *client.map(_piece, splits, i=b - first))
            for b in range(first, stop)
        ]
        del splits
        wait(wave)  # type: ignore[no-untyped-call]
        blocks += wave
    outline0 = MatrixOutline(
        np.zeros(0, dtype=np.int64), statement_ids, np.zeros(0, dtype=np.int64)
    )
    zeroed, is_meta = zeroed_columns(outline0, moderated_out, meta)
    totals = client.gather(client.map(_totals, blocks))
    sums = np.sum([t[0] for t in totals], axis=0)
    counts = np.sum([t[1] for t in totals], axis=0)
    center = means_from_totals(sums, counts, zeroed_columns=zeroed)

    def gram() -> NDArray[np.float64]:
        parts_ = client.gather(client.map(_gram, blocks, center=center, zeroed=zeroed))
        return np.asarray(np.sum(parts_, axis=0), dtype=np.float64)

    def matvec(x: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        parts_ = client.gather(client.map(_matvec, blocks, center=center, zeroed=zeroed, x=x))
        return np.asarray(np.sum(parts_, axis=0), dtype=np.float64)

    rows_per_block = client.gather(client.map(_n_rows, blocks))
    pca = fit_pca_from(
        int(sum(rows_per_block)),
        center,
        gram=gram,
        matvec=matvec,
        n_components=params.n_components,
    )
    gathered = client.gather(client.map(_rows, blocks, pca=pca, zeroed=zeroed))
    pids = np.concatenate([g[0] for g in gathered])
    order = np.argsort(pids, kind="stable")
    outline = MatrixOutline(
        participant_ids=pids[order],
        statement_ids=statement_ids,
        row_counts=np.concatenate([g[1] for g in gathered])[order].astype(np.int64),
    )
    first_column = np.concatenate([g[2] for g in gathered])[order]
    coords = np.concatenate([g[3] for g in gathered])[order]
    row_order = polis_row_order_from(outline, first_column)
    done = cluster_update(outline, pca, coords, row_order, None, params, None)
    slots = np.where(done.labels >= 0, done.labels, done.k)
    block_slots = [slots[np.searchsorted(outline.participant_ids, g[0])] for g in gathered]
    tallies = client.gather(
        [
            client.submit(_tallies, block, s, done.k + 1)
            for block, s in zip(blocks, block_slots, strict=True)
        ]
    )
    sizes = np.bincount(done.labels[done.labels >= 0], minlength=done.k).astype(np.int64)
    vote_counts = counts_from_tallies(
        np.sum(tallies, axis=0), sizes, outline.n_participants, zeroed_columns=zeroed
    )
    logger.info("analysed %d vote events in %d row blocks on Dask", n_events, n_blocks)
    return assemble(outline, zeroed, is_meta, done, vote_counts, params)
