"""The analysis worker with a fake job source: polling, waking, failures, stopping."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence

import pytest

from parley.compute.worker import AnalysisJob, AnalysisWorker


class Source:
    """Jobs to hand out, and a record of what ran."""

    def __init__(self, jobs: list[AnalysisJob], *, failing: set[int] | None = None) -> None:
        self.jobs = jobs
        self.failing = failing or set()
        self.ran: list[AnalysisJob] = []
        self.ran_event = threading.Event()

    def pending(self) -> Sequence[AnalysisJob]:
        return [job for job in self.jobs if job not in self.ran]

    def run(self, job: AnalysisJob) -> None:
        if job.conversation_id in self.failing:
            raise RuntimeError("boom")
        self.ran.append(job)
        self.ran_event.set()


def _job(cid: int, votes: int = 1, moderation: int = 0) -> AnalysisJob:
    return AnalysisJob(cid, votes, moderation, is_full=False)


def test_run_once_runs_every_pending_job() -> None:
    source = Source([_job(1), _job(2)])
    worker = AnalysisWorker(source)
    assert worker.run_once() == 2
    assert worker.run_once() == 0
    assert [j.conversation_id for j in source.ran] == [1, 2]


def test_a_failing_job_is_not_retried_until_its_conversation_changes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = Source([_job(1), _job(2)], failing={1})
    worker = AnalysisWorker(source)
    assert worker.run_once() == 1
    assert worker.run_once() == 0  # job 1 failed at these versions: skipped
    assert worker.n_failures == 1
    assert "job on conversation 1 failed" in caplog.text
    source.failing.clear()
    source.jobs.append(_job(1, votes=2))
    assert worker.run_once() == 1
    assert source.ran[-1] == _job(1, votes=2)


def test_the_thread_polls_and_wakes_and_stops() -> None:
    source = Source([])
    worker = AnalysisWorker(source, interval=30)
    worker.start()
    assert worker.is_running
    source.jobs.append(_job(7))
    worker.wake()  # without it the next poll would come only after 30 s
    assert source.ran_event.wait(5)
    started = time.monotonic()
    worker.stop()
    assert time.monotonic() - started < 5
    assert not worker.is_running
    with pytest.raises(RuntimeError, match="started already"):
        worker.start()


def test_a_bad_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval=0"):
        AnalysisWorker(Source([]), interval=0)


class Busy(Source):
    """A source whose jobs another worker holds: ``run`` answers False."""

    def run(self, job: AnalysisJob) -> bool:  # type: ignore[override]
        return False


def test_a_job_another_worker_holds_is_not_counted() -> None:
    worker = AnalysisWorker(Busy([_job(1)]))
    assert worker.run_once() == 0
    assert (worker.n_runs, worker.n_failures) == (0, 0)


def test_after_an_embedding_job_a_wake_up_polls_again_analyses_first() -> None:
    from parley.compute.worker import EmbedJob

    class Embeds(Source):
        def run(self, job: object) -> None:  # type: ignore[override]
            self.ran.append(job)  # type: ignore[arg-type]
            worker.wake()  # votes arrive while the embedding job runs

    source = Embeds([])
    source.jobs = [EmbedJob(1, "3:9:m"), EmbedJob(2, "1:4:m")]  # type: ignore[list-item]
    worker = AnalysisWorker(source)
    assert worker.run_once() == 1  # stopped after the first, to poll again
    assert worker.run_once() == 1
    assert len(source.ran) == 2


def test_a_bad_settle_is_refused() -> None:
    with pytest.raises(ValueError, match="settle=-1"):
        AnalysisWorker(Source([]), settle=-1)


class Stream(Source):
    """Votes arrive all the time: every poll finds the conversation changed again."""

    def __init__(self) -> None:
        super().__init__([])
        self.polls: list[float] = []

    def pending(self) -> Sequence[AnalysisJob]:
        self.polls.append(time.monotonic())
        return [_job(1, votes=len(self.polls))]


def test_wake_ups_during_a_stream_are_folded_into_one_poll_per_settle() -> None:
    source = Stream()
    worker = AnalysisWorker(source, interval=30, settle=0.2)
    worker.start()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            worker.wake()  # a committed batch of votes, every 5 ms
            time.sleep(0.005)
    finally:
        worker.stop()
    assert 2 <= len(source.polls) <= 7  # about one per 0.2 s, not one per wake-up (~200)
    gaps = [b - a for a, b in itertools.pairwise(source.polls)]
    assert min(gaps) >= 0.19
    assert len(source.ran) == len(source.polls)


def test_after_a_quiet_spell_a_wake_up_polls_at_once_and_stop_ends_the_rest() -> None:
    source = Source([])
    worker = AnalysisWorker(source, interval=30, settle=10)
    worker.start()
    try:
        time.sleep(0.05)  # the first poll found nothing: no rest
        source.jobs.append(_job(1))
        woken = time.monotonic()
        worker.wake()
        assert source.ran_event.wait(2)
        assert time.monotonic() - woken < 2  # not after the 10 s rest
        source.ran_event.clear()
        source.jobs.append(_job(2))
        worker.wake()  # right after a poll that found work: waits for the rest
        assert not source.ran_event.wait(0.3)
    finally:
        started = time.monotonic()
        worker.stop()
    assert time.monotonic() - started < 5
