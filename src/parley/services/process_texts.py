"""A process's own texts in other languages: its name, description and format names.

Facilitators set them (settings page, API); readers get them at read time in their language
(exact tag, then base language, else the text as written), like statement translations.
An agenda item's label in a language is not one of them: it is the item's own
(``agenda_items.rename_item``), the one place item labels live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Process, ProcessFormat
from parley.db.storable import MAX_ID
from parley.db.translation_models import TextTranslation
from parley.db.types import utc_now
from parley.errors import InputError, NotFoundError

from .inputs import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, clean_text, language_tag
from .sessions import read_session
from .translations import language_matches, match_levels

__all__ = [
    "ITEM_LABELS_MOVED",
    "TEXT_KINDS",
    "FormatHeading",
    "TextKind",
    "TextTranslationInfo",
    "Texts",
    "format_heading",
    "list_text_translations",
    "process_texts",
    "set_text_translation",
]

TextKind = Literal["name", "description", "format"]
TEXT_KINDS: tuple[str, ...] = get_args(TextKind)
_MAX_LENGTH = {
    "name": MAX_NAME_LENGTH,
    "description": MAX_DESCRIPTION_LENGTH,
    "format": MAX_NAME_LENGTH,
}
ITEM_LABELS_MOVED = (
    "kind='item' is no longer a process text: label an agenda item in a language by renaming "
    "it (PUT /api/v1/processes/{process_id}/items/{item_id} with {label, language}, or on the "
    "agenda page)"
)


@dataclass(frozen=True)
class TextTranslationInfo:
    """One stored translation of a process's text."""

    kind: str
    ref_id: int
    language: str
    text: str


@dataclass(frozen=True)
class Texts:
    """A process's text translations, to look texts up in a reader's languages."""

    entries: tuple[TextTranslationInfo, ...] = ()

    def get(self, kind: str, ref_id: int, default: str, preferences: Sequence[str]) -> str:
        """Return the text in the first preferred language that has one, else ``default``."""
        mine = [e for e in self.entries if e.kind == kind and e.ref_id == ref_id]
        for wanted in preferences:
            for tag, exact in match_levels(wanted):
                found = [e for e in mine if language_matches(e.language, tag, exact=exact)]
                if found:
                    return found[0].text
        return default


def _check_ref(session: Session, process_id: int, kind: str, ref_id: int) -> None:
    if not 0 <= ref_id <= MAX_ID:
        raise NotFoundError(f"ref_id={ref_id} does not exist: ids are at most {MAX_ID}")
    if kind in ("name", "description"):
        if ref_id != 0:
            raise InputError(f"ref_id={ref_id}: the process's {kind} takes ref_id 0")
        return
    owner = session.scalar(select(ProcessFormat.process_id).where(ProcessFormat.id == ref_id))
    if owner != process_id:
        raise NotFoundError(f"format {ref_id} is not in process {process_id}")


def set_text_translation(
    session_factory: SessionFactory,
    process_id: int,
    kind: str,
    ref_id: int,
    language: str,
    text: str,
) -> TextTranslationInfo | None:
    """Store (or with empty ``text`` remove) a translation of a process's text."""
    if kind == "item":
        raise InputError(ITEM_LABELS_MOVED)
    if kind not in TEXT_KINDS:
        raise InputError(f"kind={kind!r} should be one of {', '.join(TEXT_KINDS)}")
    language = language_tag(language)
    text = clean_text(
        text, name=f"{kind} translation", max_length=_MAX_LENGTH[kind], allow_empty=True
    )
    with session_factory.begin() as session:
        if session.get(Process, process_id) is None:
            raise NotFoundError(f"process {process_id} does not exist")
        _check_ref(session, process_id, kind, ref_id)
        row = session.scalar(
            select(TextTranslation).where(
                TextTranslation.process_id == process_id,
                TextTranslation.kind == kind,
                TextTranslation.ref_id == ref_id,
                TextTranslation.language == language,
            )
        )
        if not text:
            if row is not None:
                session.delete(row)
            return None
        if row is None:
            row = TextTranslation(
                process_id=process_id, kind=kind, ref_id=ref_id, language=language
            )
            session.add(row)
        row.text, row.updated_at = text, utc_now()
        return TextTranslationInfo(kind, ref_id, language, text)


def list_text_translations(
    session_factory: SessionFactory, process_id: int
) -> list[TextTranslationInfo]:
    """Return a process's text translations, by kind, item and language."""
    return list(process_texts(session_factory, process_id).entries)


def process_texts(session_factory: SessionFactory, process_id: int) -> Texts:
    """Return a process's text translations for lookups (one query)."""
    with read_session(session_factory) as session:
        return _texts(session, process_id)


def _texts(session: Session, process_id: int) -> Texts:
    rows = session.execute(
        select(
            TextTranslation.kind,
            TextTranslation.ref_id,
            TextTranslation.language,
            TextTranslation.text,
        )
        .where(TextTranslation.process_id == process_id)
        .order_by(TextTranslation.kind, TextTranslation.ref_id, TextTranslation.language)
    ).all()
    return Texts(
        tuple(TextTranslationInfo(str(k), int(r), str(lang), str(t)) for k, r, lang, t in rows)
    )


@dataclass(frozen=True)
class FormatHeading:
    """A format's texts in a reader's language (``topic`` None: its stored topic stands)."""

    format_name: str
    topic: str | None
    description: str | None


def format_heading(
    session: Session, conversation_id: int, languages: Sequence[str]
) -> FormatHeading | None:
    """Return a format's name, heading ("process: format") and description as read, or None.

    None when the conversation is no format. The heading and description are None when
    none of the process's texts has a translation in ``languages``.
    """
    row = session.execute(
        select(Process.id, Process.name, Process.description, ProcessFormat.id, ProcessFormat.name)
        .join(ProcessFormat, ProcessFormat.process_id == Process.id)
        .where(ProcessFormat.conversation_id == conversation_id)
    ).first()
    if row is None:
        return None
    process_id, name, description, format_id, format_name = row
    texts = _texts(session, int(process_id)) if languages else Texts()
    name_read = texts.get("name", 0, str(name), languages)
    format_read = texts.get("format", int(format_id), str(format_name), languages)
    description_read = texts.get("description", 0, str(description), languages)
    if (name_read, format_read, description_read) == (name, format_name, description):
        return FormatHeading(format_read, None, None)
    return FormatHeading(format_read, f"{name_read}: {format_read}", description_read)
