"""Models of a process's history: closed rounds (frozen agendas) and undoable actions.

``agenda_rounds`` keeps each closed round's agenda document as it was shown, numbered per
process; ``process_actions`` records what each merge or share changed, so that it can be
undone exactly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base
from .types import utc_now

__all__ = ["AgendaRound", "ProcessAction"]


class AgendaRound(Base):
    """A closed round of a process: its joint agenda as it stood then, frozen (numbered 1, 2...)."""

    __tablename__ = "agenda_rounds"
    __table_args__ = (UniqueConstraint("process_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    closed_at: Mapped[datetime] = mapped_column(default=utc_now)
    note: Mapped[str] = mapped_column(Text, default="")
    # counts of the document, so that listing rounds reads no document
    n_items: Mapped[int] = mapped_column(Integer, default=0)
    n_common: Mapped[int] = mapped_column(Integer, default=0)
    n_contested: Mapped[int] = mapped_column(Integer, default=0)
    n_waiting: Mapped[int] = mapped_column(Integer, default=0)
    # the AgendaDocument the agenda showed when the round closed
    document: Mapped[dict[str, Any]] = mapped_column()


class ProcessAction(Base):
    """A facilitator's merge or share in a process; ``record`` holds what it changed (undo)."""

    __tablename__ = "process_actions"
    __table_args__ = (CheckConstraint("kind IN ('merge', 'share')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("processes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    actor: Mapped[str | None] = mapped_column(String(256), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    record: Mapped[dict[str, Any]] = mapped_column()
