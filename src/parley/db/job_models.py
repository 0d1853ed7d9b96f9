"""Models for running many processes: job leases and their log, shared rate-limit buckets.

``jobs`` holds one row per thing the workers keep current (a conversation's analysis, its
embeddings, a process's joint agenda): who holds its lease and until when, how often it was
claimed, and the last version done (or failed). ``job_runs`` logs every run with its owner,
start and end. ``rate_buckets`` holds token buckets that every web process shares.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, BigId
from .types import utc_now

__all__ = ["Job", "JobRun", "RateBucket"]


class Job(Base):
    """A job's lease: held by ``lease_owner`` until ``lease_expires_at``, free when NULL."""

    __tablename__ = "jobs"
    __table_args__ = (Index(None, "lease_expires_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # "conversation:12"
    lease_owner: Mapped[str | None] = mapped_column(String(128), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_version: Mapped[str | None] = mapped_column(String(128), default=None)
    failed_version: Mapped[str | None] = mapped_column(String(128), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class JobRun(Base):
    """One run of a job: who ran it, at which version, from when to when, and how it ended."""

    __tablename__ = "job_runs"
    __table_args__ = (Index(None, "job_key", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_key: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)  # done, failed


class RateBucket(Base):
    """A token bucket shared by every web process: tokens left as of ``stamp`` (Unix time)."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)
    n_checks: Mapped[int] = mapped_column(BigInteger, default=0)
