"""scripts/catalog_merge.py: keys from flat JSON catalogs carried into the gettext catalogs."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "parley" / "web" / "locales"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "catalog_merge", ROOT / "scripts/catalog_merge.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder: Path, catalogs: dict[str, dict[str, object]]) -> Path:
    folder.mkdir()
    for lang, data in catalogs.items():
        (folder / f"{lang}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return folder


def _read(locales: Path, lang: str | None) -> Catalog:
    path = locales / "messages.pot" if lang is None else locales / lang / "LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        return read_po(handle)


def _entry(locales: Path, lang: str | None, key: str) -> Message:
    return next(m for m in _read(locales, lang) if m.context == key)


def _snapshot(locales: Path) -> dict[str, bytes]:
    return {str(p.relative_to(locales)): p.read_bytes() for p in locales.rglob("*.po*")}


BASE = {
    "en": {"vote.agree": "Agree", "seed.added": "{n} statements added."},
    "de": {"vote.agree": "Zustimmen", "seed.added": "{n} Aussagen hinzugefügt."},
    "ru": {"vote.agree": "Согласен", "seed.added": "Добавлено утверждений: {n}."},
}


def test_a_branch_s_new_and_changed_keys_are_carried_over_once(
    script: ModuleType, tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales)
    new = {lang: dict(values) for lang, values in BASE.items()}
    new["en"] |= {"vote.agree": "I agree", "poll.title": "Poll: {name}"}
    new["de"] |= {"poll.title": "Umfrage: {name}"}
    new["ru"] |= {"vote.agree": "Я согласен", "poll.title": "Опрос: {name}"}
    touched = script.merge(_write(tmp_path / "new", new), _write(tmp_path / "base", BASE), locales)
    assert sorted(touched) == ["poll.title", "vote.agree"]

    assert _entry(locales, None, "poll.title").id == "Poll: {name}"
    assert "python-brace-format" in _entry(locales, None, "poll.title").flags
    assert _entry(locales, "de", "poll.title").string == "Umfrage: {name}"
    assert _entry(locales, "zh", "poll.title").string == ""  # no JSON: shown in English
    assert _entry(locales, "en", "poll.title").string == "Poll: {name}"
    agree_ru, agree_de = _entry(locales, "ru", "vote.agree"), _entry(locales, "de", "vote.agree")
    assert (agree_ru.id, agree_ru.string, agree_ru.fuzzy) == ("I agree", "Я согласен", False)
    assert (agree_de.id, agree_de.string, agree_de.fuzzy) == ("I agree", "Zustimmen", True)
    seed = _entry(locales, "ru", "seed.added")  # the branch left it alone: still plural
    assert seed.id == ("{n} statement added.", "{n} statements added.")
    assert len(seed.string) == 3

    left = script.untranslated(locales)
    assert left["zh"] == ["vote.agree", "poll.title"] and left["de"] == ["vote.agree"]
    assert "ru" not in left and "en" not in left

    before = _snapshot(locales)
    assert script.merge(tmp_path / "new", tmp_path / "base", locales) == []
    assert _snapshot(locales) == before


def test_without_a_base_only_missing_keys_are_added(script: ModuleType, tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales)
    new = {
        "en": {"vote.agree": "Yes!", "poll.count": ["{n} poll", "{n} polls"]},
        "ru": {"poll.count": ["{n} опрос", "{n} опроса", "{n} опросов"]},
    }
    assert script.merge(_write(tmp_path / "new", new), None, locales) == ["poll.count"]
    assert _entry(locales, "en", "vote.agree").id == "Agree"
    assert _entry(locales, "ru", "poll.count").string == ("{n} опрос", "{n} опроса", "{n} опросов")
    assert _entry(locales, "ar", "poll.count").string == ("",) * 6


def test_a_plural_with_the_wrong_number_of_forms_is_refused(
    script: ModuleType, tmp_path: Path
) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales)
    new = {"en": {"poll.count": ["{n} poll", "{n} polls"]}, "ru": {"poll.count": ["a", "b"]}}
    with pytest.raises(SystemExit, match="3 plural forms"):
        script.merge(_write(tmp_path / "new", new), None, locales)
