"""Models of translations: a joint statement's text in other languages, and a process's texts.

``statement_translations`` holds one row per statement and language, with its source (author,
facilitator, participant, linked, machine) and moderation state; ``text_translations`` holds a
process's name, description, format names and item labels in other languages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import _VOTE_VALUES, Base
from .types import utc_now

__all__ = ["StatementTranslation", "TextTranslation"]


class StatementTranslation(Base):
    """A joint statement's text in another language: who made it and its moderation state.

    Stored on the root (the joint statement), so it applies to every shared copy. ``source``:
    "author", "facilitator", "participant", "linked" (a merged equivalent) or "machine".
    A participant's translation follows the moderation mode of ``conversation_id``.
    """

    __tablename__ = "statement_translations"
    __table_args__ = (
        CheckConstraint(f"moderation_state {_VOTE_VALUES}", name="moderation_state"),
        Index(None, "statement_id", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))  # BCP 47
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    moderation_state: Mapped[int] = mapped_column(SmallInteger, default=1)
    # the format (conversation) where a participant offered it; its moderation mode applies
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), default=None
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), default=None
    )
    created_by: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class TextTranslation(Base):
    """A process's own text in another language: its name, description or a format name.

    ``kind`` is "name", "description" or "format"; ``ref_id`` the format's id (0 for the
    process's name and description). Agenda item labels per language are the items' own
    (``AgendaItem.custom_labels``); migration 0012 moved the former "item" rows there.
    """

    __tablename__ = "text_translations"
    __table_args__ = (UniqueConstraint("process_id", "kind", "ref_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(35))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
