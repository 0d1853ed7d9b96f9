"""Two workers over one database: each job runs once, under its lease, and is logged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from parley.compute.analysis import run_analysis
from parley.compute.placement import placed_analysis
from parley.compute.worker import AnalysisJob, EmbedJob
from parley.config import Settings
from parley.core.pipeline import Params
from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult
from parley.db.queries import newest_analysis
from parley.services import conversations, moderation, participants, statements
from parley.services.job_leases import job_runs
from parley.services.refresh import (
    DatabaseJobs,
    _snapshot,
    pending_analyses,
    refresh_everything,
)
from parley.services.sessions import read_session
from parley.services.votes import VoteRequest, record_votes


def _conversation(session_factory: SessionFactory, n_people: int = 12) -> int:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="x")
    ids = [
        statements.add_statement(session_factory, cid, f"s{i}", is_seed=True).id for i in range(5)
    ]
    requests = []
    for p in range(n_people):
        pid, _ = participants.join_conversation(session_factory, cid)
        requests += [
            VoteRequest(pid, sid, 1 if p % 2 == j % 2 else -1) for j, sid in enumerate(ids)
        ]
    record_votes(session_factory, requests)
    return cid


def test_two_workers_run_each_job_once(session_factory: SessionFactory) -> None:
    cids = [_conversation(session_factory) for _ in range(3)]
    workers = {name: DatabaseJobs(session_factory, owner=name) for name in ("a", "b")}
    ran: dict[str, list[tuple[str, int]]] = {name: [] for name in workers}
    start = threading.Barrier(len(workers))

    def work(name: str) -> None:
        jobs = workers[name]
        start.wait()
        for job in jobs.pending():
            if isinstance(job, AnalysisJob) and jobs.run(job):
                ran[name].append(job.key)

    threads = [threading.Thread(target=work, args=(name,)) for name in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    done = sorted(ran["a"] + ran["b"])
    assert done == [("conversation", cid) for cid in cids]  # each once, by one of the two
    assert pending_analyses(session_factory) == []
    for cid in cids:
        (run,) = job_runs(session_factory, f"conversation:{cid}")
        assert run.outcome == "done"
        assert run.owner in workers


def test_embedding_is_a_job_of_its_own(session_factory: SessionFactory) -> None:
    cid = _conversation(session_factory, n_people=4)
    pending = DatabaseJobs(session_factory).pending()
    analyses = [job for job in pending if isinstance(job, AnalysisJob)]
    assert [job.conversation_id for job in analyses] == [cid]
    embeds = [job for job in pending if isinstance(job, EmbedJob)]
    assert all(job.conversation_id == cid for job in embeds)
    assert refresh_everything(session_factory) >= 1
    assert not [job for job in DatabaseJobs(session_factory).pending() if job.key[0] != "process"]


def _grouped_conversation(
    session_factory: SessionFactory, n_people: int = 90
) -> tuple[int, list[int]]:
    """Three planted opinion groups over 16 statements, seeded."""
    rng = np.random.default_rng(5)
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="y")
    ids = [
        statements.add_statement(session_factory, cid, f"s{i}", is_seed=True).id for i in range(16)
    ]
    leaning = rng.choice([-1, 1], size=(3, len(ids)))
    requests = []
    for p in range(n_people):
        pid, _ = participants.join_conversation(session_factory, cid)
        for j in rng.choice(len(ids), size=rng.integers(6, len(ids)), replace=False):
            vote = int(leaning[p % 3, j]) if rng.random() < 0.85 else 0
            requests.append(VoteRequest(pid, ids[j], vote))
    record_votes(session_factory, requests)
    return cid, ids


def _stored(session_factory: SessionFactory, cid: int) -> dict[str, Any]:
    with read_session(session_factory) as session:
        found = newest_analysis(session, cid, AnalysisResult.payload)
    assert found is not None
    return dict(found[0])


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of an in-process LocalCluster's scheduler."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster.scheduler_address


@pytest.mark.dask
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_large_conversations_are_analysed_on_dask_and_stored_alike(
    session_factory: SessionFactory, scheduler: str, tmp_path: Path
) -> None:
    cid, ids = _grouped_conversation(session_factory)
    moderation.moderate(session_factory, ids[:1], -1, actor="test", conversation_id=cid)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    settings = Settings(dask_address=scheduler, dask_min_votes=50, dask_scratch=scratch)
    jobs = DatabaseJobs(
        session_factory,
        analyse=placed_analysis(
            settings.dask_address, settings.dask_min_votes, scratch=settings.dask_scratch
        ),
    )
    (job,) = [j for j in jobs.pending() if isinstance(j, AnalysisJob)]
    snapshot, _, _ = _snapshot(session_factory, job, Params())
    local = run_analysis(snapshot).payload
    assert local["k"] >= 2
    assert jobs.run(job)
    stored = _stored(session_factory, cid)
    assert stored["k"] == local["k"]
    assert stored["consensus"] == local["consensus"]
    assert [p["group"] for p in stored["participants"]] == [
        p["group"] for p in local["participants"]
    ]
    assert [
        (g["size"], g["votes"], [(r["statement"], r["direction"]) for r in g["repness"]])
        for g in stored["groups"]
    ] == [
        (g["size"], g["votes"], [(r["statement"], r["direction"]) for r in g["repness"]])
        for g in local["groups"]
    ]
    assert [s["id"] for s in stored["statements"]] == [s["id"] for s in local["statements"]]
    assert [s["moderated"] for s in stored["statements"]] == [
        s["moderated"] for s in local["statements"]
    ]
    for mine, theirs in zip(stored["statements"], local["statements"], strict=True):
        if theirs["gac"] is None:
            assert mine["gac"] is None
        else:
            assert mine["gac"] == pytest.approx(theirs["gac"], abs=1e-9)
    assert list(scratch.iterdir()) == []  # the parts were temporary
    assert pending_analyses(session_factory) == []
