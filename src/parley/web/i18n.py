"""Interface languages: gettext catalogs (Babel), plurals, numbers, dates, choosing a language.

A page's language comes from, in order: ``?lang=xx`` (remembered in a cookie), that cookie,
the browser's ``Accept-Language`` header, and finally English.

Catalogs are standard gettext files in ``parley/web/locales/``: the template
``messages.pot`` and ``<lang>/LC_MESSAGES/messages.po``. Each entry's context (``msgctxt``)
is the key that code and templates use (``t("vote.agree")``), its ``msgid`` the English text
and its ``msgstr`` the translation, with ``{name}`` placeholders. A plural entry also has
``msgid_plural`` and one ``msgstr[i]`` per CLDR plural form of the language; its count is
always the placeholder ``n``: ``t("seed.added", n=3)``. The ``.po`` files are read once at
start-up (no compile step), so an editable install and a wheel behave alike. A key missing
from a language falls back to English, and an unknown key shows as itself.
"""

from __future__ import annotations

import datetime as dt
import io
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_COOKIE",
    "LANGUAGE_NAMES",
    "RTL_LANGUAGES",
    "SUPPORTED_LANGUAGES",
    "Source",
    "TextDirection",
    "Translator",
    "load_catalog",
    "load_template",
    "negotiate_language",
    "parse_accept_language",
    "placeholders",
    "text_direction",
    "translator",
]

SUPPORTED_LANGUAGES: Final = ("en", "de", "fr", "ru", "tr", "ar", "fa", "es", "zh")
DEFAULT_LANGUAGE: Final = "en"
LANGUAGE_COOKIE: Final = "parley_lang"
#: each language's name in itself, for the language switch
LANGUAGE_NAMES: Final[Mapping[str, str]] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "ru": "Русский",
    "tr": "Türkçe",
    "ar": "العربية",
    "fa": "فارسی",
    "es": "Español",
    "zh": "简体中文",
}
#: languages written right to left (``ar`` and ``fa`` are supported; the others are ready)
RTL_LANGUAGES: Final = frozenset({"ar", "fa", "he", "ur"})
#: the gettext domain: ``locales/<lang>/LC_MESSAGES/messages.po``
DOMAIN: Final = "messages"

TextDirection = Literal["ltr", "rtl"]


def text_direction(language: str) -> TextDirection:
    """Return the writing direction of a language: ``"rtl"`` for Arabic, Persian and the like."""
    return "rtl" if _base(language) in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True, slots=True)
class Source:
    """A key's English source: its text and, for a plural entry, the plural text."""

    singular: str
    plural: str | None = None


def _read(*parts: str) -> Catalog:
    path = resources.files("parley.web").joinpath("locales", *parts)
    with path.open("rb") as handle:
        return read_po(handle)


@cache
def load_template() -> Mapping[str, Source]:
    """Return every key's English source from ``messages.pot`` (read once, then cached)."""
    sources: dict[str, Source] = {}
    for message in _read(f"{DOMAIN}.pot"):
        if not message.id or message.context is None:
            continue
        if isinstance(message.id, tuple | list):
            sources[message.context] = Source(str(message.id[0]), str(message.id[1]))
        else:
            sources[message.context] = Source(str(message.id))
    return sources


@cache
def load_catalog(language: str) -> Catalog:
    """Return the parsed ``.po`` catalog of a supported language (read once, then cached)."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language={language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}")
    return _read(language, "LC_MESSAGES", f"{DOMAIN}.po")


def placeholders(message: str) -> frozenset[str]:
    """Return the ``{name}`` placeholders used in a message."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(message) if name)


def _translations(language: str) -> Translations:
    buffer = io.BytesIO()
    write_mo(buffer, load_catalog(language))  # fuzzy and empty entries fall back to English
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class _Values(dict[str, object]):
    """Placeholder values; one the caller did not give stays ``{name}`` instead of failing."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


class Translator:
    """Interface text, numbers and dates in one language: ``t("vote.agree")``, ``t("x", n=3)``.

    Integers and floats filled into a message are formatted per language (``29,802`` in
    English, ``29.802`` in German); pass a string to show a value as it is.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._sources = load_template()
        self._translations = _translations(language)

    def __call__(self, key: str, /, **values: object) -> str:
        """Return the message for ``key`` with its placeholders filled in (plurals count ``n``)."""
        source = self._sources.get(key)
        if source is None:
            return key
        if source.plural is None:
            message = str(self._translations.pgettext(key, source.singular))
        else:
            count = values.get("n", 0)
            n = int(count) if isinstance(count, int | float) else 0
            message = str(self._translations.npgettext(key, source.singular, source.plural, n))
        if not values:
            return message
        return message.format_map(_Values({name: self._value(v) for name, v in values.items()}))

    def _value(self, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return value
        return self.number(value)

    def join(self, items: Iterable[object]) -> str:
        """Return items as the language lists them (``A, B, and C``; ``A، B و C``)."""
        return str(format_list([str(i) for i in items], locale=self.locale))

    def number(self, value: float, places: int | None = None) -> str:
        """Return a number as the language writes it (``1,234.5``, ``1.234,5``)."""
        return _number(value, places, self.language)

    def percent(self, share: float) -> str:
        """Return a share in 0..1 as a percentage in the language's style (``57 %``, ``%57``)."""
        return str(format_percent(share, locale=self.locale))

    def date(self, value: dt.date) -> str:
        """Return a date in the language's medium style (``Dec 7, 2026``, ``7 déc. 2026``)."""
        return str(format_date(value, "medium", locale=self.locale))

    def datetime(self, value: dt.datetime) -> str:
        """Return a date with hours and minutes in the language's style (no time-zone shift)."""
        pattern = str(get_datetime_format("medium", locale=self.locale))
        time = str(format_time(value, "short", locale=self.locale))
        return pattern.replace("{0}", time).replace("{1}", self.date(value)).replace("'", "")

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


@lru_cache(maxsize=8192)
def _number(value: float, places: int | None, language: str) -> str:
    pattern = None if places is None else "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(value, format=pattern, locale=language))


@cache
def translator(language: str) -> Translator:
    """Return the (shared) translator of a supported language."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language={language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}")
    return Translator(language)


def _base(tag: str) -> str:
    return tag.strip().split("-")[0].split("_")[0].lower()


def parse_accept_language(header: str | None) -> list[str]:
    """Return the primary language subtags of an ``Accept-Language`` header, best first.

    ``"de-CH,de;q=0.9,en;q=0.5"`` gives ``["de", "en"]``; ``*`` and ``q=0`` entries are dropped.
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        base = _base(tag)
        if base and base != "*" and quality > 0:
            weighted.append((-quality, position, base))
    seen: list[str] = []
    for _, _, base in sorted(weighted):
        if base not in seen:
            seen.append(base)
    return seen


def negotiate_language(
    *, query: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> str:
    """Pick the interface language: ``?lang=``, then the cookie, then Accept-Language, then en."""
    for choice in (query, cookie):
        if choice and _base(choice) in SUPPORTED_LANGUAGES:
            return _base(choice)
    for base in parse_accept_language(accept_language):
        if base in SUPPORTED_LANGUAGES:
            return base
    return DEFAULT_LANGUAGE
