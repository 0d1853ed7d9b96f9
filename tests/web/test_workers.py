"""Many processes on PostgreSQL: two web processes, two ``parley worker``s, one SIGKILLed.

``parley serve --processes 2 --no-worker`` takes votes from several threads while two
``parley worker`` processes keep the analyses current. One worker is frozen (SIGSTOP) at a
moment it holds a lease with a run open, and then killed (SIGKILL): mid-job. Afterwards
every conversation's stored analysis reflects its latest votes within the lease expiry,
the job log shows no job run twice at once and the dead worker's job taken over by the
other one after its lease expired, and every acknowledged vote is in the database.
"""

from __future__ import annotations

import itertools
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from parley_server import (
    ParleyServer,
    create_facilitator,
    parley_command,
    seed_conversation,
    serve_unavailable_reason,
    start_server,
)
from sqlalchemy import Engine, func, select

from parley.db import create_engine_for
from parley.db.job_models import Job, JobRun
from parley.db.models import AnalysisResult, Conversation, Vote
from parley.db.types import utc_now

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

LEASE = 3.0
N_CONVERSATIONS = 2
N_STATEMENTS = 8
N_PARTICIPANTS = 10
N_VOTERS = 4


def _value(participant_id: int, statement_id: int) -> int:
    return (participant_id + statement_id) % 3 - 1


