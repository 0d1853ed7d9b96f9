"""Row blocks of a Dask analysis live on their workers' disks, and a lost worker is named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.compute.test_dask_engine import conversation
from tests.support.dask_cluster import local_client

from parley.errors import InputError

pytestmark = [pytest.mark.dask, pytest.mark.filterwarnings("ignore:The inplace keyword")]


@pytest.fixture
def client() -> Iterator[Any]:
    with local_client() as c:
        yield c


def _built(client: Any, tmp_path: Path, n_blocks: int) -> Any:
    import dask.dataframe as dd

    from parley.compute.dask_blocks import BlockStore

    source = conversation(
        tmp_path / "log", n_participants=200, n_statements=30, seed=3, polis_names=False
    )
    names = {k: k for k in ("participant_id", "statement_id", "vote", "timestamp")}
    paths = sorted(str(p) for p in source.iterdir())
    statement_ids = np.unique(dd.read_parquet(paths)["statement_id"].compute().to_numpy())
    store = BlockStore(client)
    store.build(dd.read_parquet(paths).to_delayed(), names, n_blocks, statement_ids)
    return store


def _n_votes(block: Any) -> int:
    return int(block.n_votes)


def test_blocks_are_files_on_their_workers_and_are_removed(client: Any, tmp_path: Path) -> None:
    store = _built(client, tmp_path, n_blocks=5)
    handles = client.gather(store.handles)
    assert len(handles) == 5 and len(store.rows) == 5
    assert sum(store.rows) == 200  # every participant in exactly one block
    assert all(Path(h.path).is_file() for h in handles)
    assert {Path(h.path).parent.parent for h in handles} <= {
        Path(w.local_directory) for w in client.cluster.workers.values()
    }
    assert set(store.workers) == set(client.nthreads())  # both workers hold blocks
    votes = store.map(_n_votes)
    assert sum(votes) > 0 and all(v > 0 for v in votes)
    store.close()
    assert not any(Path(h.path).exists() for h in handles)


def test_a_worker_that_leaves_is_named(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parley.compute import dask_blocks

    monkeypatch.setattr(dask_blocks, "_WATCH_SECONDS", 0.2)
    store = _built(client, tmp_path, n_blocks=4)
    gone = store.workers[0]
    client.retire_workers([gone], close_workers=True)
    with pytest.raises(InputError, match="left during the analysis") as caught:
        store.map(_n_votes)
    assert gone in str(caught.value)
    store.close()


def test_blocks_are_read_without_parsing_headers(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker threads read blocks at once; CPython 3.11's ast is unsafe there: none is used."""
    import ast

    store = _built(client, tmp_path, n_blocks=4)

    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("a block read parsed a header with ast")

    monkeypatch.setattr(ast, "literal_eval", refuse)
    votes = store.map(_n_votes)
    assert len(votes) == 4 and all(v > 0 for v in votes)
    store.close()
