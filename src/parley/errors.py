"""The one exception tree of parley.

::

    ParleyError                 (status 400)
    ├── InputError              bad user input: a file, a value, an option (400)
    │   ├── ExportFormatError   a Polis export that cannot be read (422)
    │   ├── SignConventionError an export whose vote signs look flipped (422)
    │   └── UnstorableValueError text with a NUL, an integer beyond the database's range (422)
    ├── AuthenticationError     no or an unknown API key, token or password (401)
    ├── ForbiddenError          known, but not allowed to do this (403)
    ├── NotFoundError           an id or a file that does not exist (404)
    ├── ConflictError           clashes with what is stored: a taken name, a duplicate (409)
    │   └── ClosedError         the conversation is closed: no more votes or statements (409)
    ├── StateError              an analysis state that does not fit the data (409)
    ├── RateLimitError          too many requests; ``retry_after`` seconds to wait (429)
    └── UnavailableError        the server is shutting down or overloaded (503)

Every class carries ``status``, an HTTP status hint for the web edge; the CLI prints the
message in red and exits 1. A traceback is for parley's own bugs, never a user's mistake.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ClosedError",
    "ConflictError",
    "ExportFormatError",
    "ForbiddenError",
    "InputError",
    "NotFoundError",
    "ParleyError",
    "RateLimitError",
    "SignConventionError",
    "StateError",
    "UnavailableError",
    "UnstorableValueError",
]


class ParleyError(Exception):
    """Base class of every error that parley raises on purpose."""

    status: int = 400


class InputError(ParleyError):
    """A value, option or file given by the user is wrong."""

    status = 400


class ExportFormatError(InputError):
    """A Polis export file is missing or malformed; the message names file and line."""

    status = 422

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}" + (f", line {line}" if line is not None else "") + ": "
        super().__init__(where + message)
        self.path = path
        self.line = line


class SignConventionError(ExportFormatError):
    """The export's vote signs contradict its comment counts (agree stored as -1)."""


class UnstorableValueError(InputError):
    """A value no database column can hold: text with a NUL or a lone surrogate, a huge integer."""

    status = 422


class AuthenticationError(ParleyError):
    """No credentials, or credentials parley does not know (an API key, a token, a password)."""

    status = 401


class ForbiddenError(ParleyError):
    """The caller is known but may not do this (another facilitator's conversation)."""

    status = 403


class ConflictError(ParleyError):
    """The request clashes with what is stored (a taken name, a vote on a rejected statement)."""

    status = 409


class ClosedError(ConflictError):
    """The conversation is closed: it takes no more votes or statements."""


class RateLimitError(ParleyError):
    """Too many requests in a short time; ``retry_after`` says how many seconds to wait."""

    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableError(ParleyError):
    """The service cannot take the request now (shutting down); try again later."""

    status = 503


class NotFoundError(ParleyError):
    """Something named by id or path does not exist."""

    status = 404


class StateError(ParleyError):
    """A saved analysis state cannot be used with the data at hand."""

    status = 409
