"""The session middleware: the cookie holds a random id, the data stays in the database.

For every request that carries the ``parley_session`` cookie, the middleware loads the
session (``parley.services.web_sessions``) into ``scope["session"]``, a dict, which
``parley.web.sessions`` reads and writes. When the response starts, it stores what changed:
a new session gets a new id, a login gets a fresh id (no session fixation), an emptied
session (logout) is deleted, and an unchanged one is renewed (sliding expiry) once a tenth
of its idle time has passed, so that most requests write nothing.

A browser that holds nothing but a CSRF token (a visitor reading pages, a login form) gets no
row: its token travels in a cookie of its own (``parley_csrf``, HttpOnly, SameSite=Lax), so
that reading a page never writes to the database. The token moves into a stored session
when the browser logs in or joins a conversation.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parley.db.engine import SessionFactory
from parley.db.types import utc_now
from parley.services.web_sessions import (
    SessionLifetimes,
    StoredSession,
    create_web_session,
    end_web_session,
    load_web_session,
    purge_expired_sessions,
    save_web_session,
)

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "ServerSession", "ServerSessionMiddleware"]

SESSION_COOKIE = "parley_session"
CSRF_COOKIE = "parley_csrf"
CSRF_COOKIE_MAX_AGE = 12 * 3600
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
#: paths that never need the session: no database read for them
_SESSIONLESS_PREFIXES = ("/static/", "/assets/", "/healthz")
_PURGE_EVERY = 600.0  # seconds between deletions of expired rows


def _is_token(value: str) -> bool:
    return set(value) <= _TOKEN_CHARACTERS


def _snapshot(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, default=str)


class ServerSession(dict[str, Any]):
    """A request's session data, with what the middleware needs to store it afterwards."""

    def __init__(self, stored: StoredSession | None, session_id: str | None) -> None:
        super().__init__(stored.data if stored is not None else {})
        self.session_id = session_id if stored is not None else None
        self.created_at: datetime | None = stored.created_at if stored is not None else None
        self.expires_at: datetime | None = stored.expires_at if stored is not None else None
        self.snapshot = _snapshot(dict(self))
        self.is_regenerated = False
        self.cookie_csrf: str | None = None  # a visitor's token from the CSRF cookie

    def adopt_csrf(self, token: str) -> None:
        """Take a sessionless visitor's CSRF token from their cookie."""
        self["csrf"] = token
        self.cookie_csrf = token
        self.snapshot = _snapshot(dict(self))

    @property
    def is_visitor(self) -> bool:
        """Return True when nothing but a CSRF token is to be kept (no row is needed)."""
        return self.session_id is None and set(self) <= {"csrf"}

    def regenerate(self) -> None:
        """Give this session a new id when stored (at login: the old id stops working)."""
        self.is_regenerated = True


