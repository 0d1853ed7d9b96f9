"""Rounds: a facilitator closes a round and the joint agenda as it stood is frozen.

Closing round N copies the stored agenda document (``agenda.read_agenda``: items, labels,
statements, scores and every format's counts, exactly what the agenda page showed) into
``agenda_rounds`` with its number and date. Later votes, shares and renames never change a
closed round. The process goes on as the current round: statements carry forward, new ones
are added and shared as before, and the next close freezes round N + 1.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, func, select

from parley.db.engine import SessionFactory
from parley.db.models import Process, StoredAgenda
from parley.db.process_records import AgendaRound
from parley.db.types import utc_now
from parley.errors import ConflictError, InputError, NotFoundError, StateError

from .agenda import read_agenda
from .agenda_document import AgendaDocument, count_listed
from .numbers import number_documents
from .sessions import read_session

__all__ = [
    "MAX_NOTE_LENGTH",
    "MAX_ROUNDS",
    "RoundInfo",
    "agenda_version",
    "close_round",
    "last_round",
    "list_rounds",
    "read_round",
    "round_documents",
]

MAX_ROUNDS = 200  # rounds per process: the history chart and "what moved" stay cheap
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class RoundInfo:
    """A closed round: its number, when it closed, the facilitator's note and its counts."""

    number: int
    closed_at: datetime
    note: str
    n_items: int
    n_common: int
    n_contested: int
    n_waiting: int


def _info(number: int, closed_at: datetime, note: str, document: AgendaDocument) -> RoundInfo:
    counts = count_listed(s for item in document.items for s in item.statements)
    return RoundInfo(
        number=number,
        closed_at=closed_at,
        note=note,
        n_items=len(document.items),
        n_common=counts["common"],
        n_contested=counts["contested"] + counts["rejected"],
        n_waiting=counts["waiting"],
    )


def close_round(session_factory: SessionFactory, process_id: int, *, note: str = "") -> RoundInfo:
    """Freeze the process's stored agenda as its next round and return that round."""
    note = note.strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InputError(f"note is {len(note)} characters long; at most {MAX_NOTE_LENGTH}")
    document = read_agenda(session_factory, process_id).document
    if document.computed_at is None:
        raise StateError(
            f"process {process_id} has no computed agenda yet; wait for the worker to compute it"
        )
    closed_at = utc_now()
    with session_factory.begin() as session:
        if session.get(Process, process_id) is None:
            raise NotFoundError(f"process {process_id} does not exist")
        last = session.scalar(
            select(func.max(AgendaRound.number)).where(AgendaRound.process_id == process_id)
        )
        number = int(last or 0) + 1
        if number > MAX_ROUNDS:
            raise ConflictError(f"process {process_id} has {MAX_ROUNDS} rounds, the most it keeps")
        info = _info(number, closed_at, note, document)
        session.add(
            AgendaRound(
                process_id=process_id,
                number=number,
                closed_at=closed_at,
                note=note,
                n_items=info.n_items,
                n_common=info.n_common,
                n_contested=info.n_contested,
                n_waiting=info.n_waiting,
                document=document.model_dump(mode="json"),
            )
        )
    return info


def list_rounds(session_factory: SessionFactory, process_id: int) -> list[RoundInfo]:
    """Return the process's closed rounds, first first (their documents are not read)."""
    query = (
        select(
            AgendaRound.number,
            AgendaRound.closed_at,
            AgendaRound.note,
            AgendaRound.n_items,
            AgendaRound.n_common,
            AgendaRound.n_contested,
            AgendaRound.n_waiting,
        )
        .where(AgendaRound.process_id == process_id)
        .order_by(AgendaRound.number)
    )
    with read_session(session_factory) as session:
        return [RoundInfo(*row) for row in session.execute(query).all()]


def _rows(
    session_factory: SessionFactory, process_id: int, number: int | None = None
) -> list[tuple[int, datetime, str, AgendaDocument]]:
    query = (
        select(
            AgendaRound.number,
            AgendaRound.closed_at,
            AgendaRound.note,
            cast(AgendaRound.document, Text),
        )
        .where(AgendaRound.process_id == process_id)
        .order_by(AgendaRound.number)
    )
    if number is not None:
        query = query.where(AgendaRound.number == number)
    with read_session(session_factory) as session:
        rows = session.execute(query).all()
    out = [
        (int(n), at, str(note), AgendaDocument.model_validate_json(doc))
        for n, at, note, doc in rows
    ]
    number_documents(session_factory, [row[3] for row in out])
    return out


def last_round(
    session_factory: SessionFactory, process_id: int
) -> tuple[RoundInfo, AgendaDocument] | None:
    """Return the latest closed round with its document (None before the first)."""
    found = list_rounds(session_factory, process_id)
    if not found:
        return None
    return found[-1], read_round(session_factory, process_id, found[-1].number)


def read_round(session_factory: SessionFactory, process_id: int, number: int) -> AgendaDocument:
    """Return the agenda document frozen when round ``number`` closed (404 if none)."""
    rows = _rows(session_factory, process_id, number)
    if not rows:
        raise NotFoundError(f"process {process_id} has no closed round {number}")
    return rows[0][3]


def round_documents(
    session_factory: SessionFactory, process_id: int
) -> list[tuple[RoundInfo, AgendaDocument]]:
    """Return every closed round with its frozen document, first first."""
    return [
        (_info(number, closed_at, note, document), document)
        for number, closed_at, note, document in _rows(session_factory, process_id)
    ]


def agenda_version(session_factory: SessionFactory, process_id: int) -> str:
    """Return a short tag of what the agenda pages show: the stored agenda and its rounds.

    Live views poll with it: one small read, nothing computed per viewer.
    """
    with read_session(session_factory) as session:
        stored = session.execute(
            select(StoredAgenda.fingerprint, StoredAgenda.computed_at).where(
                StoredAgenda.process_id == process_id
            )
        ).first()
        n_rounds = session.scalar(
            select(func.count())
            .select_from(AgendaRound)
            .where(AgendaRound.process_id == process_id)
        )
    parts = ("-", "-") if stored is None else (stored[0], stored[1].isoformat())
    return hashlib.sha256(repr((*parts, n_rounds)).encode()).hexdigest()[:16]
