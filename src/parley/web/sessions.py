"""Login sessions and CSRF for the pages: a session kept on the server, revocable.

The cookie (``parley_session``: HttpOnly, SameSite=Lax, Secure over https) carries only a
random session id; ``parley.web.server_sessions`` loads the session's data from the database
into ``request.session``: the logged-in facilitator's id, the participants this browser
votes as (conversation id -> participant id; tokens are never kept) and a per-session CSRF
token. Every form that POSTs must carry the CSRF token, as a hidden field ``csrf_token``
(``csrf_token(request)`` in the template) or as the header ``X-CSRF-Token`` (htmx:
``hx-headers``). ``CsrfDep`` checks it; the facilitator and participant dependencies check it
by themselves whenever the cookie is what authenticates an unsafe request.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import Depends
from starlette.requests import HTTPConnection, Request

from parley.errors import ForbiddenError

from .server_sessions import SESSION_COOKIE, ServerSession

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfDep",
    "csrf_token",
    "login",
    "logout",
    "remember_participant",
    "remembered_conversations",
    "session_facilitator",
    "session_participant",
    "verify_csrf",
]

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MAX_REMEMBERED_CONVERSATIONS = 20  # keeps the stored session small
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _session(connection: HTTPConnection) -> dict[str, Any]:
    session: dict[str, Any] = connection.session
    return session


def csrf_token(connection: HTTPConnection) -> str:
    """Return this session's CSRF token (creating it), for a hidden form field or a header."""
    session = _session(connection)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def login(connection: HTTPConnection, facilitator_id: int) -> None:
    """Log a facilitator in: a new session id and CSRF token, keeping joined conversations."""
    session = _session(connection)
    if isinstance(session, ServerSession):
        session.regenerate()
    participants = session.get("participants", {})
    session.clear()
    session["facilitator_id"] = facilitator_id
    session["participants"] = participants
    session["csrf"] = secrets.token_urlsafe(32)


def logout(connection: HTTPConnection) -> None:
    """End the session: its row is deleted, so a copy of the cookie stops working too."""
    _session(connection).clear()


def session_facilitator(connection: HTTPConnection) -> int | None:
    """Return the id of the facilitator logged in with this session, or None."""
    value = _session(connection).get("facilitator_id")
    return value if isinstance(value, int) else None


def remember_participant(
    connection: HTTPConnection, conversation_id: int, participant_id: int
) -> None:
    """Keep a participant in the session, so that this browser votes as them."""
    session = _session(connection)
    members = dict(session.get("participants", {}))
    members.pop(str(conversation_id), None)
    members[str(conversation_id)] = participant_id
    while len(members) > MAX_REMEMBERED_CONVERSATIONS:
        members.pop(next(iter(members)))
    session["participants"] = members
    csrf_token(connection)


def remembered_conversations(connection: HTTPConnection) -> list[int]:
    """Return the conversations this session votes in."""
    members = _session(connection).get("participants", {})
    return [int(key) for key in members if str(key).isdigit()]


def session_participant(connection: HTTPConnection, conversation_id: int) -> int | None:
    """Return the participant this session votes as in a conversation, or None."""
    value = _session(connection).get("participants", {}).get(str(conversation_id))
    return value if isinstance(value, int) and not isinstance(value, bool) else None


async def verify_csrf(request: Request) -> None:
    """Refuse an unsafe request (POST, ...) whose CSRF token is missing or wrong (403)."""
    if request.method in _SAFE_METHODS:
        return
    expected = _session(request).get("csrf")
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not (
        isinstance(expected, str)
        and given
        and hmac.compare_digest(expected.encode(), given.encode())
    ):
        raise ForbiddenError(
            "the form's CSRF token is missing or out of date; reload the page and try again"
        )


CsrfDep = Annotated[None, Depends(verify_csrf)]
