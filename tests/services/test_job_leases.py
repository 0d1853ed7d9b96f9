"""Job leases: one holder at a time, expiry hands a job on, versions done or failed, the log."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from parley.db.engine import SessionFactory
from parley.db.job_models import Job
from parley.db.types import utc_now
from parley.services.job_leases import Leases, job_runs, notify_workers, uses_postgres


def test_only_one_owner_holds_a_lease(session_factory: SessionFactory) -> None:
    first = Leases(session_factory, owner="a", lease_seconds=30)
    second = Leases(session_factory, owner="b", lease_seconds=30)
    run = first.claim("conversation:1", "1:0")
    assert run is not None
    assert second.claim("conversation:1", "1:0") is None
    assert second.claim("conversation:1", "2:0") is None  # held, whatever the version
    assert second.claim("conversation:2", "1:0") is not None  # another job is free
    first.release("conversation:1", run, "1:0", is_done=True)
    assert second.claim("conversation:1", "1:0") is None  # that version is done
    assert second.claim("conversation:1", "2:0") is not None


def test_an_expired_lease_goes_to_another_worker(session_factory: SessionFactory) -> None:
    dead = Leases(session_factory, owner="dead", lease_seconds=30)
    alive = Leases(session_factory, owner="alive", lease_seconds=30)
    assert dead.claim("process:3", "x") is not None
    assert alive.claim("process:3", "x") is None
    with session_factory.begin() as session:  # 31 s later, without a renewal
        session.execute(update(Job).values(lease_expires_at=utc_now() - timedelta(seconds=1)))
    assert alive.claim("process:3", "x") is not None
    assert not dead.renew("process:3")  # the dead worker has lost it
    with session_factory() as session:
        job = session.scalars(select(Job)).one()
    assert (job.lease_owner, job.attempts) == ("alive", 2)
    runs = job_runs(session_factory, "process:3")
    assert [(r.owner, r.finished_at) for r in runs] == [("dead", None), ("alive", None)]


def test_held_logs_each_run_and_a_failure_blocks_its_version(
    session_factory: SessionFactory,
) -> None:
    leases = Leases(session_factory, owner="w", lease_seconds=30)
    with leases.held("embeddings:1", "v1") as is_ours:
        assert is_ours
        with leases.held("embeddings:1", "v1") as again:  # held by this very run
            assert not again
    with pytest.raises(RuntimeError), leases.held("embeddings:1", "v2") as is_ours:
        assert is_ours
        raise RuntimeError("boom")
    with leases.held("embeddings:1", "v2") as is_ours:
        assert not is_ours  # failed at v2: not again until the version changes
    runs = job_runs(session_factory, "embeddings:1")
    assert [(r.version, r.outcome) for r in runs] == [("v1", "done"), ("v2", "failed")]
    assert all(r.finished_at is not None and r.finished_at >= r.started_at for r in runs)


def test_a_long_job_keeps_its_lease_by_renewing_it(session_factory: SessionFactory) -> None:
    leases = Leases(session_factory, owner="slow", lease_seconds=1.2)
    other = Leases(session_factory, owner="other", lease_seconds=1.2)
    with leases.held("conversation:9", "1:0") as is_ours:
        assert is_ours
        time.sleep(2.0)  # longer than the lease: the heartbeat renews it every 0.4 s
        assert other.claim("conversation:9", "1:0") is None


def test_concurrent_claims_give_the_job_to_exactly_one(session_factory: SessionFactory) -> None:
    owners = [Leases(session_factory, owner=f"w{i}", lease_seconds=30) for i in range(6)]
    results: list[int | None] = [None] * len(owners)
    start = threading.Barrier(len(owners))

    def claim(index: int) -> None:
        start.wait()
        results[index] = owners[index].claim("conversation:5", "7:0")

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(owners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(result is not None for result in results) == 1


def test_notify_is_quiet_on_sqlite_and_works_on_postgres(session_factory: SessionFactory) -> None:
    notify_workers(session_factory)  # no error on either backend
    assert uses_postgres(session_factory) == (
        session_factory.kw["bind"].dialect.name == "postgresql"
    )


def test_a_bad_lease_length_is_refused(session_factory: SessionFactory) -> None:
    with pytest.raises(ValueError, match="lease_seconds=0"):
        Leases(session_factory, lease_seconds=0)


@pytest.mark.postgres
def test_a_notify_wakes_a_listening_worker_at_once(postgres_url: str) -> None:
    from parley.services.database import open_database
    from parley.services.job_leases import listen_for_jobs

    database = open_database(postgres_url)
    woken = threading.Event()
    n_wakes = 0

    def wake() -> None:
        nonlocal n_wakes
        n_wakes += 1
        if n_wakes > 1:  # the first comes as the listener starts
            woken.set()

    stop = threading.Event()
    listener = threading.Thread(
        target=listen_for_jobs, args=(database.session_factory, wake, stop), daemon=True
    )
    listener.start()
    try:
        deadline = time.monotonic() + 10
        while n_wakes == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        notify_workers(database.session_factory)
        assert woken.wait(5)
        assert time.monotonic() - started < 1.0  # not the 1 s poll of the listener
    finally:
        stop.set()
        listener.join(5)
        database.close()
