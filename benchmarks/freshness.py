"""How soon new votes reach the stored analysis: the worker's warm update at 10^5 votes.

Generates a seeded conversation (benchmarks/generate.py), imports it into a fresh SQLite
database, runs the first (cold) analysis, then repeatedly records a batch of new votes and
times the worker's job (find the changed conversation, read the votes, warm update, store).
The results page adds at most one poll interval (2 s) on top; the worker polls every 0.5 s.

    .venv/bin/python benchmarks/freshness.py [--votes 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from parley.db.models import Participant, Statement
from parley.services.database import open_database
from parley.services.polis_exchange import import_polis_export
from parley.services.refresh import DatabaseJobs
from parley.services.votes import VoteRequest, record_votes

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Run the measurement and print one line per round plus the median."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=4_000)
    parser.add_argument("--statements", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500, help="new votes per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(export),
                "--participants",
                str(args.participants),
                "--statements",
                str(args.statements),
                "--votes",
                str(args.votes),
                "--groups",
                "3",
                "--seed",
                "7",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        db = open_database(f"sqlite:///{tmp}/fresh.db")
        conversation = import_polis_export(db.session_factory, export)
        jobs = DatabaseJobs(db.session_factory)
        start = time.perf_counter()
        for job in jobs.pending():
            jobs.run(job)
        print(f"cold analysis of {args.votes:,} votes: {time.perf_counter() - start:.2f} s")
        with db.session_factory() as session:
            pids = session.scalars(
                select(Participant.id).where(Participant.conversation_id == conversation)
            ).all()
            sids = session.scalars(
                select(Statement.id).where(Statement.conversation_id == conversation)
            ).all()
        times = []
        for round_ in range(args.rounds):
            requests = [
                VoteRequest(
                    pids[(round_ * 7919 + i * 31) % len(pids)],
                    sids[(round_ * 104729 + i * 17) % len(sids)],
                    (i % 3) - 1,
                    None,
                )
                for i in range(args.batch)
            ]
            record_votes(db.session_factory, requests)
            start = time.perf_counter()
            pending = jobs.pending()
            for job in pending:
                jobs.run(job)
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            print(
                f"round {round_ + 1}: {args.batch} new votes -> stored analysis in {elapsed:.2f} s"
            )
        print(f"median warm update: {statistics.median(times):.2f} s")
        db.close()


if __name__ == "__main__":
    main()
