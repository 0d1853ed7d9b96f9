"""Interface languages: catalogs complete and consistent, language negotiation."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from parley.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    SUPPORTED_LANGUAGES,
    load_catalog,
    negotiate_language,
    parse_accept_language,
    placeholders,
    text_direction,
    translator,
)

TURKISH_VOTES = ("Katılıyorum", "Katılmıyorum", "Geç")  # noqa: RUF001 (Turkish dotless i)
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_catalog_has_the_english_keys_and_placeholders(language: str) -> None:
    english = load_catalog(DEFAULT_LANGUAGE)
    catalog = load_catalog(language)
    assert set(catalog) == set(english)
    for key, message in catalog.items():
        assert message.strip(), key
        assert placeholders(message) == placeholders(english[key]), key


def test_catalog_files_are_plain_json_objects() -> None:
    folder = resources.files("parley.web").joinpath("locales")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
    assert names == sorted(f"{code}.json" for code in SUPPORTED_LANGUAGES)
    for name in names:
        assert isinstance(json.loads(folder.joinpath(name).read_text("utf-8")), dict)


def test_translator_fills_placeholders_and_falls_back_to_the_key() -> None:
    t = translator("de")
    assert t("vote.agree") == "Zustimmen"
    assert t("progress.text", n_voted=2, n_total=5) == (
        "Sie haben über 2 von 5 Aussagen abgestimmt"
    )
    assert t("no.such.key") == "no.such.key"
    assert translator("ru")("vote.disagree") == "Не согласен"  # noqa: RUF001


def test_six_languages_each_named_in_itself() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "de", "fr", "ru", "tr", "ar")
    assert list(LANGUAGE_NAMES) == list(SUPPORTED_LANGUAGES)
    assert LANGUAGE_NAMES["tr"] == "Türkçe" and LANGUAGE_NAMES["ar"] == "العربية"


def test_turkish_and_arabic_translate_the_interface() -> None:
    tr, ar = translator("tr"), translator("ar")
    assert (tr("vote.agree"), tr("vote.disagree"), tr("vote.pass")) == TURKISH_VOTES
    assert tr("progress.text", n_voted=2, n_total=5) == "5 ifadeden 2 tanesine oy verdiniz"
    assert (ar("vote.agree"), ar("vote.disagree"), ar("vote.pass")) == ("أوافق", "لا أوافق", "تخطي")
    assert "2" in ar("progress.text", n_voted=2, n_total=5)


def test_the_arabic_catalog_is_written_in_arabic() -> None:
    untranslated = [k for k, v in load_catalog("ar").items() if not ARABIC_LETTER.search(v)]
    assert not untranslated
    english = load_catalog("en")
    same_as_english = [k for k, v in load_catalog("tr").items() if v == english[k]]
    assert set(same_as_english) <= {
        "process.format",
        "process.n_formats",
        "brief.format",
    }  # Turkish


@pytest.mark.parametrize(
    ("language", "direction"),
    [
        ("ar", "rtl"),
        ("ar-SA", "rtl"),
        ("fa", "rtl"),
        ("he", "rtl"),
        ("ur", "rtl"),
        ("tr", "ltr"),
        ("en", "ltr"),
        ("ru", "ltr"),
    ],
)
def test_text_direction(language: str, direction: str) -> None:
    assert text_direction(language) == direction


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="xx"):
        load_catalog("xx")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("", []),
        ("de-CH,de;q=0.9,en;q=0.5", ["de", "en"]),
        ("en;q=0.2, fr", ["fr", "en"]),
        ("*;q=0.5, ru;q=0, de", ["de"]),
        ("fr-FR;q=abc, en", ["en"]),
        ("EN-us", ["en"]),
    ],
)
def test_parse_accept_language(header: str | None, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        (None, None, None, "en"),
        (None, None, "ja, ru;q=0.8", "ru"),
        (None, "fr", "ru", "fr"),
        ("de", "fr", "ru", "de"),
        ("xx", None, "fr-CA", "fr"),
        ("de-AT", None, None, "de"),
        (None, "zz", "ja", "en"),
        (None, None, "ar-SA,ar;q=0.9,en;q=0.5", "ar"),
        (None, None, "tr-TR", "tr"),
        ("ar", "tr", "de", "ar"),
    ],
)
def test_negotiate_language(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate_language(query=query, cookie=cookie, accept_language=header) == expected
