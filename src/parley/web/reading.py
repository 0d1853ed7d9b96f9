"""The reader's language for the API (``?lang=``, else ``Accept-Language``) and statements in it.

Pages read in the interface language (``pages.rendering.page_language``); the rule that picks
a translation is ``services.translations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from parley.db.engine import SessionFactory
from parley.services.numbers import numbers_for
from parley.services.statements import StatementInfo
from parley.services.translations import Reading, readings

from .i18n import parse_accept_language
from .schemas import LanguageTag, StatementOut

__all__ = [
    "ReaderLanguagesDep",
    "page_readings",
    "reader_languages",
    "reading_fields",
    "reading_view",
    "readings_for",
    "statements_out",
]


def reader_languages(
    request: Request,
    lang: Annotated[
        LanguageTag | None,
        Query(description="the reader's language; else Accept-Language; statements come in it"),
    ] = None,
) -> tuple[str, ...]:
    """Return the reader's languages, best first: ``?lang=``, then ``Accept-Language``."""
    if lang is not None:
        return (lang,)
    return tuple(parse_accept_language(request.headers.get("accept-language")))


#: the reader's preferred languages, best first (possibly none)
ReaderLanguagesDep = Annotated[tuple[str, ...], Depends(reader_languages)]


def reading_view(reading: Reading) -> dict[str, Any]:
    """Return a reading as the pages' ``reading`` macro takes it."""
    return {
        "text": reading.text,
        "language": reading.language,
        "original_text": reading.original_text,
        "original_language": reading.original_language,
        "is_translation": reading.is_translation,
        "translation_source": reading.source,
    }


def page_readings(
    sf: SessionFactory, statement_ids: Iterable[int], language: str
) -> dict[int, dict[str, Any]]:
    """Return each statement in the page's language, as the ``reading`` macro takes it.

    The one way pages show statements: a read, never a write; unknown ids are left out.
    """
    return {sid: reading_view(r) for sid, r in readings(sf, statement_ids, (language,)).items()}


def reading_fields(
    reading: Reading | None, text: str | None, language: str | None
) -> dict[str, Any]:
    """Return the API's reading fields: text and language as read, and the original."""
    if reading is None:
        return {
            "text": text,
            "language": language,
            "original_text": text,
            "original_language": language,
            "is_translation": False,
            "translation_source": None,
        }
    return {
        "text": reading.text,
        "language": reading.language,
        "original_text": reading.original_text,
        "original_language": reading.original_language,
        "is_translation": reading.is_translation,
        "translation_source": reading.source,
    }


async def readings_for(
    sf: SessionFactory, statement_ids: Iterable[int], languages: Sequence[str]
) -> dict[int, Reading]:
    """Return each statement's reading for an API reader (originals without languages)."""
    ids = sorted(set(statement_ids))
    return await run_in_threadpool(readings, sf, ids, languages) if ids else {}


def _out(info: StatementInfo, reading: Reading | None, number: int) -> StatementOut:
    out = StatementOut.model_validate(info, from_attributes=True)
    fields = reading_fields(reading, info.text, info.language)
    return out.model_copy(update={**fields, "number": number})


async def statements_out(
    sf: SessionFactory, infos: Sequence[StatementInfo], languages: Sequence[str]
) -> list[StatementOut]:
    """Return statements as the API gives them: in the reader's language where translated."""
    found = (
        await run_in_threadpool(readings, sf, [i.id for i in infos], languages)
        if languages and infos
        else {}
    )
    numbers = await run_in_threadpool(numbers_for, sf, [i.id for i in infos])
    return [_out(info, found.get(info.id), numbers.get(info.id, info.id)) for info in infos]
