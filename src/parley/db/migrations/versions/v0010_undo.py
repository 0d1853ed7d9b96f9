"""Undo for merges and shares; closing a conversation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Adds ``process_actions``: one row per merge or share a facilitator made, with what it
changed as JSON (``record``), so that it can be undone (``undone_at``). Adds
``conversations.closed_at``: a closed conversation takes no votes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the process_actions table; add conversations.closed_at."""
    op.create_table(
        "process_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("record", _JSON, nullable=False),
        sa.CheckConstraint("kind IN ('merge', 'share')", name=op.f("ck_process_actions_kind")),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_process_actions_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_actions")),
    )
    op.create_index(op.f("ix_process_actions_process_id"), "process_actions", ["process_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("closed_at")
    op.drop_index(op.f("ix_process_actions_process_id"), table_name="process_actions")
    op.drop_table("process_actions")
