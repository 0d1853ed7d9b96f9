#!/usr/bin/env python3
"""Carry keys from flat JSON catalogs (en.json, de.json, ...) into parley's gettext catalogs.

parley's interface text lives in ``src/parley/web/locales/messages.pot`` and
``<lang>/LC_MESSAGES/messages.po`` (msgctxt = key, msgid = English, msgstr = translation).
Branches written before that move add keys to flat JSON files ``{"key": "text {name}"}``;
this script adds them to the template and to every language's ``.po``:

    python scripts/catalog_merge.py NEW_JSON_DIR [--base BASE_JSON_DIR]

Without ``--base`` it adds the keys the ``.po`` files lack and leaves existing keys alone.
With ``--base`` (the JSON files the branch started from) it also carries over the keys the
branch changed: a new English text replaces the old one everywhere, and a language whose
JSON did not change that key keeps its old translation marked fuzzy (shown in English until
a translator confirms it). A language without a JSON file, or without the key, gets an empty
translation (shown in English). Running it again changes nothing.

A JSON value may also be a list, for a plural entry: ``["{n} format", "{n} formats"]`` in
en.json and one form per CLDR plural category of the language in the others (Russian: one,
few, many). The count is always the placeholder ``n``.
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "src" / "parley" / "web" / "locales"
DOMAIN = "messages"
Value = str | tuple[str, ...]
HEADER = """\
# parley's interface text. msgctxt is the key the code uses, msgid the English text.
# Copyright (C) YEAR the parley authors
# This file is distributed under the same license as the parley project (AGPL-3.0-or-later).
#"""


def _value(raw: Any, where: str) -> Value:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list) and raw and all(isinstance(v, str) for v in raw):
        return tuple(raw)
    raise SystemExit(f"{where}: a value should be a string or a list of strings")


def _load_json(path: Path) -> dict[str, Value]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: should be a JSON object of key -> text")
    return {str(k): _value(v, f"{path}: {k}") for k, v in data.items()}


def _flags(value: Value) -> set[str]:
    texts = [value] if isinstance(value, str) else list(value)
    fields = [name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name]
    return {"python-brace-format"} if fields else set()


def _read(path: Path, language: str | None) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle)
    now = datetime.now(UTC).replace(microsecond=0)
    return Catalog(
        locale=language,
        domain=DOMAIN,
        header_comment=HEADER,
        project="parley",
        version="0.1",
        copyright_holder="the parley authors",
        creation_date=now,
        revision_date=now,
        last_translator="parley <translations@parley.invalid>",
        language_team=f"{language or 'all'} <translations@parley.invalid>",
        fuzzy=False,
    )


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, ignore_obsolete=True)


def _po(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _msgid(message: Message) -> Value:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _text(message: Message) -> Value:
    return message.string if isinstance(message.string, str) else tuple(message.string)


def _by_key(catalog: Catalog) -> dict[str, Message]:
    return {m.context: m for m in catalog if m.id and m.context is not None}


def _set(
    catalog: Catalog, index: dict[str, Message], key: str, english: Value, text: Value
) -> None:
    """Put ``key`` into the catalog with this English source and translation."""
    msgid: Value = english if isinstance(english, str) else (english[0], english[1])
    if isinstance(english, str):
        string_ = text if isinstance(text, str) else ""
    else:
        forms = catalog.num_plurals
        given = list(text) if isinstance(text, tuple) else []
        if given and len(given) != forms:
            raise SystemExit(
                f"{catalog.locale}: {key} needs {forms} plural forms, not {len(given)}"
            )
        string_ = tuple(given or [""] * forms)
    message = index.get(key)
    if message is None:
        message = index[key] = catalog.add(msgid, string_, context=key)
    message.id, message.string, message.flags = msgid, string_, _flags(english)


def merge(new: Path, base: Path | None, locales: Path = LOCALES) -> list[str]:
    """Merge the JSON catalogs in ``new`` into the gettext catalogs; return the keys touched."""
    english = _load_json(new / "en.json")
    if not english:
        raise SystemExit(f"{new / 'en.json'}: missing or empty")
    base_en = _load_json(base / "en.json") if base else {}
    template_path = locales / f"{DOMAIN}.pot"
    template = _read(template_path, None)
    template_index = _by_key(template)
    languages = sorted(
        {p.parent.parent.name for p in locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
        | {p.stem for p in new.glob("*.json")}
    )
    catalogs = {lang: _read(_po(locales, lang), lang) for lang in languages}
    indexes = {lang: _by_key(catalog) for lang, catalog in catalogs.items()}
    new_texts = {lang: _load_json(new / f"{lang}.json") for lang in languages}
    base_texts = {lang: _load_json(base / f"{lang}.json") if base else {} for lang in languages}
    touched = []
    for key, text in english.items():
        is_new = key not in template_index
        in_template = None if is_new else _msgid(template_index[key])
        english_changed = not is_new and key in base_en and text not in (base_en[key], in_template)
        if not (is_new or english_changed or base):
            continue
        if is_new or english_changed:
            empty: Value = "" if isinstance(text, str) else ("", "")
            _set(template, template_index, key, text, empty)
        changed_here = False
        for lang in languages:
            own = text if lang == "en" else new_texts[lang].get(key)
            catalog, index = catalogs[lang], indexes[lang]
            current = index.get(key)
            branch_changed = own is not None and (is_new or base_texts[lang].get(key) != own)
            if current is None or (branch_changed and own is not None):
                wanted = own if own is not None else ""
                if current is None or _msgid(current) != text or _text(current) != wanted:
                    _set(catalog, index, key, text, wanted)
                    changed_here = True
            elif english_changed:
                old = current.string
                kept = old if isinstance(old, str) == isinstance(text, str) else ""
                _set(catalog, index, key, text, kept)
                current.flags.add("fuzzy")
                changed_here = True
        if is_new or english_changed or changed_here:
            touched.append(key)
    _write(template_path, template)
    for lang, catalog in catalogs.items():
        _write(_po(locales, lang), catalog)
    return touched


def main(argv: list[str] | None = None) -> int:
    """Run the merge from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("new", type=Path, help="folder with en.json, de.json, ... to carry over")
    parser.add_argument("--base", type=Path, help="the JSON files the branch started from")
    parser.add_argument("--locales", type=Path, default=LOCALES, help="gettext catalogs folder")
    args = parser.parse_args(argv)
    touched = merge(args.new, args.base, args.locales)
    print(f"{len(touched)} keys added or updated" + (f": {', '.join(touched)}" if touched else ""))
    for language, keys in untranslated(args.locales).items():
        print(f"still to translate in {language} (shown in English until then): {', '.join(keys)}")
    return 0


def untranslated(locales: Path = LOCALES) -> dict[str, list[str]]:
    """Return, per language, the keys with an empty or fuzzy translation."""
    found = {}
    for path in sorted(locales.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = _read(path, None)
        keys = [str(m.context) for m in catalog if m.id and (m.fuzzy or not all(_forms(m)))]
        if keys:
            found[path.parent.parent.name] = keys
    return found


def _forms(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


if __name__ == "__main__":
    sys.exit(main())
