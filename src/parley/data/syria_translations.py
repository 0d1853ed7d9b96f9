"""Translations of the demo process: its statements, name, description and format names.

The packaged file ``syria/translations.json`` was written by the parley authors (see
syria/ATTRIBUTION.md) and has this shape::

    {"process": {"name": {"ru": "...", ...}, "description": {"ru": "...", ...}},
     "formats": {"astana": {"ru": "...", ...}, "small": {...}},
     "statements": {"s01": {"en": "...", "ru": "...", ...}, ...}}

Keys of ``statements`` are statement keys of ``statements.json``; inner keys are ISO 639-1
tags of the translation (never the statement's own language). Only the packaged JSON is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from json import JSONDecodeError, loads
from typing import Any

from parley.errors import InputError

from .syria_demo import MAX_TEXT_LENGTH, DemoProcess

__all__ = ["TRANSLATIONS_RESOURCE", "DemoTranslations", "load_demo_translations"]

TRANSLATIONS_RESOURCE = "syria/translations.json"
_MAX_DESCRIPTION = 2_000


@dataclass(frozen=True)
class DemoTranslations:
    """Per language: the process's name and description, format names, statement texts."""

    name: dict[str, str]
    description: dict[str, str]
    formats: dict[str, dict[str, str]]  # format key -> language -> name
    statements: dict[str, dict[str, str]]  # statement key -> language -> text


def _texts(value: object, where: str, max_length: int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError(f"{where} should be an object of language: text")
    out: dict[str, str] = {}
    for language, text in value.items():
        if not isinstance(text, str) or not text.strip() or len(text) > max_length:
            raise InputError(f"{where}[{language!r}] should be a text of 1..{max_length} chars")
        out[str(language)] = text
    return out


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} should be a JSON object")
    return value


def load_demo_translations(spec: DemoProcess) -> DemoTranslations:
    """Read the packaged translations, checked against the demo's statements and formats."""
    resource = files("parley.data").joinpath(*TRANSLATIONS_RESOURCE.split("/"))
    try:
        data = _mapping(loads(resource.read_text(encoding="utf-8")), "translations")
    except JSONDecodeError as error:
        raise InputError(f"{TRANSLATIONS_RESOURCE} is not valid JSON: {error}") from error
    process = _mapping(data.get("process", {}), "process")
    languages = {s.key: s.language for s in spec.statements}
    statements: dict[str, dict[str, str]] = {}
    for key, texts in _mapping(data.get("statements", {}), "statements").items():
        if key not in languages:
            raise InputError(f"translations of {key!r}: there is no such demo statement")
        statements[key] = _texts(texts, f"statements[{key!r}]", MAX_TEXT_LENGTH + 100)
        if languages[key] in statements[key]:
            raise InputError(f"statement {key!r} is written in {languages[key]} already")
    format_keys = {f.key for f in spec.formats}
    formats: dict[str, dict[str, str]] = {}
    for key, names in _mapping(data.get("formats", {}), "formats").items():
        if key not in format_keys:
            raise InputError(f"translations of format {key!r}: there is no such format")
        formats[key] = _texts(names, f"formats[{key!r}]", 256)
    return DemoTranslations(
        name=_texts(process.get("name", {}), "process name", 256),
        description=_texts(process.get("description", {}), "description", _MAX_DESCRIPTION),
        formats=formats,
        statements=statements,
    )
