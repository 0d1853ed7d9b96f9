"""Job leases in the database, so that any number of workers share the work safely.

A worker claims a job (``Leases.claim``) before running it: in one transaction it makes sure
the job has a row in ``jobs``, locks that row (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so a
claimer never waits for another; SQLite: the write lock taken by ``BEGIN IMMEDIATE``) and
takes the lease when it is free or expired, and when the version asked for is neither done
nor failed already. While the job runs, the lease is renewed every third of its length; a
worker that dies stops renewing, and another takes the job once the lease has expired.
Every run is logged in ``job_runs`` (owner, version, start, end, outcome).

``notify_workers`` and ``listen_for_jobs`` wake workers at once on PostgreSQL
(NOTIFY/LISTEN on the ``parley_jobs`` channel); on SQLite workers poll.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from parley.db.engine import SessionFactory
from parley.db.job_models import Job, JobRun
from parley.db.types import utc_now

from .sessions import read_session

__all__ = [
    "CHANNEL",
    "LEASE_SECONDS",
    "Leases",
    "job_runs",
    "listen_for_jobs",
    "notify_workers",
    "uses_postgres",
    "worker_name",
]

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
CHANNEL = "parley_jobs"
#: how long the job log keeps a run
KEEP_RUNS = timedelta(days=1)


def worker_name() -> str:
    """Return a name for this worker: host, process id and a random suffix."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


def uses_postgres(session_factory: SessionFactory) -> bool:
    """Return True when the factory's database is PostgreSQL."""
    bind: Any = session_factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "postgresql"


class Leases:
    """Claim, renew and release job leases as ``owner``."""

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds={lease_seconds} should be > 0")
        self.session_factory = session_factory
        self.owner = owner or worker_name()
        self.lease = timedelta(seconds=lease_seconds)
        self._upsert = postgresql_insert if uses_postgres(session_factory) else sqlite_insert

    def claim(self, key: str, version: str) -> int | None:
        """Take the lease on ``key`` to bring it to ``version``; return the run's id, or None.

        None: another worker holds the lease (or is claiming it right now), or this version
        is done or failed already.
        """
        now = utc_now()
        with self.session_factory.begin() as session:
            session.execute(
                self._upsert(Job)
                .values(key=key, attempts=0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = session.execute(
                select(Job.lease_owner, Job.lease_expires_at, Job.done_version, Job.failed_version)
                .where(Job.key == key)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None or version in (row.done_version, row.failed_version):
                return None
            now = utc_now()  # after the lock: the run's start must not predate the claim
            if row.lease_owner is not None and row.lease_expires_at is not None:
                if row.lease_expires_at > now:
                    return None
                logger.warning("job %s: the lease of %s expired; taking it", key, row.lease_owner)
            session.execute(
                update(Job)
                .where(Job.key == key)
                .values(
                    lease_owner=self.owner,
                    lease_expires_at=now + self.lease,
                    attempts=Job.attempts + 1,
                    updated_at=now,
                )
            )
            run = JobRun(job_key=key, owner=self.owner, version=version, started_at=now)
            session.add(run)
            session.flush()
            return int(run.id)

    def renew(self, key: str) -> bool:
        """Extend the lease on ``key`` if this worker still holds it; say whether it does."""
        now = utc_now()
        with self.session_factory.begin() as session:
            result = session.execute(
                update(Job)
                .where(Job.key == key, Job.lease_owner == self.owner)
                .values(lease_expires_at=now + self.lease, updated_at=now)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def release(self, key: str, run_id: int, version: str, *, is_done: bool) -> None:
        """Give the lease back and log the run's end (done, or failed at this version)."""
        now = utc_now()
        outcome = "done" if is_done else "failed"
        values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
        values["done_version" if is_done else "failed_version"] = version
        with self.session_factory.begin() as session:
            session.execute(
                update(Job).where(Job.key == key, Job.lease_owner == self.owner).values(**values)
            )
            session.execute(
                update(JobRun).where(JobRun.id == run_id).values(finished_at=now, outcome=outcome)
            )
            session.execute(
                delete(JobRun).where(JobRun.job_key == key, JobRun.started_at < now - KEEP_RUNS)
            )

    @contextmanager
    def held(self, key: str, version: str) -> Iterator[bool]:
        """Hold the lease on ``key`` while the block runs (renewed), and release it after.

        Yields False (and runs nothing else) when the lease could not be taken. The run is
        logged as failed when the block raises.
        """
        run_id = self.claim(key, version)
        if run_id is None:
            yield False
            return
        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(self.lease.total_seconds() / 3):
                try:
                    if not self.renew(key):
                        logger.warning("job %s: lease lost to another worker", key)
                        return
                except Exception:
                    logger.exception("job %s: renewing the lease failed", key)

        beat = threading.Thread(target=heartbeat, name=f"lease-{key}", daemon=True)
        beat.start()
        is_done = False
        try:
            yield True
            is_done = True
        finally:
            stop.set()
            beat.join()
            self.release(key, run_id, version, is_done=is_done)


def job_runs(session_factory: SessionFactory, key: str | None = None) -> list[JobRun]:
    """Return the job log (every job's runs, or one job's), oldest first."""
    query = select(JobRun).order_by(JobRun.started_at, JobRun.id)
    if key is not None:
        query = query.where(JobRun.job_key == key)
    with read_session(session_factory) as session:
        runs = list(session.scalars(query))
        session.expunge_all()
    return runs


def notify_workers(session_factory: SessionFactory) -> None:
    """Wake every listening worker now (PostgreSQL NOTIFY); nothing on SQLite."""
    if not uses_postgres(session_factory):
        return
    with session_factory.begin() as session:
        session.execute(text(f"NOTIFY {CHANNEL}"))


def listen_for_jobs(
    session_factory: SessionFactory,
    wake: Callable[[], None],
    stop: threading.Event,
    *,
    poll: float = 1.0,
) -> None:
    """Call ``wake`` on every NOTIFY until ``stop`` is set (PostgreSQL; returns on SQLite).

    Runs in a thread of its own, on a connection of its own in autocommit mode.
    """
    if not uses_postgres(session_factory):
        return
    engine: Engine = session_factory.kw["bind"]
    while not stop.is_set():
        try:
            import psycopg

            dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
                connection.execute(f"LISTEN {CHANNEL}")
                wake()  # work may have come in while not listening
                while not stop.is_set():
                    for _ in connection.notifies(timeout=poll):
                        wake()
        except Exception:
            logger.exception("listening for jobs failed; trying again in %.0f s", poll)
            stop.wait(poll)
