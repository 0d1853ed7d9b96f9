"""Column types shared by the models and the migrations: UTC timestamps and portable JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["EPOCH", "JSON_TYPE", "UTCDateTime", "datetimes_from_ms", "ms_from_datetimes", "utc_now"]

#: JSON on SQLite, JSONB on PostgreSQL (indexable, compact).
JSON_TYPE: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def datetimes_from_ms(ms: NDArray[np.int64]) -> list[datetime]:
    """Convert milliseconds since the epoch (Polis timestamps) to aware UTC datetimes, exactly."""
    return [EPOCH + timedelta(milliseconds=m) for m in ms.tolist()]


def ms_from_datetimes(times: list[datetime]) -> NDArray[np.int64]:
    """Convert aware datetimes to milliseconds since the epoch (rounded down)."""
    return np.asarray([(t - EPOCH) // _MS for t in times], dtype=np.int64).reshape(-1)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python; ``timestamptz`` on PostgreSQL, naive UTC text on SQLite.

    Binding a naive datetime is a bug (its zone is unknown), so it raises ValueError.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Check the value is aware and convert it to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime (SQLite gives back naive UTC)."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
