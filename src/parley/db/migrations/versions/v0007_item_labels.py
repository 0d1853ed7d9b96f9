"""Agenda item labels per language, and facilitators' renames per language.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Adds ``agenda_items.labels`` (language -> label from that language's statements) and
``agenda_items.custom_labels`` (language -> a facilitator's label), both JSON objects, empty
for existing rows. An item renamed before this revision keeps ``is_custom`` and its label,
which then stands for every language without a rename of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Add the two label columns, filled with empty objects."""
    with op.batch_alter_table("agenda_items") as batch:
        batch.add_column(sa.Column("labels", _JSON, nullable=True))
        batch.add_column(sa.Column("custom_labels", _JSON, nullable=True))
    op.execute("UPDATE agenda_items SET labels = '{}', custom_labels = '{}'")
    with op.batch_alter_table("agenda_items") as batch:
        batch.alter_column("labels", existing_type=_JSON, nullable=False)
        batch.alter_column("custom_labels", existing_type=_JSON, nullable=False)


def downgrade() -> None:
    """Drop the label columns."""
    with op.batch_alter_table("agenda_items") as batch:
        batch.drop_column("custom_labels")
        batch.drop_column("labels")
