"""Conversation visibility: public (as in Polis) or members only, and an unguessable join key.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Adds ``conversations.visibility`` ('public' or 'members'; existing conversations stay
public) and ``conversations.join_key`` (the random key of a members-only conversation's join
link, unique; NULL until one is made).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two columns, their check and their unique constraint."""
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("visibility", sa.String(length=8), server_default="public", nullable=False)
        )
        batch.add_column(sa.Column("join_key", sa.String(length=64), nullable=True))
        batch.create_check_constraint(
            op.f("ck_conversations_visibility"), "visibility IN ('public', 'members')"
        )
        batch.create_unique_constraint(op.f("uq_conversations_join_key"), ["join_key"])


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("conversations") as batch:
        batch.drop_constraint(op.f("uq_conversations_join_key"), type_="unique")
        batch.drop_constraint(op.f("ck_conversations_visibility"), type_="check")
        batch.drop_column("join_key")
        batch.drop_column("visibility")
