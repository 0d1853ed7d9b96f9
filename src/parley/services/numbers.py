"""The number people see for a statement, in bulk: one number per statement everywhere.

``rules.public_number`` is the rule (Polis's tid for an imported statement and its copies,
else the joint statement's id); this module reads what it needs for many statements at once.
Every page, export, API answer, brief and CLI output that shows a statement's number uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from parley.db.engine import SessionFactory
from parley.db.models import Statement

from .agenda_document import AgendaDocument
from .rules import public_number
from .sessions import read_session

__all__ = ["conversation_numbers", "number_documents", "numbers_for", "statement_numbers"]

_CHUNK = 500  # ids per IN (...) list


def _select() -> Select[int, int | None, int | None, int | None]:
    root = aliased(Statement)
    return select(
        Statement.id, Statement.origin_id, Statement.external_id, root.external_id
    ).outerjoin(root, root.id == Statement.origin_id)


def _rows_to_numbers(
    rows: Iterable[tuple[int, int | None, int | None, int | None]],
) -> dict[int, int]:
    return {
        int(sid): public_number(int(sid), origin, own if origin is None else root_external)
        for sid, origin, own, root_external in rows
    }


def statement_numbers(session: Session, statement_ids: Iterable[int]) -> dict[int, int]:
    """Return the number people see for each of these statements (any conversation), by id.

    Unknown ids are left out.
    """
    ids = sorted({int(i) for i in statement_ids})
    out: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        out.update(_rows_to_numbers(session.execute(_select().where(Statement.id.in_(chunk)))))
    return out


def conversation_numbers(session: Session, conversation_id: int) -> dict[int, int]:
    """Return the number people see for each of a conversation's statements, by id."""
    rows = session.execute(_select().where(Statement.conversation_id == conversation_id))
    return _rows_to_numbers(rows)


def number_documents(session_factory: SessionFactory, documents: Sequence[AgendaDocument]) -> None:
    """Give the statements of agendas stored before numbers were kept their numbers (in memory).

    The worker stores each statement's ``number``; this fills an older document as it is
    read (nothing is written).
    """
    missing = [
        s for d in documents for item in d.items for s in item.statements if s.number is None
    ]
    if not missing:
        return
    with read_session(session_factory) as session:
        numbers = statement_numbers(session, [s.id for s in missing])
    for s in missing:
        s.number = numbers.get(s.id, s.id)


def numbers_for(session_factory: SessionFactory, statement_ids: Iterable[int]) -> dict[int, int]:
    """Return the number people see for each of these statements, in one read (pages)."""
    ids = list(statement_ids)
    if not ids:
        return {}
    with read_session(session_factory) as session:
        return statement_numbers(session, ids)
