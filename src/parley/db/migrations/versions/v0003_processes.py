"""Processes: formats, agenda items, and per-statement language, embedding and origin.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Adds ``processes``, ``formats`` (each with its own conversation) and ``agenda_items``; and
on ``statements`` how the language was set, the stored embedding, the joint statement a
shared copy comes from (``origin_id``), the statement a duplicate was merged into, and the
agenda item. Self-contained like 0001: column types are spelt out here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_STATEMENT_LINKS = (
    ("origin_id", "statements"),
    ("merged_into_id", "statements"),
    ("agenda_item_id", "agenda_items"),
)


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    """Create the new tables and add the new statement columns."""
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("observer_key", sa.String(length=64), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
            name=op.f("fk_processes_facilitator_id_facilitators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
        sa.UniqueConstraint("observer_key", name=op.f("uq_processes_observer_key")),
    )
    op.create_index(op.f("ix_processes_facilitator_id"), "processes", ["facilitator_id"])
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("is_custom", sa.Boolean(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_agenda_items_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    op.create_index(op.f("ix_agenda_items_process_id"), "agenda_items", ["process_id"])
    op.create_table(
        "formats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_formats_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_formats_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_formats")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_formats_conversation_id")),
        sa.UniqueConstraint("process_id", "name", name=op.f("uq_formats_process_id_name")),
    )
    with op.batch_alter_table("statements") as batch:
        batch.add_column(sa.Column("language_source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("embedding", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("embedding_model", sa.String(length=32), nullable=True))
        for column, target in _STATEMENT_LINKS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_statements_{column}_{target}"),
                target,
                [column],
                ["id"],
                ondelete="SET NULL",
            )
        batch.create_index(op.f("ix_statements_agenda_item_id"), ["agenda_item_id"])
        batch.create_index(op.f("ix_statements_origin_id"), ["origin_id"])
        batch.create_unique_constraint(
            op.f("uq_statements_conversation_id_origin_id"), ["conversation_id", "origin_id"]
        )


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("statements") as batch:
        batch.drop_constraint(op.f("uq_statements_conversation_id_origin_id"), type_="unique")
        batch.drop_index(op.f("ix_statements_origin_id"))
        batch.drop_index(op.f("ix_statements_agenda_item_id"))
        for column, target in reversed(_STATEMENT_LINKS):
            batch.drop_constraint(op.f(f"fk_statements_{column}_{target}"), type_="foreignkey")
            batch.drop_column(column)
        batch.drop_column("embedding_model")
        batch.drop_column("embedding")
        batch.drop_column("language_source")
    op.drop_table("formats")
    op.drop_index(op.f("ix_agenda_items_process_id"), "agenda_items")
    op.drop_table("agenda_items")
    op.drop_index(op.f("ix_processes_facilitator_id"), "processes")
    op.drop_table("processes")
