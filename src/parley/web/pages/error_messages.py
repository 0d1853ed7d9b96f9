"""What a visitor reads when something goes wrong: one table from error to catalog key.

Pages never show an error's own text (English, and it may name internal ids such as
``statement 123``): they show the translated message of its class, or of its HTTP status
for errors that are not parley's. Facilitators also see the English detail, folded away.
A page that raises an error with a message of its own, already translated, raises a
``Translated`` one, whose text is shown as it is.
"""

from __future__ import annotations

from typing import Final

from parley.errors import (
    AuthenticationError,
    ClosedError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    ParleyError,
    RateLimitError,
    UnavailableError,
)
from parley.web.i18n import Translator

__all__ = [
    "ERROR_KEYS",
    "STATUS_KEYS",
    "Translated",
    "TranslatedConflictError",
    "TranslatedInputError",
    "error_key",
    "error_message",
]


class Translated:
    """Mixed into an error that a page raises with a message in the visitor's language."""


class TranslatedInputError(Translated, InputError):
    """A page's own 400, already translated (``t("vote.invalid")``)."""


class TranslatedConflictError(Translated, ConflictError):
    """A page's own 409, already translated (``t("participate.other_format", ...)``)."""


#: parley's errors, most specific first, and the catalog key a page shows for each
ERROR_KEYS: Final[tuple[tuple[type[ParleyError], str], ...]] = (
    (RateLimitError, "error.rate_limit"),
    (UnavailableError, "error.unavailable"),
    (AuthenticationError, "error.authentication"),
    (ForbiddenError, "error.forbidden"),
    (NotFoundError, "error.gone"),
    (ClosedError, "error.closed"),
    (ConflictError, "error.conflict"),
    (InputError, "error.input"),
)
#: other errors by HTTP status (an unknown path, a form that does not validate, a 500)
STATUS_KEYS: Final[dict[int, str]] = {
    401: "error.authentication",
    403: "error.forbidden",
    404: "error.not_found",
    413: "error.input",
    422: "error.input",
    429: "error.rate_limit",
    503: "error.unavailable",
}


def error_key(error: BaseException | None, status: int) -> str:
    """Return the catalog key of the message a page shows for this error."""
    if isinstance(error, ParleyError):
        for kind, key in ERROR_KEYS:
            if isinstance(error, kind):
                return key
    return STATUS_KEYS.get(status, "error.generic")


def error_message(t: Translator, error: BaseException | None, status: int = 400) -> str:
    """Return the translated message a page shows for this error (no ids, no English detail)."""
    if isinstance(error, Translated):
        return str(error)
    return t(error_key(error, status))
