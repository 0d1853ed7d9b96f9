"""Interface languages: catalogs complete and consistent, language negotiation."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from typing import Any

import pytest
from babel.messages.catalog import Message
from babel.messages.plurals import get_plural

from parley.web.i18n import (
    LANGUAGE_NAMES,
    SUPPORTED_LANGUAGES,
    Translator,
    load_catalog,
    load_template,
    negotiate_language,
    parse_accept_language,
    placeholders,
    text_direction,
    translator,
)

TURKISH_VOTES = ("Katılıyorum", "Katılmıyorum", "Geç")  # noqa: RUF001 (Turkish dotless i)
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_catalog_has_every_key_with_the_english_placeholders(language: str) -> None:
    sources = load_template()
    catalog = load_catalog(language)
    entries = {m.context: m for m in catalog if m.id}
    assert set(entries) == set(sources)
    assert catalog.num_plurals == get_plural(language).num_plurals
    for key, message in entries.items():
        source = sources[key]
        english = placeholders(source.singular) | placeholders(source.plural or "")
        assert (source.plural is None) == isinstance(message.string, str), key
        assert not message.fuzzy, key
        forms = _forms(message)
        assert len(forms) == (1 if source.plural is None else catalog.num_plurals), key
        for form in forms:
            assert form.strip(), key
            assert placeholders(form) <= english, key
        assert set().union(*(placeholders(f) for f in forms)) == english or language in (
            "ar",  # an Arabic "one" or "two" form may say the number in words
        ), key


def test_the_template_holds_english_and_the_keys_as_context() -> None:
    english = {m.context: m for m in load_catalog("en") if m.id}
    for key, source in load_template().items():
        message = english[key]
        assert message.id == (
            source.singular
            if source.plural is None
            else (
                source.singular,
                source.plural,
            )
        )
        assert _forms(message) == [source.singular, *([source.plural] if source.plural else [])]


def test_catalogs_are_gettext_files_shipped_in_the_package() -> None:
    folder = resources.files("parley.web").joinpath("locales")
    assert folder.joinpath("messages.pot").is_file()
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".json")]
    for code in SUPPORTED_LANGUAGES:
        po = folder.joinpath(code, "LC_MESSAGES", "messages.po").read_text("utf-8")
        assert f'"Language: {code}\\n"' in po and "Plural-Forms: nplurals=" in po


@pytest.mark.parametrize(
    ("language", "counts"),
    [
        ("en", {1: "1 format", 2: "2 formats", 5: "5 formats", 0: "0 formats"}),
        (
            "ru",
            {1: "1 формат", 2: "2 формата", 5: "5 форматов", 21: "21 формат", 12: "12 форматов"},
        ),
        ("de", {1: "1 Format", 3: "3 Formate"}),
        ("fr", {0: "0 format", 1: "1 format", 2: "2 formats"}),
        ("es", {1: "1 formato", 2: "2 formatos", 1_000_000: "1.000.000 de formatos"}),
        ("zh", {1: "1 个形式", 7: "7 个形式"}),
        ("ar", {1: "1 صيغة", 2: "2 صيغتان", 3: "3 صيغ", 11: "11 صيغةً", 100: "100 صيغة"}),
    ],
)
def test_counted_nouns_follow_the_cldr_plural_rules(language: str, counts: dict[int, str]) -> None:
    t = translator(language)
    for n, expected in counts.items():
        assert f"{t.number(n)} {t('count.formats', n=n)}" == expected


def test_plural_messages_count_n_and_format_it_per_language() -> None:
    ru = translator("ru")
    assert [ru("seed.added", n=n) for n in (1, 3, 5)] == [
        "Добавлено 1 утверждение.",
        "Добавлено 3 утверждения.",
        "Добавлено 5 утверждений.",
    ]
    en = translator("en")
    assert en("seed.added", n=1) == "1 statement added."
    assert (
        en("progress.text", n_voted=1234, n=29802) == "You have voted on 1,234 of 29,802 statements"
    )
    assert translator("de")("report.of_n", n=29802) == "von 29.802 Stimmen"
    assert translator("zh")("process.shared", n=3) == "陈述已与 3 个形式共享。"
    hidden = [en("results.small_groups", n=n, size=3).split(" of fewer")[0] for n in (1, 4)]
    assert hidden == [
        "1 participant is in an opinion group",
        "4 participants are in opinion groups",
    ]
    assert [ru("results.small_groups", n=n, size=3).split(" входят")[0] for n in (3, 5)] == [
        "3 участника",
        "5 участников",
    ]


def test_numbers_percentages_and_dates_per_language() -> None:
    when = dt.datetime(2026, 12, 7, 14, 5)
    assert translator("en").number(29802.5) == "29,802.5"
    assert translator("de").number(0.5712, 2) == "0,57"
    assert translator("fr").number(1234) == "1\u202f234"
    assert translator("tr").percent(0.57) == "%57"
    assert translator("en").datetime(when) == "Dec 7, 2026, 2:05\u202fPM"
    assert translator("de").datetime(when) == "07.12.2026, 14:05"
    assert translator("zh").date(when.date()) == "2026年12月7日"
    assert translator("ru").date(when.date()).startswith("7 дек. 2026")


def test_a_key_missing_from_a_language_falls_back_to_english(monkeypatch: Any) -> None:
    catalog = load_catalog("de")
    message = next(m for m in catalog if m.context == "vote.agree")
    monkeypatch.setattr(message, "string", "")
    assert Translator("de")("vote.agree") == "Agree"
    monkeypatch.setattr(message, "flags", {"fuzzy"})
    monkeypatch.setattr(message, "string", "Zustimmen?")
    assert Translator("de")("vote.agree") == "Agree"  # fuzzy: not yet confirmed


def test_translator_fills_placeholders_and_falls_back_to_the_key() -> None:
    t = translator("de")
    assert t("vote.agree") == "Zustimmen"
    assert t("progress.text", n_voted=2, n=5) == ("Sie haben über 2 von 5 Aussagen abgestimmt")
    assert t("no.such.key") == "no.such.key"
    assert translator("ru")("vote.disagree") == "Не согласен"  # noqa: RUF001


def test_nine_languages_each_named_in_itself() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "de", "fr", "ru", "tr", "ar", "fa", "es", "zh")
    assert list(LANGUAGE_NAMES) == list(SUPPORTED_LANGUAGES)
    assert LANGUAGE_NAMES["tr"] == "Türkçe" and LANGUAGE_NAMES["ar"] == "العربية"
    assert (LANGUAGE_NAMES["fa"], LANGUAGE_NAMES["es"], LANGUAGE_NAMES["zh"]) == (
        "فارسی",
        "Español",
        "简体中文",
    )


def test_turkish_and_arabic_translate_the_interface() -> None:
    tr, ar = translator("tr"), translator("ar")
    assert (tr("vote.agree"), tr("vote.disagree"), tr("vote.pass")) == TURKISH_VOTES
    assert tr("progress.text", n_voted=2, n=5) == "5 ifadeden 2 tanesine oy verdiniz"
    assert (ar("vote.agree"), ar("vote.disagree"), ar("vote.pass")) == ("أوافق", "لا أوافق", "تخطي")
    assert "2" in ar("progress.text", n_voted=2, n=5)


def _texts(language: str) -> dict[str, list[str]]:
    return {m.context: _forms(m) for m in load_catalog(language) if m.id}


@pytest.mark.parametrize(
    ("language", "script"),
    [("ar", ARABIC_LETTER), ("fa", ARABIC_LETTER), ("zh", re.compile(r"[\u4e00-\u9fff]"))],
)
def test_arabic_persian_and_chinese_catalogs_are_written_in_their_script(
    language: str, script: re.Pattern[str]
) -> None:
    untranslated = [
        k for k, forms in _texts(language).items() if not all(map(script.search, forms))
    ]
    assert not untranslated


@pytest.mark.parametrize("language", ["de", "fr", "ru", "tr", "es"])
def test_latin_and_cyrillic_catalogs_differ_from_english(language: str) -> None:
    english = _texts("en")
    same = {k for k, forms in _texts(language).items() if forms[0] == english[k][0]}
    assert same <= {  # words the languages share with English
        "process.format",
        "process.n_formats",
        "count.formats",
        "report.meta",
        "chart.votes",
        "stats.votes",
        "report.group_short",
        "nav.conversation",
        "process.name",
        "conversations.description",
        "moderation.actions",
        "chart.group",
        "agenda.share",
        "process.attach_conversation",
        "error.details",
        "dup.similarity",
        "nav.conversations",
        "report.title",
        "report.contents",
        "process.formats",
        "results.consensus",
        "moderation.statement",
        "process.observers",
        "count.votes",
        "stats.participants",
        "count.participants",
        "conversations.moderation",
        "tab.moderation",
        "login.name",
        "process.joint_statements",
        "agenda.title",
        "brief.format",
        "brief.votes",
        "texts.kind.format",
        "texts.kind.description",
        "help.heading.consensus",
    }, same


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
        ("zh", "ltr"),
        ("es", "ltr"),
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
        (None, None, "fa-IR,fa;q=0.9", "fa"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.5", "zh"),
        (None, None, "es-419", "es"),
    ],
)
def test_negotiate_language(
    query: str | None, cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate_language(query=query, cookie=cookie, accept_language=header) == expected


def test_a_placeholder_the_caller_did_not_give_stays_visible_instead_of_failing() -> None:
    t = translator("en")
    assert t("progress.text", n_voted=2, n_total=5) == "You have voted on 2 of {n} statements"
    assert t("add.too_long") == "A statement can have at most {max} characters."
