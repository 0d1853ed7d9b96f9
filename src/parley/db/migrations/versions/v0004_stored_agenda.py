"""The joint agenda kept by the worker: a process version and the stored agenda.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Adds ``processes.version`` (grows when a process changes in itself: its formats, settings
or item labels) and ``process_agendas``, one row per process: the joint agenda document and
joint map the analysis worker computed, and the fingerprint of the versions it reflects.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add the process version and the stored agenda table."""
    with op.batch_alter_table("processes") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "process_agendas",
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.Column("joint_map", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_process_agendas_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("process_id", name=op.f("pk_process_agendas")),
    )


def downgrade() -> None:
    """Drop the stored agenda table and the process version."""
    op.drop_table("process_agendas")
    with op.batch_alter_table("processes") as batch:
        batch.drop_column("version")
