"""SQLAlchemy models: conversations, statements, participants, votes, moderation, analyses.

Votes follow parley's convention (agree = +1, disagree = -1, pass = 0). ``vote_events`` is
an append-only log of every vote cast; ``votes`` holds the current vote per (participant,
statement), the last one cast. Votes and vote events carry their conversation's id, and
composite foreign keys make sure the participant and the statement belong to that same
conversation. Deleting a conversation deletes everything in it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import JSON_TYPE, UTCDateTime, utc_now

__all__ = [
    "MODERATION_MODES",
    "AgendaItem",
    "AnalysisResult",
    "Base",
    "Conversation",
    "Facilitator",
    "InstanceSecret",
    "ModerationLog",
    "ModerationMode",
    "Participant",
    "Process",
    "ProcessFormat",
    "Statement",
    "StoredAgenda",
    "Vote",
    "VoteEvent",
    "WebSession",
]

ModerationMode = Literal["strict", "open"]
MODERATION_MODES: tuple[ModerationMode, ...] = ("strict", "open")

#: Constraint names are fixed so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An autoincrementing 64-bit key; on SQLite only INTEGER PRIMARY KEY is the rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")

_VOTE_VALUES = "IN (-1, 0, 1)"


class Base(DeclarativeBase):
    """Declarative base holding the metadata that Alembic compares against."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON_TYPE,
        list[str]: JSON_TYPE,
    }


class Facilitator(Base):
    """Someone who runs conversations: an API key (hashed) and an optional password (hashed)."""

    __tablename__ = "facilitators"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(256), unique=True)
    # sha256 hex of the API key (high-entropy, so a fast hash is enough); the key is never stored
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)  # argon2id, PHC string
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class InstanceSecret(Base):
    """A secret this installation generated for itself (the session-signing key)."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class WebSession(Base):
    """A browser's session: the cookie holds a random id, only its sha256 hash is stored here."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # the logged-in facilitator, so that a password change or `parley admin logout` ends them
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="CASCADE"), index=True, default=None
    )
    data: Mapped[dict[str, Any]] = mapped_column()  # CSRF token, joined conversations
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class Conversation(Base):
    """One deliberation: a topic, its languages, its moderation mode and settings."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint("moderation_mode IN ('strict', 'open')", name="moderation_mode"),
        CheckConstraint("visibility IN ('public', 'members')", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(default=list)  # BCP 47 tags, e.g. ["de", "fr"]
    # strict: new statements wait for a moderator; open: shown at once, moderated after
    moderation_mode: Mapped[str] = mapped_column(String(8), default="open")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # who may read it (``rules.may_read``): "public" as in Polis, or "members" only
    visibility: Mapped[str] = mapped_column(String(8), default="public", server_default="public")
    # the unguessable key of its join link (/c/{id}?key=...); needed to join a members-only one
    join_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    # where an imported conversation came from (format, source, Polis summary.csv); else None
    origin: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # the facilitator who owns it; None (an import): every facilitator may manage it
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), default=None, index=True
    )
    # grow whenever votes, or moderation, change: the analysis worker compares them
    votes_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    moderation_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # set when a facilitator closes it: a closed conversation takes no votes
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Process(Base):
    """Several formats deliberating in parallel towards one joint agenda.

    ``settings`` holds ``parley.services.rules.ProcessSettings`` as JSON.
    ``observer_key`` opens the read-only agenda to observers (members of no format).
    """

    __tablename__ = "processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    observer_key: Mapped[str] = mapped_column(String(64), unique=True)
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitators.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # grows when the process changes in itself (formats, settings, item labels)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StoredAgenda(Base):
    """A process's joint agenda as the analysis worker last computed it (one row each)."""

    __tablename__ = "process_agendas"

    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    # the process's and its formats' versions the agenda reflects
    fingerprint: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utc_now)
    document: Mapped[dict[str, Any]] = mapped_column()
    joint_map: Mapped[dict[str, Any]] = mapped_column()


