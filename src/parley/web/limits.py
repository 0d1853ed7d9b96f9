"""Limits: the size of a request body, and a token bucket per participant for votes and more."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from typing import Protocol

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.errors import RateLimitError

__all__ = ["BodySizeLimit", "Limiter", "RateLimiter"]

TooLarge = Callable[[Scope, int], ASGIApp]


class _BodyTooLarge(HTTPException):
    """Raised while reading a body; an HTTPException, so FastAPI passes it on as it is."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodySizeLimit:
    """ASGI middleware: answer 413 to a body larger than ``max_bytes`` (declared or streamed)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, respond: TooLarge) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared Content-Length over the limit, and count streamed bytes."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self.respond(scope, self.max_bytes)(scope, receive, send)
            return
        n_received = 0
        is_started = False

        async def limited_receive() -> Message:
            nonlocal n_received
            message = await receive()
            if message["type"] == "http.request":
                n_received += len(message.get("body", b""))
                if n_received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal is_started
            if message["type"] == "http.response.start":
                is_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if is_started:  # pragma: no cover - an app that answers before reading its body
                raise
            await self.respond(scope, self.max_bytes)(scope, receive, send)


class Limiter(Protocol):
    """Token buckets by key: this process's (``RateLimiter``) or the database's (shared)."""

    def check(self, key: Hashable, *, rate: float, burst: int, what: str = "requests") -> None:
        """Take one token from ``key``'s bucket, or raise RateLimitError."""
        ...


class RateLimiter:
    """Token buckets in this process: each key may spend ``burst`` at once, refilled at ``rate``/s.

    Thread-safe; buckets that have refilled completely are forgotten when there are many.
    """

    def __init__(
        self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: dict[Hashable, tuple[float, float, float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: Hashable, *, rate: float, burst: int, what: str = "requests") -> None:
        """Take one token from ``key``'s bucket, or raise RateLimitError with the wait time.

        ``rate`` is in tokens per second; 0 turns the limit off.
        """
        if rate <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, stamp, _, _ = self._buckets.get(key, (float(burst), now, rate, burst))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now, rate, burst)
                wait = (1.0 - tokens) / rate
                raise RateLimitError(
                    f"too many {what}: at most {burst} at once and {rate:g} per second; "
                    f"try again in {math.ceil(wait)} s",
                    retry_after=wait,
                )
            self._buckets[key] = (tokens - 1.0, now, rate, burst)
            if len(self._buckets) > self.max_keys:
                self._forget_full(now)

    def _forget_full(self, now: float) -> None:
        full = [
            key
            for key, (tokens, stamp, rate, burst) in self._buckets.items()
            if tokens + (now - stamp) * rate >= burst
        ]
        for key in full:
            del self._buckets[key]
