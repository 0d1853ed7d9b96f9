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
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from parley.core.matrix import MatrixOutline, VoteMatrix
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

from .dask_blocks import BlockStore, scan_part

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
                n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0"
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


def _tallies(block: VoteMatrix, slots: NDArray[np.int64], *, n_slots: int) -> Any:
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

    params = params or Params()
    files = parquet_parts(source)
    names = vote_columns(list(pq.ParquetFile(files[0]).schema_arrow.names), label=str(source))
    n_events = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if n_blocks is None:
        n_blocks = max(1, min(1024, -(-n_events // _TARGET_BLOCK_VOTES)))
    paths = [str(f) for f in files]
    scan = dd.read_parquet(paths, columns=[names["statement_id"], names["vote"]])
    scanned = client.gather(
        client.compute([delayed(scan_part)(part, names) for part in scan.to_delayed()])
    )
    bad = sum(s[0] for s in scanned)
    if bad:
        raise ExportFormatError(f"{bad} votes are not -1, 0 or 1", path=str(source))
    statement_ids = np.unique(np.concatenate([s[1] for s in scanned]))
    del scanned
    parts = dd.read_parquet(paths, columns=list(names.values())).to_delayed()
    blocks = BlockStore(client)
    try:
        blocks.build(parts, names, n_blocks, statement_ids)
        return _analyse_blocks(blocks, statement_ids, moderated_out, meta, params, n_events)
    finally:
        blocks.close()


def _analyse_blocks(
    blocks: BlockStore,
    statement_ids: NDArray[np.int64],
    moderated_out: ArrayLike | None,
    meta: ArrayLike | None,
    params: Params,
    n_events: int,
) -> Analysis:
    """The analysis once the row blocks are built: sums over blocks, then ``parley.core``."""
    outline0 = MatrixOutline(
        np.zeros(0, dtype=np.int64), statement_ids, np.zeros(0, dtype=np.int64)
    )
    zeroed, is_meta = zeroed_columns(outline0, moderated_out, meta)
    totals = blocks.map(_totals)
    sums = np.sum([t[0] for t in totals], axis=0)
    counts = np.sum([t[1] for t in totals], axis=0)
    center = means_from_totals(sums, counts, zeroed_columns=zeroed)

    def gram() -> NDArray[np.float64]:
        parts_ = blocks.map(_gram, center=center, zeroed=zeroed)
        return np.asarray(np.sum(parts_, axis=0), dtype=np.float64)

    def matvec(x: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.ascontiguousarray(x, dtype=np.float64).ravel()
        parts_ = blocks.map(_matvec, center=center, zeroed=zeroed, x=x)
        return np.asarray(np.sum(parts_, axis=0), dtype=np.float64)

    pca = fit_pca_from(
        int(sum(blocks.rows)),
        center,
        gram=gram,
        matvec=matvec,
        n_components=params.n_components,
    )
    gathered = blocks.map(_rows, pca=pca, zeroed=zeroed)
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
    tallies = blocks.map(_tallies, block_slots, n_slots=done.k + 1)
    sizes = np.bincount(done.labels[done.labels >= 0], minlength=done.k).astype(np.int64)
    vote_counts = counts_from_tallies(
        np.sum(tallies, axis=0), sizes, outline.n_participants, zeroed_columns=zeroed
    )
    logger.info("analysed %d vote events in %d row blocks on Dask", n_events, len(blocks.rows))
    return assemble(outline, zeroed, is_meta, done, vote_counts, params)
