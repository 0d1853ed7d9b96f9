"""The translation rules: which text a reader gets, and the optional machine backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from parley.config import Settings
from parley.errors import InputError, UnavailableError
from parley.services.machine_translation import (
    ArgosBackend,
    LibreTranslateBackend,
    machine_translator,
)
from parley.services.translations import TranslationInfo, base_language, choose_reading

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _t(tid: int, language: str, text: str, source: str, *, shown: bool = True) -> TranslationInfo:
    return TranslationInfo(tid, 1, language, text, source, 1, shown, NOW)


def test_exact_language_then_base_language_then_the_original() -> None:
    found = [_t(1, "de", "Hallo", "participant"), _t(2, "de-CH", "Grüezi", "participant")]
    assert choose_reading("Hi", "en", found, ["de-CH"]).text == "Grüezi"
    assert choose_reading("Hi", "en", found, ["de-AT"]).text == "Hallo"
    assert choose_reading("Hi", "en", found, ["de"]).text == "Hallo"
    original = choose_reading("Hi", "en", found, ["fr"])
    assert (original.text, original.language, original.is_translation) == ("Hi", "en", False)
    assert choose_reading("Hi", "en", found, []).text == "Hi"


def test_the_readers_order_counts_and_the_original_language_wins() -> None:
    found = [_t(1, "ru", "Привет", "facilitator"), _t(2, "de", "Hallo", "facilitator")]
    assert choose_reading("Hi", "en", found, ["fr", "de", "ru"]).text == "Hallo"
    assert choose_reading("Hi", "en", found, ["en-GB", "ru"]).text == "Hi"  # reads the original


def test_people_before_machines_and_hidden_ones_never() -> None:
    found = [
        _t(1, "ru", "машина", "machine"),
        _t(2, "ru", "участник", "participant"),
        _t(3, "ru", "ждёт", "facilitator", shown=False),
        _t(4, "ru", "новее", "participant"),
    ]
    reading = choose_reading("Hi", "en", found, ["ru"])
    assert (reading.text, reading.source, reading.is_translation) == ("новее", "participant", True)
    assert (reading.original_text, reading.original_language) == ("Hi", "en")
    assert choose_reading("Hi", "en", found[:1], ["ru"]).source == "machine"


def test_base_language() -> None:
    assert (
        base_language("de-CH") == "de" and base_language(None) == "" and base_language("RU") == "ru"
    )


def test_the_translator_setting_picks_the_backend() -> None:
    assert machine_translator(Settings()) is None  # off by default
    backend = machine_translator(
        Settings(
            translator="libretranslate", translator_url="http://127.0.0.1:9/", translator_timeout=2
        )
    )
    assert isinstance(backend, LibreTranslateBackend)
    assert backend.url == "http://127.0.0.1:9/translate" and backend.timeout == 2
    with pytest.raises(InputError, match="translator_url"):
        machine_translator(Settings(translator="libretranslate"))


def test_argos_is_optional_and_imported_only_when_chosen() -> None:
    try:
        import argostranslate  # noqa: F401
    except ImportError:
        with pytest.raises(UnavailableError, match="pip install argostranslate"):
            ArgosBackend()
    else:  # pragma: no cover (installed by choice)
        assert ArgosBackend().name == "argos"


def test_an_unreachable_service_is_unavailable_not_a_crash() -> None:
    backend = LibreTranslateBackend("http://127.0.0.1:9", timeout=1)
    with pytest.raises(UnavailableError, match="translation service failed"):
        backend.translate("Hello", "en", "de")
