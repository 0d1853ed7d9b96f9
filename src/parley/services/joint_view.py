"""What a format's members may see of the joint agenda, after voting.

A member sees where their format stands (the joint statements their format holds, each with
its kind and every format's stance) and, when the facilitator allows it
(``ProcessSettings.participants_see_agenda``), the whole joint agenda. Both read the stored
agenda; the privacy threshold (``brief.min_group_size``) is applied by the views.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Process, ProcessFormat
from parley.errors import ForbiddenError, NotFoundError

from .agenda_document import AgendaDocument, AgendaItemEntry
from .rules import ProcessSettings
from .sessions import read_session

__all__ = ["FormatView", "check_may_see", "format_items", "format_view"]


@dataclass(frozen=True)
class FormatView:
    """The process a format's conversation belongs to, as its members see it."""

    process_id: int
    format_name: str
    see_agenda: bool
    min_group_size: int


def format_view(session_factory: SessionFactory, conversation_id: int) -> FormatView | None:
    """Return the process view of a format's conversation (None outside a process)."""
    with read_session(session_factory) as session:
        row = session.execute(
            select(ProcessFormat.process_id, ProcessFormat.name, Process.settings)
            .join(Process, Process.id == ProcessFormat.process_id)
            .where(ProcessFormat.conversation_id == conversation_id)
        ).first()
    if row is None:
        return None
    settings = ProcessSettings.from_json(row[2])
    return FormatView(
        int(row[0]), str(row[1]), settings.participants_see_agenda, settings.min_group_size
    )


def check_may_see(
    view: FormatView | None, n_voted: int, *, whole_agenda: bool, conversation_id: int
) -> FormatView:
    """Return the view when a member who cast ``n_voted`` votes may see it, else raise."""
    if view is None:
        raise NotFoundError(f"conversation {conversation_id} is not a format of a process")
    if n_voted < 1:
        raise ForbiddenError("vote first: the joint picture opens after your first vote")
    if whole_agenda and not view.see_agenda:
        raise ForbiddenError("the facilitator has not opened the joint agenda to participants")
    return view


def format_items(document: AgendaDocument, format_name: str) -> list[AgendaItemEntry]:
    """Return the agenda's items restricted to the statements the format holds."""
    out = []
    for item in document.items:
        held = [s for s in item.statements if format_name in s.held_by]
        if held:
            out.append(item.model_copy(update={"statements": held}))
    return out