class ProcessFormat(Base):
    """One format of a process (e.g. "Astana group"): its members vote in its conversation."""

    __tablename__ = "formats"
    __table_args__ = (UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(256))
    # each format has a conversation of its own; its participants are the format's members
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class AgendaItem(Base):
    """A topic of a process's joint agenda, with a label per language.

    ``labels``: language -> label from that language's statements, most common language
    first; ``custom_labels``: language -> a facilitator's label (kept when items are
    recomputed). ``label`` is the label shown by default (``services.agenda_items``);
    ``is_custom``: a facilitator renamed it (before labels per language: in every language).
    """

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(Text)
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    custom_labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Participant(Base):
    """Someone taking part in one conversation, known by a hashed token and optional XID."""

    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("conversation_id", "id"),  # target of the composite foreign keys
        UniqueConstraint("conversation_id", "xid"),
        UniqueConstraint("conversation_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # sha256 hex of the participant's random token; the token itself is never stored
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    xid: Mapped[str | None] = mapped_column(String(256), default=None)  # external participant id
    external_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # Polis pid
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Statement(Base):
    """A statement to vote on, with its moderation state (-1 rejected, 0 pending, 1 accepted)."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("conversation_id", "id"),
        UniqueConstraint("conversation_id", "external_id"),
        UniqueConstraint("conversation_id", "origin_id"),  # one copy per joint statement
        ForeignKeyConstraint(
            ["conversation_id", "author_id"], ["participants.conversation_id", "participants.id"]
        ),
        CheckConstraint(f"moderation_state {_VOTE_VALUES}", name="moderation_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    external_id: Mapped[int | None] = mapped_column(BigInteger, default=None)  # Polis tid
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35), default=None)  # BCP 47
    author_id: Mapped[int | None] = mapped_column(default=None)  # a participant; None: unknown
    is_seed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_meta: Mapped[bool] = mapped_column(Boolean, default=False)
    moderation_state: Mapped[int] = mapped_column(SmallInteger, default=0)
    moderated_by: Mapped[str | None] = mapped_column(String(256), default=None)
    moderated_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # how ``language`` was set: "detected", "author" (corrected), "import" or "facilitator"
    language_source: Mapped[str | None] = mapped_column(String(16), default=None)
    # unit-length float32 sentence embedding (little-endian bytes) and the model that made it
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedding_model: Mapped[str | None] = mapped_column(String(32), default=None)
    # a copy shared into another format points at the joint statement it copies (its root)
    origin_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL"), default=None, index=True
    )
    # a duplicate merged away points at the statement that took its votes
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL"), default=None
    )
    # the agenda item of a joint statement (set on roots only)
    agenda_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL"), default=None, index=True
    )


def _vote_keys() -> tuple[ForeignKeyConstraint, ForeignKeyConstraint]:
    """Composite keys tying a vote's participant and statement to its conversation."""
    return (
        ForeignKeyConstraint(
            ["conversation_id", "participant_id"],
            ["participants.conversation_id", "participants.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["conversation_id", "statement_id"],
            ["statements.conversation_id", "statements.id"],
            ondelete="CASCADE",
        ),
    )


class VoteEvent(Base):
    """One vote as cast (append-only); a changed vote is a new event."""

    __tablename__ = "vote_events"
    __table_args__ = (
        *_vote_keys(),
        CheckConstraint(f"value {_VOTE_VALUES}", name="value"),
        # a client retrying a vote with the same key gets no second event
        UniqueConstraint("participant_id", "idempotency_key"),
        Index(None, "conversation_id", "created_at"),
        Index(None, "participant_id", "statement_id"),
        Index(None, "statement_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column()
    statement_id: Mapped[int] = mapped_column()
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), default=None)


class Vote(Base):
    """The current vote of a participant on a statement (the last event wins)."""

    __tablename__ = "votes"
    __table_args__ = (
        *_vote_keys(),
        CheckConstraint(f"value {_VOTE_VALUES}", name="value"),
        Index(None, "conversation_id"),
        Index(None, "statement_id"),
    )

    participant_id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ModerationLog(Base):
    """One change of a statement's moderation state: who, when, from what to what, and why."""

    __tablename__ = "moderation_log"
    __table_args__ = (
        CheckConstraint(f"from_state {_VOTE_VALUES}", name="from_state"),
        CheckConstraint(f"to_state {_VOTE_VALUES}", name="to_state"),
        Index(None, "statement_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    from_state: Mapped[int] = mapped_column(SmallInteger)
    to_state: Mapped[int] = mapped_column(SmallInteger)
    actor: Mapped[str | None] = mapped_column(String(256), default=None)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    reason: Mapped[str | None] = mapped_column(Text, default=None)


class AnalysisResult(Base):
    """A stored analysis of a conversation: its JSON result and the state for warm starts."""

    __tablename__ = "analysis_results"
    __table_args__ = (
        CheckConstraint("n_votes >= 0", name="n_votes"),
        Index(None, "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    n_votes: Mapped[int] = mapped_column(Integer)  # the number of final votes it reflects
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    payload: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # the conversation's versions this analysis reflects (see Conversation)
    votes_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    moderation_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # routing priority per statement id (JSON keys are strings), read by next_statement
    priorities: Mapped[dict[str, Any] | None] = mapped_column(default=None)
