"""Rate limits shared by every web process: token buckets kept in the database.

With one web process, the buckets live in its memory (``parley.web.limits.RateLimiter``).
With several (``parley serve --processes N``), each would otherwise grant the whole budget
again, so the buckets move to the ``rate_buckets`` table: a check locks its bucket's row
(PostgreSQL ``SELECT ... FOR UPDATE``; SQLite's single writer), refills it for the time
passed, takes a token and writes it back, in one short transaction. Only the costly paths
(joins, logins, look-alike checks, observer reads, heavy facilitator requests) are limited
this way; votes are not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from parley.db.engine import SessionFactory
from parley.db.job_models import RateBucket
from parley.errors import RateLimitError

__all__ = ["DatabaseRateLimiter", "bucket_key"]

#: a bucket untouched this long is full again whatever its rate, and is deleted
FORGET_AFTER = 24 * 3600.0


def bucket_key(key: Hashable) -> str:
    """Return the text a bucket's key is stored under (at most 255 characters)."""
    parts = key if isinstance(key, tuple) else (key,)
    return "|".join(str(part) for part in parts)[:255]


class DatabaseRateLimiter:
    """Token buckets in the database: each key may spend ``burst`` at once, refilled at ``rate``/s.

    The same interface as ``parley.web.limits.RateLimiter``; safe across threads and
    processes.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        clock: Callable[[], float] = time.time,
        cleanup_every: int = 10_000,
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.cleanup_every = cleanup_every
        bind = session_factory.kw.get("bind")
        is_postgres = bind is not None and bind.dialect.name == "postgresql"
        self._upsert = postgresql_insert if is_postgres else sqlite_insert
        self._n_checks = 0

    def check(self, key: Hashable, *, rate: float, burst: int, what: str = "requests") -> None:
        """Take one token from ``key``'s bucket, or raise RateLimitError with the wait time.

        ``rate`` is in tokens per second; 0 turns the limit off.
        """
        if rate <= 0:
            return
        stored = bucket_key(key)
        now = self.clock()
        with self.session_factory.begin() as session:
            session.execute(
                self._upsert(RateBucket)
                .values(key=stored, tokens=float(burst), stamp=now, n_checks=0)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = session.execute(
                select(RateBucket.tokens, RateBucket.stamp)
                .where(RateBucket.key == stored)
                .with_for_update()
            ).one()
            tokens = min(float(burst), row.tokens + max(0.0, now - row.stamp) * rate)
            is_allowed = tokens >= 1.0
            session.execute(
                update(RateBucket)
                .where(RateBucket.key == stored)
                .values(
                    tokens=tokens - 1.0 if is_allowed else tokens,
                    stamp=now,
                    n_checks=RateBucket.n_checks + 1,
                )
            )
        self._n_checks += 1
        if self._n_checks % self.cleanup_every == 0:
            self.forget_old(now)
        if not is_allowed:
            wait = (1.0 - tokens) / rate
            raise RateLimitError(
                f"too many {what}: at most {burst} at once and {rate:g} per second; "
                f"try again in {math.ceil(wait)} s",
                retry_after=wait,
            )

    def forget_old(self, now: float | None = None) -> int:
        """Delete buckets untouched for a day (full again by then); return how many."""
        cutoff = (self.clock() if now is None else now) - FORGET_AFTER
        with self.session_factory.begin() as session:
            result = session.execute(delete(RateBucket).where(RateBucket.stamp < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]
