"""The waker: this process's worker at once, the others' through a thread; the middleware."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from parley.web.wake import Waker, WakeWorker, mark_woken


def test_local_at_once_remote_from_its_thread_folded() -> None:
    local: list[float] = []
    remote_calls: list[str] = []
    release = threading.Event()

    def remote() -> None:
        remote_calls.append(threading.current_thread().name)
        release.wait(5)  # slow: wake-ups meanwhile fold into one more call

    waker = Waker(local=lambda: local.append(time.monotonic()), remote=remote)
    waker.start()
    try:
        waker()
        deadline = time.monotonic() + 5
        while not remote_calls and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(5):
            waker()
        assert len(local) == 6
        release.set()
        deadline = time.monotonic() + 5
        while len(remote_calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert remote_calls == ["parley-waker", "parley-waker"]
    finally:
        waker.stop()


def test_without_remote_no_thread_runs() -> None:
    calls: list[int] = []
    waker = Waker(local=lambda: calls.append(1), remote=None)
    waker.start()
    waker()
    waker.stop()
    assert calls == [1]


def test_remote_wake_ups_come_at_most_once_per_gap() -> None:
    calls: list[float] = []
    waker = Waker(local=None, remote=lambda: calls.append(time.monotonic()), gap=0.2)
    waker.start()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            waker()  # a committed batch of votes, every 2 ms
            time.sleep(0.002)
        time.sleep(0.3)  # the last wake-ups are not lost: one more call after the gap
    finally:
        waker.stop()
    assert 3 <= len(calls) <= 8  # about one per 0.2 s, not ~500
    assert min(b - a for a, b in itertools.pairwise(calls)) >= 0.19
    with pytest.raises(ValueError, match="gap=-1"):
        Waker(local=None, remote=None, gap=-1)


def _app(*, status: int, mark: bool) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if mark:
            mark_woken(scope)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


@pytest.mark.parametrize(
    ("method", "status", "mark", "expected"),
    [
        ("POST", 200, False, 1),  # a share, a merge, a setting: wakes the worker
        ("POST", 200, True, 0),  # a vote: the writer woke it when the batch committed
        ("POST", 404, False, 0),  # nothing written
        ("GET", 200, False, 0),  # a read
    ],
)
def test_the_middleware_wakes_after_successful_writes_not_woken_already(
    method: str, status: int, mark: bool, expected: int
) -> None:
    calls: list[int] = []
    middleware = WakeWorker(_app(status=status, mark=mark), wake=lambda: calls.append(1))
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": method, "path": "/x", "headers": []}
    asyncio.run(middleware(scope, receive, send))
    assert len(calls) == expected
    assert sent[0]["status"] == status
