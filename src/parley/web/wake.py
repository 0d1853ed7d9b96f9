"""Wake the analysis worker after a request that changed something.

A vote wakes it from the vote writer (once per committed batch, so a vote request marks its
scope as woken and the middleware leaves it); sharing, merging, moderation, settings and
labels wake it here, after a successful POST, PUT, PATCH or DELETE, so that stored analyses
and joint agendas follow at once instead of at the worker's next poll. Other processes'
workers are told by NOTIFY at most once per ``Waker.gap``: the wake-ups in between are folded
into the next one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["WOKEN", "WakeWorker", "Waker", "mark_woken"]

logger = logging.getLogger(__name__)

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: set in a request's scope when what it wrote has woken the workers already (the vote writer)
WOKEN = "parley.woken"
#: seconds between two NOTIFYs of one process
NOTIFY_GAP = 0.1


def mark_woken(scope: Scope) -> None:
    """Say that this request's write has woken the workers already (no wake-up after it)."""
    scope[WOKEN] = True


class WakeWorker:
    """ASGI middleware: call ``wake`` once a writing request has answered below 400."""

    def __init__(self, app: ASGIApp, *, wake: Callable[[], None]) -> None:
        self.app = app
        self.wake = wake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; wake the worker after a successful write."""
        if scope["type"] != "http" or scope.get("method") not in _WRITES:
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status < 400 and not scope.get(WOKEN):
            self.wake()


class Waker:
    """Wake the worker of this process at once, and (through a thread) every other one.

    ``local`` is this process's worker's ``wake`` (or None); ``remote`` tells the workers
    of other processes (PostgreSQL NOTIFY), from a thread of its own so that the vote
    writer never waits for it; wake-ups that come while it runs, or in the ``gap`` seconds
    after it, are folded into one more call.
    """

    def __init__(
        self,
        *,
        local: Callable[[], None] | None,
        remote: Callable[[], None] | None,
        gap: float = NOTIFY_GAP,
        name: str = "parley-waker",
    ) -> None:
        if gap < 0:
            raise ValueError(f"gap={gap} should be >= 0 seconds")
        self.local = local
        self.remote = remote
        self.gap = gap
        self.name = name
        self._event = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self) -> None:
        """Wake the local worker now and ask the thread to tell the others."""
        if self.local is not None:
            self.local()
        if self.remote is not None:
            self._event.set()

    def start(self) -> None:
        """Start the thread that tells other processes (when there is a ``remote``)."""
        if self.remote is not None and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread."""
        self._stop.set()
        self._event.set()
        if self._thread is not None:
            self._thread.join(5)

    def _loop(self) -> None:
        assert self.remote is not None
        while True:
            self._event.wait()
            if self._stop.is_set():
                return
            self._event.clear()
            try:
                self.remote()
            except Exception:
                logger.exception("%s: waking the other workers failed", self.name)
            if self.gap > 0:
                self._stop.wait(self.gap)  # a stream of votes: one NOTIFY per gap, not per batch
