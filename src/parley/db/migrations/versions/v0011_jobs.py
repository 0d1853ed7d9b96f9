"""Job leases, the job log and shared rate-limit buckets, for many workers and web processes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

Adds ``jobs`` (one lease per kept-current thing, with attempts and the last version done or
failed), ``job_runs`` (every run with owner, start and end) and ``rate_buckets`` (token
buckets shared by web processes). Column types spelt out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the three tables and their indexes."""
    op.create_table(
        "jobs",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_version", sa.String(length=128), nullable=True),
        sa.Column("failed_version", sa.String(length=128), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_lease_expires_at"), "jobs", ["lease_expires_at"])
    op.create_table(
        "job_runs",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("job_key", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_job_key_started_at"), "job_runs", ["job_key", "started_at"])
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("n_checks", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("rate_buckets")
    op.drop_index(op.f("ix_job_runs_job_key_started_at"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_jobs_lease_expires_at"), table_name="jobs")
    op.drop_table("jobs")
