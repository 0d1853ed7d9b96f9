"""Rate-limit buckets in the database: burst, refill, and one budget for every process."""

from __future__ import annotations

import pytest

from parley.db.engine import SessionFactory
from parley.errors import RateLimitError
from parley.services.rate_limits import DatabaseRateLimiter, bucket_key


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill(session_factory: SessionFactory) -> None:
    clock = Clock()
    limiter = DatabaseRateLimiter(session_factory, clock=clock)
    for _ in range(3):
        limiter.check(("join", "1.2.3.4"), rate=0.5, burst=3, what="joins")
    with pytest.raises(RateLimitError, match="too many joins") as raised:
        limiter.check(("join", "1.2.3.4"), rate=0.5, burst=3, what="joins")
    assert raised.value.retry_after == pytest.approx(2.0)
    limiter.check(("join", "5.6.7.8"), rate=0.5, burst=3)  # another key: its own bucket
    clock.now += 2.0
    limiter.check(("join", "1.2.3.4"), rate=0.5, burst=3)
    limiter.check(("anything",), rate=0, burst=1)  # rate 0: no limit


def test_two_processes_share_one_budget(session_factory: SessionFactory) -> None:
    clock = Clock()
    first = DatabaseRateLimiter(session_factory, clock=clock)
    second = DatabaseRateLimiter(session_factory, clock=clock)
    for limiter in (first, second, first, second):
        limiter.check(("login", "ann"), rate=0.1, burst=4)
    for limiter in (first, second):
        with pytest.raises(RateLimitError):
            limiter.check(("login", "ann"), rate=0.1, burst=4)


def test_old_buckets_are_forgotten(session_factory: SessionFactory) -> None:
    clock = Clock()
    limiter = DatabaseRateLimiter(session_factory, clock=clock)
    limiter.check("a", rate=1, burst=1)
    clock.now += 2 * 24 * 3600
    limiter.check("b", rate=1, burst=1)
    assert limiter.forget_old() == 1


def test_bucket_keys_are_text() -> None:
    assert bucket_key(("login", "ann", "::1")) == "login|ann|::1"
    assert bucket_key(7) == "7"
    assert len(bucket_key("x" * 400)) == 255
