"""The one exception tree of parley.

::

    ParleyError                 (status 400)
    ├── InputError              bad user input: a file, a value, an option (400)
    │   ├── ExportFormatError   a Polis export that cannot be read (422)
    │   └── SignConventionError an export whose vote signs look flipped (422)
    ├── NotFoundError           an id or a file that does not exist (404)
    └── StateError              an analysis state that does not fit the data (409)

Every class carries ``status``, an HTTP status hint for the web edge; the CLI prints the
message in red and exits 1. A traceback is for parley's own bugs, never a user's mistake.
"""

from __future__ import annotations

__all__ = [
    "ExportFormatError",
    "InputError",
    "NotFoundError",
    "ParleyError",
    "SignConventionError",
    "StateError",
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


class NotFoundError(ParleyError):
    """Something named by id or path does not exist."""

    status = 404


class StateError(ParleyError):
    """A saved analysis state cannot be used with the data at hand."""

    status = 409