class ServerSessionMiddleware:
    """Load the session named by the cookie; store, renew or end it when the response starts."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        session_factory: SessionFactory,
        lifetimes: SessionLifetimes,
        public_scheme: str | None,
        is_secure_default: bool,
    ) -> None:
        self.app = app
        self.session_factory = session_factory
        self.lifetimes = lifetimes
        self.public_scheme = public_scheme
        self.is_secure_default = is_secure_default
        self._last_purge = 0.0
        self._purge_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request with ``scope["session"]`` set; add Set-Cookie to the response."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session_id = connection.cookies.get(SESSION_COOKIE)
        stored = None
        if session_id and not scope["path"].startswith(_SESSIONLESS_PREFIXES):
            stored = await run_in_threadpool(load_web_session, self.session_factory, session_id)
        session = ServerSession(stored, session_id)
        visitor_token = connection.cookies.get(CSRF_COOKIE, "")
        if stored is None and 20 <= len(visitor_token) <= 64 and _is_token(visitor_token):
            session.adopt_csrf(visitor_token)
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                had_cookie = session_id is not None
                is_done, cookie = self._without_writing(session, had_cookie, scope)
                if not is_done:  # most requests write nothing, and take no thread hop
                    cookie = await run_in_threadpool(self._store, session, had_cookie, scope)
                headers = MutableHeaders(scope=message)
                if cookie is not None:
                    headers.append("Set-Cookie", cookie)
                visitor = self._visitor_cookie(session, scope)
                if visitor is not None:
                    headers.append("Set-Cookie", visitor)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _is_secure(self, scope: Scope) -> bool:
        if self.public_scheme is not None:
            return self.public_scheme == "https"
        return scope.get("scheme") == "https" or self.is_secure_default

    def _cookie(self, scope: Scope, value: str, max_age: int) -> str:
        return self._named_cookie(scope, SESSION_COOKIE, value, max_age)

    def _named_cookie(self, scope: Scope, name: str, value: str, max_age: int) -> str:
        parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly"]
        parts.append("SameSite=Lax")
        if self._is_secure(scope):
            parts.append("Secure")
        return "; ".join(parts)

    def _new_cookie(self, scope: Scope, session_id: str, expires_at: datetime) -> str:
        seconds = int((expires_at - utc_now()).total_seconds())
        return self._cookie(scope, session_id, max(seconds, 1))

    def _visitor_cookie(self, session: ServerSession, scope: Scope) -> str | None:
        """Return the CSRF cookie to set for a visitor with a new token, or to clear."""
        if scope["path"].startswith(_SESSIONLESS_PREFIXES):
            return None
        token = session.get("csrf")
        if session.is_visitor and isinstance(token, str) and token != session.cookie_csrf:
            return self._named_cookie(scope, CSRF_COOKIE, token, CSRF_COOKIE_MAX_AGE)
        if not session.is_visitor and session.cookie_csrf is not None:
            return self._named_cookie(scope, CSRF_COOKIE, "", 0)  # moved into the session
        return None

    def _without_writing(
        self, session: ServerSession, had_cookie: bool, scope: Scope
    ) -> tuple[bool, str | None]:
        """Return (True, Set-Cookie value) when the session needs no write, else (False, None).

        Decided on the event loop, with no database: only a write goes to ``_store``.
        """
        if scope["path"].startswith(_SESSIONLESS_PREFIXES):
            return True, None
        data = dict(session)
        if session.is_visitor or (not data and session.session_id is None):
            # no row for a visitor's token alone (it travels in its own cookie), none to end
            return True, self._cookie(scope, "", 0) if had_cookie else None
        if not data or session.session_id is None or session.is_regenerated:
            return False, None
        return self._renewal(session, data) is None, None

    def _renewal(
        self, session: ServerSession, data: dict[str, Any]
    ) -> tuple[datetime, bool] | None:
        """Return the new expiry of a stored session to save and whether its data changed,
        or None when it is neither changed nor due for renewal."""
        assert session.created_at is not None and session.expires_at is not None
        expires_at = self.lifetimes.expiry(
            now=utc_now(),
            created_at=session.created_at,
            is_login=isinstance(data.get("facilitator_id"), int),
            is_member=bool(data.get("participants")),
        )
        is_changed = _snapshot(data) != session.snapshot
        if not is_changed and expires_at - session.expires_at < self._renewal_step(data):
            return None
        return expires_at, is_changed

    def _store(self, session: ServerSession, had_cookie: bool, scope: Scope) -> str | None:
        """Write what changed (``_without_writing`` said there is a write); return the
        Set-Cookie value to send, if any."""
        data = dict(session)
        if not data:  # emptied (a logout): end the stored session
            if session.session_id is not None:
                end_web_session(self.session_factory, session.session_id)
            return self._cookie(scope, "", 0) if had_cookie else None
        if session.session_id is None or session.is_regenerated:
            if session.session_id is not None:
                end_web_session(self.session_factory, session.session_id)
            self._purge_now_and_then()
            new_id, expires_at = create_web_session(
                self.session_factory, data, lifetimes=self.lifetimes
            )
            return self._new_cookie(scope, new_id, expires_at)
        renewal = self._renewal(session, data)
        if renewal is None:
            return None
        renewed, is_changed = renewal
        stored = data if is_changed else None  # a renewal only: keep the data as stored
        if not save_web_session(
            self.session_factory, session.session_id, stored, expires_at=renewed
        ):
            return self._cookie(scope, "", 0)  # ended meanwhile (logout elsewhere)
        return self._new_cookie(scope, session.session_id, renewed)

    def _renewal_step(self, data: dict[str, Any]) -> timedelta:
        is_visitor = data.get("participants") and not isinstance(data.get("facilitator_id"), int)
        idle = self.lifetimes.visitor_idle if is_visitor else self.lifetimes.login_idle
        return max(timedelta(seconds=30), idle / 10)

    def _purge_now_and_then(self) -> None:
        with self._purge_lock:
            if time.monotonic() - self._last_purge < _PURGE_EVERY:
                return
            self._last_purge = time.monotonic()
        purge_expired_sessions(self.session_factory)
