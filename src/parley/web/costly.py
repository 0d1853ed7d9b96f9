"""Rate limits of the costly paths: look-alike checks, joins and logins, API and pages alike.

Each path takes a token from one or more buckets of the app's ``costly_limiter``: this
process's ``RateLimiter``, or with ``parley serve --processes N`` the database's buckets
(``services.rate_limits``), so that the limits hold across every web process:

- look-alike checks (embedding a draft costs up to a second of CPU): per participant and
  per client address, and at most ``MAX_CONCURRENT_LOOK_ALIKES`` at a time in the process,
  so that they cannot take every worker thread from the other requests;
- joins (a new participant row each): per client address, one bucket for the API's join and
  the pages' join on a first visit;
- logins (an argon2 hash each): per client address, whatever the name, so that one password
  cannot be tried across many names; and per name *from that address*, so that a stranger
  guessing a facilitator's password locks out only themselves, never the facilitator;
- an observer's agenda (no login): per client address, one bucket for the API and the page,
  at ``PARLEY_OBSERVER_RATE`` after ``PARLEY_OBSERVER_BURST``;
- a facilitator's heavy requests (reclustering agenda items, listing look-alike pairs): per
  facilitator;
- participants' statements (an insert and an embedding each): per participant, at
  ``PARLEY_STATEMENT_RATE`` after ``PARLEY_STATEMENT_BURST``.

Votes are not here: their bucket is each process's (``Settings.vote_limit``), off the
database, so that the hot path costs no query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.requests import HTTPConnection

from parley.errors import RateLimitError

from .runtime import runtime_of

__all__ = [
    "JOIN_BURST",
    "JOIN_RATE",
    "LOGIN_BURST",
    "LOGIN_RATE",
    "LOOK_ALIKE_BURST",
    "LOOK_ALIKE_RATE",
    "MAX_CONCURRENT_LOOK_ALIKES",
    "client_address",
    "limit_facilitator_work",
    "limit_join",
    "limit_login",
    "limit_observer",
    "look_alike_check",
]

LOOK_ALIKE_RATE = 0.5  # checks per second per participant: one every 2 s after the burst
LOOK_ALIKE_BURST = 10
#: per address: a few participants behind one address (a classroom) still fit
ADDRESS_LOOK_ALIKE_RATE = 2.0
ADDRESS_LOOK_ALIKE_BURST = 40
MAX_CONCURRENT_LOOK_ALIKES = 2
JOIN_RATE = 20.0  # joins per second from one client address
JOIN_BURST = 200
LOGIN_RATE = 0.2  # attempts per second per name and address: one every 5 s after the burst
LOGIN_BURST = 10
ADDRESS_LOGIN_RATE = 0.5  # attempts per second per address, whatever the name
ADDRESS_LOGIN_BURST = 30
FACILITATOR_WORK_RATE = 0.2  # heavy requests per second per facilitator: one every 5 s
FACILITATOR_WORK_BURST = 10
#: process-wide, as the embedding model they run on is (``embeddings.shared_embedder``)
_LOOK_ALIKE_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_LOOK_ALIKES)


def client_address(connection: HTTPConnection) -> str:
    """Return the address the request came from ("unknown" when the server does not say)."""
    return connection.client.host if connection.client else "unknown"


@contextmanager
def look_alike_check(connection: HTTPConnection, participant_id: int) -> Iterator[None]:
    """Admit one look-alike check (429 past the rates or while others fill every slot)."""
    limiter = runtime_of(connection).costly_limiter
    limiter.check(
        ("look-alike", participant_id),
        rate=LOOK_ALIKE_RATE,
        burst=LOOK_ALIKE_BURST,
        what="look-alike checks",
    )
    limiter.check(
        ("look-alike-address", client_address(connection)),
        rate=ADDRESS_LOOK_ALIKE_RATE,
        burst=ADDRESS_LOOK_ALIKE_BURST,
        what="look-alike checks from this address",
    )
    if not _LOOK_ALIKE_SLOTS.acquire(blocking=False):
        raise RateLimitError(
            f"{MAX_CONCURRENT_LOOK_ALIKES} look-alike checks are running; try again in 1 s",
            retry_after=1.0,
        )
    try:
        yield
    finally:
        _LOOK_ALIKE_SLOTS.release()


def limit_join(connection: HTTPConnection) -> None:
    """Take a join from the address's bucket (API and pages share it), else 429."""
    runtime_of(connection).costly_limiter.check(
        ("join", client_address(connection)),
        rate=JOIN_RATE,
        burst=JOIN_BURST,
        what="joins from this address",
    )


def limit_login(connection: HTTPConnection, name: str) -> None:
    """Take a login attempt from the address's bucket and from the name's at this address."""
    limiter = runtime_of(connection).costly_limiter
    address = client_address(connection)
    limiter.check(
        ("login-address", address),
        rate=ADDRESS_LOGIN_RATE,
        burst=ADDRESS_LOGIN_BURST,
        what="login attempts from this address",
    )
    limiter.check(
        ("login", " ".join(name.split()).lower(), address),
        rate=LOGIN_RATE,
        burst=LOGIN_BURST,
        what="login attempts for this name",
    )


def limit_observer(connection: HTTPConnection) -> None:
    """Take an agenda view from the address's bucket (API and page share it), else 429."""
    runtime = runtime_of(connection)
    runtime.costly_limiter.check(
        ("observe", client_address(connection)),
        rate=runtime.settings.observer_rate,
        burst=runtime.settings.observer_burst,
        what="agenda views from this address",
    )


def limit_facilitator_work(connection: HTTPConnection, facilitator_id: int, *, what: str) -> None:
    """Take one heavy request (``what``, plural) from the facilitator's bucket, else 429."""
    runtime_of(connection).costly_limiter.check(
        ("facilitator-work", facilitator_id),
        rate=FACILITATOR_WORK_RATE,
        burst=FACILITATOR_WORK_BURST,
        what=what,
    )


def limit_statement(connection: HTTPConnection, participant_id: int) -> None:
    """Take a statement from the participant's bucket (API and pages share it), else 429."""
    runtime = runtime_of(connection)
    runtime.costly_limiter.check(
        ("statement", participant_id),
        rate=runtime.settings.statement_rate,
        burst=runtime.settings.statement_burst,
        what="statements",
    )
