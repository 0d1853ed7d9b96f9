"""Server-side sessions: the cookie carries a random id, the database its hash and data.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Adds ``web_sessions``: one row per browser session (sha256 of the id, the logged-in
facilitator, the CSRF token and joined conversations as JSON, the expiry), so that logout,
a password change and ``parley admin logout`` can end sessions. Column types spelt out.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the sessions table and its indexes."""
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
            name=op.f("fk_web_sessions_facilitator_id_facilitators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_facilitator_id"), "web_sessions", ["facilitator_id"])
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])


def downgrade() -> None:
    """Drop the sessions table."""
    op.drop_index(op.f("ix_web_sessions_expires_at"), table_name="web_sessions")
    op.drop_index(op.f("ix_web_sessions_facilitator_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
