"""Rounds: a process's joint agenda frozen when a facilitator closes a round.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Adds ``agenda_rounds``: one row per closed round of a process (its number, when it closed,
a note, the agenda document as it stood then and its counts). Later votes never change a row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the rounds table."""
    op.create_table(
        "agenda_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("n_common", sa.Integer(), nullable=False),
        sa.Column("n_contested", sa.Integer(), nullable=False),
        sa.Column("n_waiting", sa.Integer(), nullable=False),
        sa.Column("document", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_agenda_rounds_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_rounds")),
        sa.UniqueConstraint(
            "process_id", "number", name=op.f("uq_agenda_rounds_process_id_number")
        ),
    )
    op.create_index(op.f("ix_agenda_rounds_process_id"), "agenda_rounds", ["process_id"])


def downgrade() -> None:
    """Drop the rounds table."""
    op.drop_index(op.f("ix_agenda_rounds_process_id"), table_name="agenda_rounds")
    op.drop_table("agenda_rounds")
