"""What the pages check on a form: the CSRF token, the login; the pages' own errors.

The session cookie, the CSRF token and the login itself belong to ``parley.web.sessions``;
this module turns its refusals into errors the page route renders in the visitor's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from parley.errors import ForbiddenError
from parley.web import sessions

__all__ = ["CSRF_FIELD", "CsrfError", "LoginRequired", "PageCsrfDep", "check_csrf"]

CSRF_FIELD = sessions.CSRF_FIELD


class CsrfError(Exception):
    """A form arrived without this browser's CSRF token."""


class LoginRequired(Exception):
    """A facilitator page was asked for without a valid login."""


async def check_csrf(request: Request) -> None:
    """Raise CsrfError unless the form field (or the htmx header) carries the CSRF token."""
    try:
        await sessions.verify_csrf(request)
    except ForbiddenError:
        raise CsrfError from None


#: add to a POST page route: refuses the request unless its CSRF token is right
PageCsrfDep = Annotated[None, Depends(check_csrf)]
