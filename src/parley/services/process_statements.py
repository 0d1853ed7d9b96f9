"""Where a process's joint statements are: the formats that hold each one, itself or a copy."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement

from .processes import process_info
from .sessions import read_session

__all__ = ["PlacedStatement", "placed_statements"]


@dataclass(frozen=True)
class PlacedStatement:
    """A joint statement, the format it was written in and every format holding it."""

    id: int
    text: str
    language: str | None
    format_name: str
    format_names: tuple[str, ...]  # the formats holding it (root or copy), in process order


def placed_statements(session_factory: SessionFactory, process_id: int) -> list[PlacedStatement]:
    """Return the process's visible joint statements in id order, with where they are.

    Visible as on the joint agenda: not rejected, and accepted unless the format's
    conversation is moderated in open mode.
    """
    process_info(session_factory, process_id)  # raises NotFoundError for an unknown process
    with read_session(session_factory) as session:
        rows = session.execute(
            select(
                Statement.id,
                Statement.origin_id,
                Statement.text,
                Statement.language,
                Statement.moderation_state,
                Conversation.moderation_mode,
                ProcessFormat.name,
                ProcessFormat.position,
            )
            .join(ProcessFormat, ProcessFormat.conversation_id == Statement.conversation_id)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(ProcessFormat.process_id == process_id, Statement.moderation_state != -1)
            .order_by(Statement.id)
        ).all()
    holders: dict[int, dict[str, int]] = {}
    for sid, origin, _text, _language, _state, _mode, name, position in rows:
        root = int(origin) if origin is not None else int(sid)
        holders.setdefault(root, {})[str(name)] = int(position)
    return [
        PlacedStatement(
            id=int(sid),
            text=str(text),
            language=language,
            format_name=str(name),
            format_names=tuple(sorted(holders[int(sid)], key=holders[int(sid)].__getitem__)),
        )
        for sid, origin, text, language, state, mode, name, _position in rows
        if origin is None and (state == 1 or mode == "open")
    ]
