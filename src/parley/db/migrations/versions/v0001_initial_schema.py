"""Initial schema: conversations, participants, statements, votes, moderation, analyses.

Revision ID: 0001
Revises:
Create Date: 2026-11-24

Self-contained on purpose: it spells out its column types instead of importing parley's, so
that later changes to the models cannot change what this revision creates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_VOTE = "IN (-1, 0, 1)"


def _at(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _unique(table: str, *columns: str) -> tuple[sa.UniqueConstraint]:
    return (sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}")),)


def _conversation_id(table: str) -> tuple[sa.Column[int], sa.ForeignKeyConstraint]:
    return (
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f(f"fk_{table}_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
    )


def _vote_keys(table: str) -> tuple[sa.ForeignKeyConstraint, sa.ForeignKeyConstraint]:
    return (
        sa.ForeignKeyConstraint(
            ["conversation_id", "participant_id"],
            ["participants.conversation_id", "participants.id"],
            name=op.f(f"fk_{table}_conversation_id_participant_id_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id", "statement_id"],
            ["statements.conversation_id", "statements.id"],
            name=op.f(f"fk_{table}_conversation_id_statement_id_statements"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    """Create every table and index."""
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("languages", _JSON, nullable=False),
        sa.Column("moderation_mode", sa.String(length=8), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("origin", _JSON, nullable=True),
        _at("created_at"),
        sa.CheckConstraint(
            "moderation_mode IN ('strict', 'open')",
            name=op.f("ck_conversations_moderation_mode"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer(), nullable=False),
        *_conversation_id("analysis_results"),
        sa.Column("n_votes", sa.Integer(), nullable=False),
        _at("created_at"),
        sa.Column("payload", _JSON, nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("n_votes >= 0", name=op.f("ck_analysis_results_n_votes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
    )
    op.create_index(
        op.f("ix_analysis_results_conversation_id_created_at"),
        "analysis_results",
        ["conversation_id", "created_at"],
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        *_conversation_id("participants"),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("xid", sa.String(length=256), nullable=True),
        sa.Column("external_id", sa.BigInteger(), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint(
            "conversation_id",
            "external_id",
            name=op.f("uq_participants_conversation_id_external_id"),
        ),
        sa.UniqueConstraint(
            "conversation_id", "id", name=op.f("uq_participants_conversation_id_id")
        ),
        sa.UniqueConstraint(
            "conversation_id", "xid", name=op.f("uq_participants_conversation_id_xid")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_participants_token_hash")),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        *_conversation_id("statements"),
        sa.Column("external_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("is_seed", sa.Boolean(), nullable=False),
        sa.Column("is_meta", sa.Boolean(), nullable=False),
        sa.Column("moderation_state", sa.SmallInteger(), nullable=False),
        sa.Column("moderated_by", sa.String(length=256), nullable=True),
        _at("moderated_at", nullable=True),
        _at("created_at"),
        sa.CheckConstraint(
            f"moderation_state {_VOTE}", name=op.f("ck_statements_moderation_state")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id", "author_id"],
            ["participants.conversation_id", "participants.id"],
            name=op.f("fk_statements_conversation_id_author_id_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        *_unique("statements", "conversation_id", "external_id"),
        *_unique("statements", "conversation_id", "id"),
    )
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("from_state", sa.SmallInteger(), nullable=False),
        sa.Column("to_state", sa.SmallInteger(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=True),
        _at("at"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(f"from_state {_VOTE}", name=op.f("ck_moderation_log_from_state")),
        sa.CheckConstraint(f"to_state {_VOTE}", name=op.f("ck_moderation_log_to_state")),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_moderation_log_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    op.create_index(
        op.f("ix_moderation_log_statement_id_at"), "moderation_log", ["statement_id", "at"]
    )
    op.create_table(
        "vote_events",
        sa.Column("id", _BIG_ID, nullable=False),
        *_conversation_id("vote_events"),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        _at("created_at"),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.CheckConstraint(f"value {_VOTE}", name=op.f("ck_vote_events_value")),
        *_vote_keys("vote_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_events")),
        sa.UniqueConstraint(
            "participant_id",
            "idempotency_key",
            name=op.f("uq_vote_events_participant_id_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_vote_events_conversation_id_created_at"),
        "vote_events",
        ["conversation_id", "created_at"],
    )
    op.create_index(
        op.f("ix_vote_events_participant_id_statement_id"),
        "vote_events",
        ["participant_id", "statement_id"],
    )
    op.create_index(op.f("ix_vote_events_statement_id"), "vote_events", ["statement_id"])
    op.create_table(
        "votes",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        *_conversation_id("votes"),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        _at("updated_at"),
        sa.CheckConstraint(f"value {_VOTE}", name=op.f("ck_votes_value")),
        *_vote_keys("votes"),
        sa.PrimaryKeyConstraint("participant_id", "statement_id", name=op.f("pk_votes")),
    )
    op.create_index(op.f("ix_votes_conversation_id"), "votes", ["conversation_id"])
    op.create_index(op.f("ix_votes_statement_id"), "votes", ["statement_id"])


def downgrade() -> None:
    """Drop every table, children first."""
    for table in (
        "votes",
        "vote_events",
        "moderation_log",
        "statements",
        "participants",
        "analysis_results",
        "conversations",
    ):
        op.drop_table(table)  # its indexes go with it
