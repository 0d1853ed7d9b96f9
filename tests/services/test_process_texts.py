"""Process texts: a process's name, description and format names in other languages only."""

from __future__ import annotations

import pytest

from parley.db.engine import SessionFactory
from parley.errors import InputError
from parley.services.process_texts import (
    TEXT_KINDS,
    list_text_translations,
    process_texts,
    set_text_translation,
)
from parley.services.processes import create_process, process_info


def test_names_and_format_names_are_translated(session_factory: SessionFactory) -> None:
    pid = create_process(session_factory, facilitator_id=None, name="Talks", formats=["A"])
    fmt = process_info(session_factory, pid).formats[0].id
    set_text_translation(session_factory, pid, "name", 0, "ru", "Переговоры")
    set_text_translation(session_factory, pid, "format", fmt, "ru", "Группа Астана")
    texts = process_texts(session_factory, pid)
    assert texts.get("name", 0, "Talks", ["ru-RU"]) == "Переговоры"
    assert texts.get("format", fmt, "A", ["de", "ru"]) == "Группа Астана"
    assert texts.get("name", 0, "Talks", ["de"]) == "Talks"


def test_item_labels_are_not_process_texts(session_factory: SessionFactory) -> None:
    pid = create_process(session_factory, facilitator_id=None, name="Talks", formats=["A"])
    assert TEXT_KINDS == ("name", "description", "format")
    with pytest.raises(InputError, match=r"renaming it \(PUT /api/v1/processes/.*/items/"):
        set_text_translation(session_factory, pid, "item", 1, "ru", "Помощь")
    with pytest.raises(InputError, match="should be one of name, description, format"):
        set_text_translation(session_factory, pid, "label", 1, "ru", "Помощь")
    assert list_text_translations(session_factory, pid) == []
