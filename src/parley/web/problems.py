"""Errors as responses: one place maps every error to ``application/problem+json`` (RFC 9457).

``ParleyError`` subclasses carry their status (``parley.errors``); validation errors become
422 naming the fields; Starlette's HTTP errors (404 for an unknown path, 405) keep theirs;
a value the database refuses (``DataError``) is the client's: 422; anything else is parley's
own bug: 500, no details leaked, logged with its traceback once per kind of error and route,
then at most once a minute with a count, so that a client repeating it cannot flood the log.
Paths outside ``/api/`` go to an HTML renderer when the pages provide one.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.errors import AuthenticationError, ParleyError, RateLimitError

__all__ = [
    "PROBLEM_JSON",
    "HtmlErrorRenderer",
    "install_error_handlers",
    "problem_response",
    "too_large",
]

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
#: ``render(request, status, title, detail, error) -> Response`` for pages (HTML) outside /api/
HtmlErrorRenderer = Callable[
    [Request, int, str, str, Exception | None], Awaitable[Response] | Response
]


def problem_response(
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Return a problem+json response: type, title, status, detail and any extra members."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def too_large(scope: Scope, max_bytes: int) -> ASGIApp:
    """Return the 413 response for a body over the limit (used by BodySizeLimit)."""
    return problem_response(413, f"the request body is larger than {max_bytes} bytes")


def _field(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts)


def _validation_problems(error: RequestValidationError) -> list[dict[str, str]]:
    problems = []
    for e in error.errors():
        location = e.get("loc", ("body",))
        message = str(e.get("msg", "invalid"))
        if e.get("type") == "json_invalid":  # loc is ("body", offset): name the body instead
            problems.append({"field": "body", "location": "body", "message": message})
            continue
        problems.append(
            {"field": _field(location), "location": str(location[0]), "message": message}
        )
    return problems


class _LogThrottle:
    """Say whether to log an error of this kind now: the first time, then once per interval."""

    def __init__(self, *, interval: float = 60.0, max_kinds: int = 1_000) -> None:
        self.interval = interval
        self.max_kinds = max_kinds
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def admit(self, kind: tuple[str, str]) -> int | None:
        """Return how many were held back since the last log when this one is logged, else None."""
        now = time.monotonic()
        with self._lock:
            last, n_held = self._seen.get(kind, (-math.inf, 0))
            if now - last < self.interval:
                self._seen[kind] = (last, n_held + 1)
                return None
            if len(self._seen) >= self.max_kinds:
                self._seen.clear()
            self._seen[kind] = (now, 0)
            return n_held


class _CatchUnexpected:
    """ASGI middleware: answer an unexpected error itself, so it is logged once, not re-raised.

    Starlette's outermost middleware would log and re-raise it, and the server would log
    the traceback a second time.
    """

    def __init__(
        self, app: ASGIApp, *, handle: Callable[[Request, Exception], Awaitable[Response]]
    ) -> None:
        self.app = app
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; turn an exception raised before the answer started into a response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_started = False

        async def tracking_send(message: Message) -> None:
            nonlocal is_started
            if message["type"] == "http.response.start":
                is_started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if is_started:
                raise
            response = await self.handle(Request(scope, receive), error)
            await response(scope, receive, send)


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


def _headers(error: ParleyError) -> dict[str, str]:
    if isinstance(error, RateLimitError):
        return {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    if isinstance(error, AuthenticationError):
        return {"WWW-Authenticate": 'Bearer realm="parley"'}
    return {}


def install_error_handlers(app: FastAPI, *, html: HtmlErrorRenderer | None = None) -> None:
    """Register the handlers that turn every error into problem+json (or HTML for pages)."""

    async def respond(
        request: Request,
        status: int,
        detail: str,
        headers: dict[str, str],
        extra: dict[str, Any],
        error: Exception | None = None,
    ) -> Response:
        if html is not None and not request.url.path.startswith("/api/"):
            rendered = html(request, status, HTTPStatus(status).phrase, detail, error)
            response = await rendered if isinstance(rendered, Awaitable) else rendered
            response.headers.update(headers)
            return response
        return problem_response(status, detail, headers=headers, extra=extra)

    async def on_parley_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, ParleyError)
        return await respond(request, error.status, str(error), _headers(error), {}, error)

    async def on_validation_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = _validation_problems(error)
        detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return await respond(request, 422, detail, {}, {"errors": problems}, error)

    async def on_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        detail = str(error.detail) if error.detail else HTTPStatus(error.status_code).phrase
        headers = dict(error.headers or {})
        return await respond(request, error.status_code, detail, headers, {}, error)

    throttle = _LogThrottle()

    async def on_data_error(request: Request, error: Exception) -> Response:
        route = _route_of(request)
        if throttle.admit((type(error).__name__, route)) is not None:
            logger.warning(
                "the database refused a value on %s %s: %s",
                request.method,
                route,
                str(error).splitlines()[0],
            )
        return await respond(
            request, 422, "a value in the request is one the database cannot store", {}, {}
        )

    async def on_unexpected(request: Request, error: Exception) -> Response:
        route = _route_of(request)
        n_held = throttle.admit((type(error).__name__, route))
        if n_held is not None:
            logger.error(
                "unexpected error on %s %s (%d more like it not logged since the last one)",
                request.method,
                route,
                n_held,
                exc_info=error,
            )
        return await respond(request, 500, "an unexpected error happened; it was logged", {}, {})

    app.add_exception_handler(ParleyError, on_parley_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(DataError, on_data_error)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_middleware(_CatchUnexpected, handle=on_unexpected)
