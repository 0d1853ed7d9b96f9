"""The worker's placement: in-process below the threshold, on Dask from it, the same result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from parley.compute import placement
from parley.compute.analysis import AnalysisInput, AnalysisOutput, run_analysis
from parley.compute.placement import analyse_on_scheduler, place_analysis, placed_analysis
from parley.io.parquet import write_vote_parts

pytestmark = [
    # dask 2026.8's Parquet reader calls pandas 3.1's deprecated reset_index(inplace=True)
    pytest.mark.filterwarnings("ignore:The inplace keyword"),
]


def snapshot(n_participants: int = 240, n_statements: int = 30, seed: int = 3) -> AnalysisInput:
    """Final votes of three planted groups, sorted by (participant, statement)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n_participants)
    leaning = rng.choice([-1, 1], size=(3, n_statements))
    pids, sids, values = [], [], []
    for p in range(n_participants):
        size = rng.integers(5, n_statements)
        chosen = np.sort(rng.choice(n_statements, size=size, replace=False))
        pids.append(np.full(len(chosen), 100 + p))
        sids.append(chosen + 10)
        values.append(np.where(rng.random(len(chosen)) < 0.85, leaning[group[p], chosen], 0))
    texts = {10 + j: f"statement {j}" for j in range(n_statements + 2)}  # two without votes
    return AnalysisInput(
        participant_ids=np.concatenate(pids).astype(np.int64),
        statement_ids=np.concatenate(sids).astype(np.int64),
        values=np.concatenate(values).astype(np.int8),
        texts=texts,
        moderation={sid: (-1 if sid == 12 else 0) for sid in texts},
        meta_ids=[13],
        is_final_sorted=True,
    )


def assert_same_payload(local: dict[str, Any], spread: dict[str, Any]) -> None:
    """Same groups, repness and consensus; GAC and coordinates within 1e-9."""
    assert spread.keys() == local.keys()
    for key in ("k", "n_participants", "n_statements", "n_votes", "consensus"):
        assert spread[key] == local[key], key
    assert spread["silhouettes"] == pytest.approx(local["silhouettes"], abs=1e-9)
    assert [(p["id"], p["group"], p["in_conv"], p["n_votes"]) for p in spread["participants"]] == [
        (p["id"], p["group"], p["in_conv"], p["n_votes"]) for p in local["participants"]
    ]
    for mine, theirs in zip(spread["groups"], local["groups"], strict=True):
        for key in ("id", "size", "votes"):
            assert mine[key] == theirs[key], key
        assert [(r["statement"], r["direction"], r["n_success"]) for r in mine["repness"]] == [
            (r["statement"], r["direction"], r["n_success"]) for r in theirs["repness"]
        ]
        for r, s in zip(mine["repness"], theirs["repness"], strict=True):
            assert r["repness"] == pytest.approx(s["repness"], abs=1e-9)
    for mine, theirs in zip(spread["statements"], local["statements"], strict=True):
        assert {k: v for k, v in mine.items() if not isinstance(v, float)} == {
            k: v for k, v in theirs.items() if not isinstance(v, float)
        }
        for key in ("gac", "gac_disagree", "x", "y", "priority"):
            if theirs[key] is None:
                assert mine[key] is None
            else:
                assert mine[key] == pytest.approx(theirs[key], abs=1e-9), key
    for a, b in zip(spread["participants"], local["participants"], strict=True):
        assert a["x"] == pytest.approx(b["x"], abs=1e-9)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of an in-process LocalCluster's scheduler."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster.scheduler_address


def test_without_a_scheduler_it_is_the_in_process_analysis() -> None:
    assert placed_analysis(None, 10) is run_analysis
    assert placed_analysis("", 10) is run_analysis


def test_below_the_threshold_the_analysis_stays_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dask(*_args: object, **_kwargs: object) -> AnalysisOutput:
        raise AssertionError("went to Dask")

    monkeypatch.setattr(placement, "analyse_on_scheduler", no_dask)
    job = snapshot()
    output = place_analysis(job, dask_address="tcp://nowhere:8786", min_votes=len(job.values) + 1)
    assert output.payload == run_analysis(job).payload
    with pytest.raises(AssertionError, match="went to Dask"):
        place_analysis(job, dask_address="tcp://nowhere:8786", min_votes=len(job.values))


def test_parts_are_slices_of_the_votes(tmp_path: Path) -> None:
    job = snapshot(n_participants=20)
    paths = write_vote_parts(
        tmp_path, job.participant_ids, job.statement_ids, job.values, part_votes=100
    )
    assert len(paths) == -(-len(job.values) // 100)
    assert [p.name for p in paths] == sorted(p.name for p in paths)
    frame = pl.concat([pl.read_parquet(p) for p in paths])
    assert frame["participant_id"].to_list() == job.participant_ids.tolist()
    assert frame["statement_id"].to_list() == job.statement_ids.tolist()
    assert frame["vote"].to_list() == job.values.tolist()
    assert frame.schema["vote"] == pl.Int8


@pytest.mark.dask
def test_dask_stores_what_in_process_stores(scheduler: str, tmp_path: Path) -> None:
    job = snapshot()
    local = run_analysis(job)
    spread = analyse_on_scheduler(job, scheduler, scratch=tmp_path, part_votes=1_000)
    assert local.payload["k"] >= 2
    assert_same_payload(local.payload, spread.payload)
    assert spread.n_votes == local.n_votes
    assert not spread.is_warm
    assert spread.priorities.keys() == local.priorities.keys()
    for sid, value in local.priorities.items():
        assert spread.priorities[sid] == pytest.approx(value, abs=1e-9)
    assert list(tmp_path.iterdir()) == []  # the temporary parts are gone
    # the Dask result's state warm-starts an in-process update
    warm = run_analysis(
        AnalysisInput(**{**job.__dict__, "state": spread.state})  # type: ignore[arg-type]
    )
    assert warm.is_warm
