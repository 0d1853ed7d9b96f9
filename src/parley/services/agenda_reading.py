"""The stored agenda in a reader's language: applied at read time, never stored.

Statement texts come from ``translations`` (joint statements), the process's name,
description and format names from ``process_texts``, item labels from the items' own labels
per language (``agenda_items``: keywords, or a facilitator's rename). The agenda is computed
once for everybody; reading it in another language writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import ProcessFormat

from .agenda_document import AgendaDocument, AgendaItemEntry, label_for
from .process_texts import process_texts
from .sessions import read_session
from .translations import readings

__all__ = ["agenda_in"]


def _label_in(item: AgendaItemEntry, languages: Sequence[str]) -> str:
    """Return the item's label in the first of ``languages`` it has one in (exact or base)."""
    for wanted in languages:
        if {wanted, wanted.split("-")[0]} & set(item.labels):
            return label_for(item, wanted)
    return label_for(item, languages[0]) if languages else item.label


def agenda_in(
    session_factory: SessionFactory,
    process_id: int,
    document: AgendaDocument,
    languages: Sequence[str],
) -> AgendaDocument:
    """Put texts and labels in the reader's languages where translated; return the document.

    Changes ``document`` in place (``read_agenda`` parses a fresh one for every read). Every
    statement also carries its original text and language.
    """
    ids = [s.id for item in document.items for s in item.statements]
    found = readings(session_factory, ids, languages) if languages else {}
    texts = process_texts(session_factory, process_id)
    with read_session(session_factory) as session:
        format_ids = {
            str(name): int(fid)
            for name, fid in session.execute(
                select(ProcessFormat.name, ProcessFormat.id).where(
                    ProcessFormat.process_id == process_id
                )
            ).all()
        }
    out = document
    out.process.name = texts.get("name", 0, out.process.name, languages)
    out.process.description = texts.get("description", 0, out.process.description, languages)
    for fmt in out.formats:
        ref = format_ids.get(fmt.name)
        fmt.label = fmt.name if ref is None else texts.get("format", ref, fmt.name, languages)
    for item in out.items:
        if item.item > 0:
            label = _label_in(item, languages)
            if label != item.label:
                item.original_label, item.label = item.label, label
        for entry in item.statements:
            entry.original_text, entry.original_language = entry.text, entry.language
            reading = found.get(entry.id)
            if reading is None:
                continue
            entry.text, entry.language = reading.text, reading.language
            entry.is_translation, entry.translation_source = (
                reading.is_translation,
                reading.source,
            )
    return out
