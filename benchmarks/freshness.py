"""How soon a vote shows in the stored results: vote commit to updated analysis, 10^5-10^6.

Generates a seeded conversation (benchmarks/generate.py; or reuses ``--export``), imports it
into a fresh SQLite database (or, with ``--postgres``, a throwaway PostgreSQL server), runs
the first (cold) analysis, then starts the analysis worker (``AnalysisWorker`` over
``DatabaseJobs``, as ``parley serve`` and ``parley worker`` run it) and repeatedly records a
batch of new votes (one commit, as the vote writer does), wakes the worker as the vote
writer does after a commit, and times until the stored analysis reflects the batch. Then
it times the parts of one update: reading the votes (the worker's cache: only the new
events; and a full read for comparison), the analysis, and storing the result.
Embedding the imported statements is a job of its own that another worker (or this one,
between analyses) does; it is run to completion before the rounds (timed apart), so that
the rounds time what a new vote waits for.

    .venv/bin/python benchmarks/freshness.py [--votes 100000] [--rounds 5] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from parley.compute.analysis import run_analysis
from parley.compute.worker import AnalysisJob, AnalysisWorker
from parley.core.pipeline import Params
from parley.db.models import AnalysisResult, Conversation, Participant, Statement
from parley.db.queries import current_votes, newest_analysis
from parley.services.database import open_database
from parley.services.polis_exchange import import_polis_export
from parley.services.refresh import (
    DatabaseJobs,
    _snapshot,
    pending_analyses,
    refresh_analysis,
    refresh_everything,
)
from parley.services.sessions import read_session
from parley.services.votes import VoteRequest, record_votes

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "support"))

from throwaway_postgres import throwaway_postgres  # noqa: E402


@contextmanager
def _database_url(tmp: str, postgres: bool) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{tmp}/fresh.db"
        return
    with throwaway_postgres(database="parley_fresh", durable=True) as server:
        yield server.url


def _stored_version(session_factory: object, cid: int) -> int:
    with read_session(session_factory) as session:  # type: ignore[arg-type]
        found = newest_analysis(session, cid, AnalysisResult.votes_version)
    return -1 if found is None else int(found[0])


def _generate(export: Path, args: argparse.Namespace) -> None:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            str(export),
            *("--participants", str(args.participants), "--statements", str(args.statements)),
            *("--votes", str(args.votes), "--groups", "3", "--seed", "7"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> None:
    """Run the measurement and print one line per round, the medians and the parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=4_000)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500, help="new votes per round")
    parser.add_argument("--export", type=Path, help="a generated export to reuse")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _database_url(tmp, args.postgres) as url:
        export = args.export or Path(tmp) / "export"
        if args.export is None:
            _generate(export, args)
        db = open_database(url)
        sf = db.session_factory
        started = time.perf_counter()
        conversation = import_polis_export(sf, export)
        print(f"import: {time.perf_counter() - started:.1f} s")
        jobs = DatabaseJobs(sf)
        started = time.perf_counter()
        for job in pending_analyses(sf):
            jobs.run(job)
        print(f"cold analysis of {args.votes:,} votes: {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        n_embeds = refresh_everything(sf, max_rounds=1_000)
        print(f"embedding the statements: {n_embeds} jobs, {time.perf_counter() - started:.1f} s")
        with sf() as session:
            pids = session.scalars(
                select(Participant.id).where(Participant.conversation_id == conversation)
            ).all()
            sids = session.scalars(
                select(Statement.id).where(Statement.conversation_id == conversation)
            ).all()
        worker = AnalysisWorker(jobs, interval=30)  # woken by each commit, as in the server
        worker.start()
        times = []
        for round_ in range(args.rounds):
            # each round is a burst after a quiet spell: past the worker's rest after the
            # previous round's poll (in a steady stream, results lag by up to that rest more)
            time.sleep(worker.settle + 0.1)
            requests = [
                VoteRequest(
                    pids[(round_ * 7919 + i * 31) % len(pids)],
                    sids[(round_ * 104729 + i * 17) % len(sids)],
                    (i % 3) - 1,
                    None,
                )
                for i in range(args.batch)
            ]
            record_votes(sf, requests)
            committed = time.perf_counter()
            worker.wake()
            with sf() as session:
                target = session.scalar(
                    select(Conversation.votes_version).where(Conversation.id == conversation)
                )
            while _stored_version(sf, conversation) < int(target or 0):
                time.sleep(0.01)
            elapsed = time.perf_counter() - committed
            times.append(elapsed)
            print(
                f"round {round_ + 1}: {args.batch} new votes -> stored results in {elapsed:.2f} s"
            )
        worker.stop()
        print(f"median, vote commit to stored results: {statistics.median(times):.2f} s")
        _parts(sf, conversation, jobs, pids, sids, args.batch)
        db.close()


def _parts(sf: object, cid: int, jobs: DatabaseJobs, pids: list, sids: list, batch: int) -> None:
    """Time the parts of one more warm update, and a full read of the votes."""
    record_votes(
        sf, [VoteRequest(pids[i * 13 % len(pids)], sids[i % len(sids)], 1) for i in range(batch)]
    )  # type: ignore[arg-type]
    (job,) = [j for j in pending_analyses(sf) if isinstance(j, AnalysisJob)]  # type: ignore[arg-type]
    started = time.perf_counter()
    snapshot, _, _ = _snapshot(sf, job, Params(), jobs.votes)  # type: ignore[arg-type]
    read = time.perf_counter() - started
    started = time.perf_counter()
    run_analysis(snapshot)
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    refresh_analysis(sf, job, cache=jobs.votes)  # type: ignore[arg-type]
    whole = time.perf_counter() - started
    with read_session(sf) as session:  # type: ignore[arg-type]
        started = time.perf_counter()
        current_votes(session.connection(), cid)
        full = time.perf_counter() - started
    print(
        f"parts of one update: snapshot {read:.3f} s (new votes only; a full read of the votes "
        f"alone takes {full:.3f} s), analysis {analysed:.3f} s, whole update {whole:.3f} s"
    )


if __name__ == "__main__":
    main()
