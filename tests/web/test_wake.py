"""The waker: this process's worker at once, the other processes' through a thread."""

from __future__ import annotations

import threading
import time

from parley.web.wake import Waker


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
