"""The vote writer alone: batches, outcomes in order, errors per batch, stop and cancel."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from parley.errors import NotFoundError, UnavailableError
from parley.services.votes import VoteOutcome, VoteRequest
from parley.web.writer import VoteWriter


class Recorder:
    """A fake ``record_votes``: remembers the batches; blocks the first one until released."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, requests: Sequence[VoteRequest]) -> list[VoteOutcome]:
        self.started.set()
        self.release.wait(5)
        self.batches.append([r.statement_id for r in requests])
        return [
            VoteOutcome(error=NotFoundError("nope")) if r.value == -1 else VoteOutcome(True)
            for r in requests
        ]


def _vote(statement_id: int, value: int = 1) -> VoteRequest:
    return VoteRequest(participant_id=1, statement_id=statement_id, value=value)


def test_votes_queued_during_a_commit_go_into_the_next_batch() -> None:
    recorder = Recorder()
    writer = VoteWriter(recorder, max_batch=3)
    writer.start()
    first = writer.submit(_vote(0))
    assert recorder.started.wait(5)
    later = [writer.submit(_vote(i, -1 if i == 2 else 1)) for i in range(1, 6)]
    recorder.release.set()
    assert first.result(5).is_recorded
    outcomes = [f.result(5) for f in later]
    writer.stop()
    assert recorder.batches == [[0], [1, 2, 3], [4, 5]]
    assert [o.is_recorded for o in outcomes] == [True, False, True, True, True]
    assert isinstance(outcomes[1].error, NotFoundError)
    assert (writer.n_batches, writer.n_votes) == (3, 6)


def test_stop_commits_what_is_queued_then_refuses() -> None:
    recorder = Recorder()
    recorder.release.set()
    writer = VoteWriter(recorder)
    with pytest.raises(UnavailableError):
        writer.submit(_vote(1))  # not started
    writer.start()
    futures = [writer.submit(_vote(i)) for i in range(4)]
    writer.stop()
    assert all(f.result(5).is_recorded for f in futures)
    with pytest.raises(UnavailableError, match="not taking votes"):
        writer.submit(_vote(9))


def test_a_failing_batch_fails_each_of_its_votes() -> None:
    def broken(requests: Sequence[VoteRequest]) -> list[VoteOutcome]:
        raise UnavailableError("the database is busy")

    writer = VoteWriter(broken)
    writer.start()
    future = writer.submit(_vote(1))
    with pytest.raises(UnavailableError):
        future.result(5)
    writer.stop()


def test_a_cancelled_vote_is_not_recorded() -> None:
    recorder = Recorder()
    writer = VoteWriter(recorder)
    writer.start()
    blocker = writer.submit(_vote(0))
    assert recorder.started.wait(5)
    cancelled = writer.submit(_vote(1))
    kept = writer.submit(_vote(2))
    assert cancelled.cancel()
    recorder.release.set()
    assert blocker.result(5).is_recorded and kept.result(5).is_recorded
    writer.stop()
    assert recorder.batches == [[0], [2]]


def test_cast_awaits_without_blocking_the_loop() -> None:
    recorder = Recorder()
    recorder.release.set()
    writer = VoteWriter(recorder)
    writer.start()

    async def cast_many() -> list[VoteOutcome]:
        return list(await asyncio.gather(*(writer.cast(_vote(i)) for i in range(20))))

    outcomes = asyncio.run(cast_many())
    writer.stop()
    assert len(outcomes) == 20 and all(o.is_recorded for o in outcomes)
    assert sum(len(b) for b in recorder.batches) == 20
