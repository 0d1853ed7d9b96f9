"""Wake the analysis worker after a request that changed something.

A vote wakes it from the vote writer; sharing, merging, moderation, settings and labels wake
it here, after a successful POST, PUT, PATCH or DELETE, so that stored analyses and joint
agendas follow at once instead of at the worker's next poll.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["WakeWorker"]

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
        if status < 400:
            self.wake()