class Worker:
    """A ``parley worker`` child process and the name it claims leases under."""

    def __init__(self, url: str, log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [*parley_command(), "worker", "--db", url, "--lease", str(LEASE)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.name = ""

    def wait_ready(self) -> None:
        """Wait until the worker says it runs, and note its name."""
        log = self.log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"worker (\S+) running", log.read_text(errors="replace"))
            if found:
                self.name = found.group(1)
                return
            assert self.process.poll() is None, log.read_text(errors="replace")
            time.sleep(0.05)
        raise AssertionError(f"parley worker did not start: {log.read_text()}")

    def stop(self) -> None:
        """Stop politely (SIGTERM), killing it if needed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)


@pytest.fixture
def cluster(postgres_url: str, tmp_path: Path) -> Iterator[tuple[ParleyServer, list[Worker]]]:
    """Two web processes without workers, and two worker processes, on one database."""
    reason = serve_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    server = start_server(
        postgres_url,
        tmp_path / "web.log",
        extra_args=["--processes", "2", "--no-worker"],
        env={"PARLEY_LEASE_SECONDS": str(LEASE)},
    )
    workers: list[Worker] = []
    try:
        workers = [Worker(postgres_url, tmp_path / f"worker{i}.log") for i in range(2)]
        for worker in workers:  # both start at once; the server has migrated the schema
            worker.wait_ready()
        yield server, workers
    finally:
        for worker in workers:
            worker.stop()
        server.stop()


def _vote(
    url: str, targets: list[tuple[int, int, str, list[int]]], stop: threading.Event, acked: list
) -> None:
    import httpx

    with httpx.Client(base_url=url, timeout=10) as client:
        round_ = 0
        while not stop.is_set():
            for cid, pid, token, sids in targets:
                sid = sids[round_ % len(sids)]
                value = _value(pid + round_, sid)
                response = client.post(
                    f"/api/v1/conversations/{cid}/votes",
                    json={"statement_id": sid, "vote": value},
                    headers={"Authorization": f"Bearer {token}"},
                )
                if response.status_code == 200:
                    acked.append((pid, sid, value, time.monotonic()))
            round_ += 1


def _held_open(engine: Engine, owner: str) -> tuple[str, object] | None:
    """Return (key, lease expiry) of a job ``owner`` holds with a run open, or None."""
    with engine.connect() as connection:
        held = connection.execute(
            select(Job.key, Job.lease_expires_at).where(
                Job.lease_owner == owner, Job.lease_expires_at > utc_now()
            )
        ).first()
        if held is None:
            return None
        is_open = connection.execute(
            select(func.count()).where(
                JobRun.owner == owner, JobRun.job_key == held[0], JobRun.finished_at.is_(None)
            )
        ).scalar_one()
    return (held[0], held[1]) if is_open else None


def _stale(engine: Engine) -> list[int]:
    newest = (
        select(AnalysisResult.votes_version)
        .where(AnalysisResult.conversation_id == Conversation.id)
        .order_by(AnalysisResult.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(Conversation.id).where(
                (newest.is_(None)) | (newest != Conversation.votes_version)
            )
        ).all()
    return [int(r[0]) for r in rows]


def test_workers_share_jobs_and_survive_a_sigkill(
    cluster: tuple[ParleyServer, list[Worker]], postgres_url: str
) -> None:
    started = time.monotonic()
    server, (victim, survivor) = cluster
    key = create_facilitator(postgres_url, "facilitator")
    targets: list[tuple[int, int, str, list[int]]] = []
    for number in range(N_CONVERSATIONS):
        cid, sids, people = seed_conversation(
            server,
            key,
            topic=f"topic {number}",
            n_statements=N_STATEMENTS,
            n_participants=N_PARTICIPANTS,
        )
        targets += [(cid, pid, token, sids) for pid, token in people]
    print(f"seeded after {time.monotonic() - started:.1f} s")
    stop = threading.Event()
    acked: list[tuple[int, int, int, float]] = []
    voters = [
        threading.Thread(target=_vote, args=(server.url, targets[i::N_VOTERS], stop, acked))
        for i in range(N_VOTERS)
    ]
    for voter in voters:
        voter.start()
    engine = create_engine_for(postgres_url)
    try:
        time.sleep(2.0)
        killed: tuple[str, object] | None = None
        for _ in range(400):  # freeze the victim until it is caught holding a job
            victim.process.send_signal(signal.SIGSTOP)
            killed = _held_open(engine, victim.name)
            if killed is not None:
                victim.process.send_signal(signal.SIGKILL)
                victim.process.wait(10)
                break
            victim.process.send_signal(signal.SIGCONT)
            time.sleep(0.02)
        assert killed is not None, "the victim never held a job"
        print(f"killed after {time.monotonic() - started:.1f} s, {len(acked)} votes")
        time.sleep(1.5)  # votes keep coming while the lease runs out
        stop.set()
        for voter in voters:
            voter.join(30)
        last_vote = time.monotonic()
        while _stale(engine) and time.monotonic() - last_vote < LEASE + 15:
            time.sleep(0.1)
        assert _stale(engine) == [], "analyses still behind their votes"
        caught_up = time.monotonic() - last_vote
        print(f"caught up {caught_up:.1f} s after the last vote; {len(acked)} votes")
        assert caught_up < LEASE + 15
        with engine.connect() as connection:
            runs = connection.execute(
                select(
                    JobRun.job_key, JobRun.owner, JobRun.started_at, JobRun.finished_at
                ).order_by(JobRun.job_key, JobRun.started_at)
            ).all()
            stored = {
                (int(p), int(s)): int(v)
                for p, s, v in connection.execute(
                    select(Vote.participant_id, Vote.statement_id, Vote.value)
                ).all()
            }
    finally:
        engine.dispose()
    # no job ran twice at once: on each key, a run starts after the one before ended
    for before, after in itertools.pairwise(runs):
        if before.job_key != after.job_key:
            continue
        if before.finished_at is not None:
            assert after.started_at >= before.finished_at, (before, after)
        else:  # the killed run: the next one waited for its lease to expire
            assert before.owner == victim.name
            assert after.started_at >= killed[1], (before, after)
    taken_over = [
        r
        for r in runs
        if r.job_key == killed[0] and r.owner == survivor.name and r.started_at >= killed[1]
    ]
    assert taken_over, "the survivor never took over the dead worker's job"
    assert {r.owner for r in runs} == {victim.name, survivor.name}
    # no acknowledged vote lost: the last acknowledged value of each pair is stored
    latest: dict[tuple[int, int], int] = {}
    for pid, sid, value, _ in sorted(acked, key=lambda a: a[3]):
        latest[(pid, sid)] = value
    assert len(acked) > 20
    missing = [pair for pair in latest if pair not in stored]
    assert missing == []
    assert time.monotonic() - started < 60
