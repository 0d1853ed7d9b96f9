"""Translations: a joint statement's text in other languages, and a process's own texts.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Adds ``statement_translations`` (per joint statement: language, text, source, moderation
state, where and by whom it was offered) and ``text_translations`` (a process's name,
description, format names and agenda item labels in other languages).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the two translation tables."""
    op.create_table(
        "statement_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("moderation_state", sa.SmallInteger(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "moderation_state IN (-1, 0, 1)",
            name=op.f("ck_statement_translations_moderation_state"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_translations_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_statement_translations_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_statement_translations_participant_id_participants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_translations")),
    )
    op.create_index(
        op.f("ix_statement_translations_statement_id_language"),
        "statement_translations",
        ["statement_id", "language"],
    )
    op.create_table(
        "text_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_text_translations_process_id_processes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_translations")),
        sa.UniqueConstraint(
            "process_id",
            "kind",
            "ref_id",
            "language",
            name=op.f("uq_text_translations_process_id_kind_ref_id_language"),
        ),
    )


def downgrade() -> None:
    """Drop the translation tables."""
    op.drop_table("text_translations")
    op.drop_index(
        op.f("ix_statement_translations_statement_id_language"),
        table_name="statement_translations",
    )
    op.drop_table("statement_translations")
