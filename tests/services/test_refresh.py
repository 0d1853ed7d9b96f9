"""Two workers over one database: each job runs once, under its lease, and is logged."""

from __future__ import annotations

import threading

from parley.compute.worker import AnalysisJob, EmbedJob
from parley.db.engine import SessionFactory
from parley.services import conversations, participants, statements
from parley.services.job_leases import job_runs
from parley.services.refresh import DatabaseJobs, pending_analyses, refresh_everything
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
