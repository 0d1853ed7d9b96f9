"""The token-bucket rate limiter, with a fake clock."""

from __future__ import annotations

import pytest

from parley.errors import RateLimitError
from parley.web.limits import RateLimiter


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for _ in range(3):
        limiter.check("p", rate=2.0, burst=3)
    with pytest.raises(RateLimitError) as caught:
        limiter.check("p", rate=2.0, burst=3)
    assert caught.value.retry_after == pytest.approx(0.5)
    assert caught.value.status == 429
    limiter.check("q", rate=2.0, burst=3)  # another key has its own bucket
    clock.now += 0.5
    limiter.check("p", rate=2.0, burst=3)
    with pytest.raises(RateLimitError):
        limiter.check("p", rate=2.0, burst=3)


def test_rate_zero_means_no_limit() -> None:
    limiter = RateLimiter(clock=Clock())
    for _ in range(1000):
        limiter.check("p", rate=0, burst=1)


def test_full_buckets_are_forgotten_when_there_are_many() -> None:
    clock = Clock()
    limiter = RateLimiter(max_keys=10, clock=clock)
    for key in range(10):
        limiter.check(key, rate=1.0, burst=5)
    clock.now += 10
    limiter.check("new", rate=1.0, burst=5)
    assert len(limiter._buckets) == 1
