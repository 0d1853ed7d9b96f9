"""The Dask engine gives the in-process engine's result on the same Parquet vote log."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from tests.support.dask_cluster import local_client

from parley.compute.analysis import analyse_votes, dask_for
from parley.core.pipeline import Analysis
from parley.errors import InputError

pytestmark = [
    pytest.mark.dask,
    # dask 2026.8's Parquet reader calls pandas 3.1's deprecated reset_index(inplace=True)
    pytest.mark.filterwarnings("ignore:The inplace keyword"),
]


def conversation(
    folder: Path, *, n_participants: int, n_statements: int, seed: int, polis_names: bool
) -> Path:
    """Three planted opinion groups, re-votes with timestamps, written as three parts."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n_participants)
    leaning = rng.choice([-1, 1], size=(3, n_statements))
    rows = []
    for p in range(n_participants):
        chosen = rng.choice(n_statements, size=rng.integers(3, n_statements // 2), replace=False)
        agree = np.where(rng.random(len(chosen)) < 0.8, leaning[group[p], chosen], 0)
        rows.append((np.full(len(chosen), 1000 + 7 * p), chosen, agree))
    pids = np.concatenate([r[0] for r in rows])
    sids = np.concatenate([r[1] for r in rows]) * 3 + 5
    votes = np.concatenate([r[2] for r in rows])
    times = rng.integers(0, 10**6, len(pids))
    again = rng.random(len(pids)) < 0.05  # an earlier vote on the same pair, overridden
    pids = np.concatenate([pids, pids[again]])
    sids = np.concatenate([sids, sids[again]])
    votes = np.concatenate([votes, -votes[again]])
    times = np.concatenate([times, times[again] - 1])
    order = rng.permutation(len(pids))
    names = ("voter-id", "comment-id") if polis_names else ("participant_id", "statement_id")
    columns = {names[0]: pids, names[1]: sids, "vote": votes, "timestamp": times}
    frame = pl.DataFrame({name: values[order] for name, values in columns.items()})
    folder.mkdir()
    for i, part in enumerate(np.array_split(np.arange(frame.height), 3)):
        frame[part.tolist()].write_parquet(folder / f"part-{i}.parquet")
    return folder


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with local_client() as c:
        yield c


def assert_same(local: Analysis, spread: Analysis) -> None:
    assert spread.matrix.participant_ids.tolist() == local.matrix.participant_ids.tolist()
    assert spread.matrix.statement_ids.tolist() == local.matrix.statement_ids.tolist()
    assert spread.matrix.n_votes == local.matrix.n_votes
    assert spread.k == local.k
    assert spread.labels.tolist() == local.labels.tolist()
    assert spread.in_conv.tolist() == local.in_conv.tolist()
    for mine, theirs in zip(spread.representative, local.representative, strict=True):
        assert [(r.column, r.direction) for r in mine] == [(r.column, r.direction) for r in theirs]
    assert spread.consensus_agree == local.consensus_agree
    assert spread.consensus_disagree == local.consensus_disagree
    np.testing.assert_allclose(spread.gac, local.gac, rtol=0, atol=1e-9)
    np.testing.assert_allclose(spread.participant_coords, local.participant_coords, atol=1e-9)
    for name in ("agree", "disagree", "seen"):
        assert (getattr(spread.group_counts, name) == getattr(local.group_counts, name)).all()
        assert (getattr(spread.overall, name) == getattr(local.overall, name)).all()


@pytest.mark.parametrize(
    ("n_statements", "polis_names"),
    [(60, False), (360, True)],  # dense Gram matrix; Lanczos over blocks
)
def test_same_result_as_in_process(
    client: Any, tmp_path: Path, n_statements: int, polis_names: bool
) -> None:
    from parley.compute.dask_engine import analyse_on_dask

    source = conversation(
        tmp_path / "log",
        n_participants=600,
        n_statements=n_statements,
        seed=n_statements,
        polis_names=polis_names,
    )
    local = analyse_votes(source)
    spread = analyse_on_dask(client, source, moderated_out=[], n_blocks=4)
    assert local.k >= 2
    assert_same(local, spread)


def test_moderated_statements_are_zeroed_alike(client: Any, tmp_path: Path) -> None:
    from parley.compute.dask_engine import analyse_on_dask

    source = conversation(
        tmp_path / "log", n_participants=300, n_statements=40, seed=1, polis_names=False
    )
    local = analyse_votes(source, moderated_out=[5, 8], meta=[11])
    spread = analyse_on_dask(client, source, moderated_out=[5, 8], meta=[11], n_blocks=3)
    assert local.zeroed.sum() == 3
    assert_same(local, spread)


def test_scheduler_address_through_the_entry_point(client: Any, tmp_path: Path) -> None:
    source = conversation(
        tmp_path / "log", n_participants=200, n_statements=30, seed=2, polis_names=False
    )
    spread = analyse_votes(source, dask_address=client.scheduler.address)
    assert_same(analyse_votes(source), spread)


def test_without_dask_the_message_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(InputError, match=r"parley\[dask\]"):
        analyse_votes(tmp_path, dask_address="local")


def test_threshold_picks_the_engine() -> None:
    assert dask_for(10, "tcp://s:8786", 100) is None
    assert dask_for(100, "tcp://s:8786", 100) == "tcp://s:8786"
    assert dask_for(10**9, None, 100) is None
