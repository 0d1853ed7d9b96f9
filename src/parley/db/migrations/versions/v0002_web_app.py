"""Web app: facilitators, instance secrets, conversation owners and change versions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Adds the ``facilitators`` and ``instance_secrets`` tables; ``conversations.facilitator_id``,
``votes_version`` and ``moderation_version``; and on ``analysis_results`` the versions an
analysis reflects and its routing priorities. Self-contained like 0001: column types are
spelt out here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _versions() -> list[sa.Column[int]]:
    return [
        sa.Column("votes_version", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("moderation_version", sa.Integer(), server_default="0", nullable=False),
    ]


def upgrade() -> None:
    """Create the new tables and add the new columns."""
    op.create_table(
        "facilitators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilitators")),
        sa.UniqueConstraint("name", name=op.f("uq_facilitators_name")),
        sa.UniqueConstraint("api_key_hash", name=op.f("uq_facilitators_api_key_hash")),
    )
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_secrets")),
    )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("facilitator_id", sa.Integer(), nullable=True))
        for column in _versions():
            batch.add_column(column)
        batch.create_foreign_key(
            op.f("fk_conversations_facilitator_id_facilitators"),
            "facilitators",
            ["facilitator_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_conversations_facilitator_id"), ["facilitator_id"])
    with op.batch_alter_table("analysis_results") as batch:
        for column in _versions():
            batch.add_column(column)
        batch.add_column(sa.Column("priorities", _JSON, nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("analysis_results") as batch:
        batch.drop_column("priorities")
        batch.drop_column("moderation_version")
        batch.drop_column("votes_version")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_index(op.f("ix_conversations_facilitator_id"))
        batch.drop_constraint(
            op.f("fk_conversations_facilitator_id_facilitators"), type_="foreignkey"
        )
        batch.drop_column("moderation_version")
        batch.drop_column("votes_version")
        batch.drop_column("facilitator_id")
    op.drop_table("instance_secrets")
    op.drop_table("facilitators")
