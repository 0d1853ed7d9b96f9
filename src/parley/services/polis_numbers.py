"""Polis numbers: each participant's ``pid`` and each statement's ``tid`` in a conversation.

parley's Polis exports and its Polis API number rows the same way: a row imported from
Polis keeps its Polis id, and the others are numbered above the highest one in the order
they were created (from 0 when nothing was imported), so a number never changes once given.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley.db.models import Participant, Statement

__all__ = ["export_ids", "polis_numbers", "row_of_polis_number"]

Ids = NDArray[np.int64]


def export_ids(external: list[int | None]) -> Ids:
    """Ids to write for rows in database-id order: the Polis id, else a new one above them all."""
    ids = np.asarray([-1 if e is None else e for e in external], dtype=np.int64).reshape(-1)
    missing = ids < 0
    start = int(ids.max()) + 1 if len(ids) else 0
    ids[missing] = max(start, 0) + np.arange(int(missing.sum()), dtype=np.int64)
    return ids


def polis_numbers(
    session: Session, model: type[Participant] | type[Statement], conversation_id: int
) -> tuple[Ids, Ids]:
    """Return (database ids ascending, their Polis numbers) of a conversation's rows."""
    rows = session.execute(
        select(model.id, model.external_id)
        .where(model.conversation_id == conversation_id)
        .order_by(model.id)
    ).all()
    database_ids = np.asarray([r[0] for r in rows], dtype=np.int64).reshape(-1)
    return database_ids, export_ids([r[1] for r in rows])


def row_of_polis_number(
    session: Session,
    model: type[Participant] | type[Statement],
    conversation_id: int,
    number: int,
) -> int | None:
    """Return the database id that ``polis_numbers`` gives ``number``, or None; two small reads.

    The inverse of ``export_ids`` without reading every row: numbers below the highest
    Polis id are Polis ids, the others count the rows without one, in database-id order.
    """
    if number < 0:
        return None
    in_conversation = model.conversation_id == conversation_id
    top = session.scalar(select(func.max(model.external_id)).where(in_conversation))
    start = 0 if top is None else int(top) + 1
    if number < start:
        query = select(model.id).where(in_conversation, model.external_id == number)
    else:
        query = (
            select(model.id)
            .where(in_conversation, model.external_id.is_(None))
            .offset(number - start)
        )
    found = session.scalar(query.order_by(model.id).limit(1))
    return None if found is None else int(found)
