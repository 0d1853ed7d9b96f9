"""Interface languages: message catalogs and choosing a language for a request.

A page's language comes from, in order: ``?lang=xx`` (remembered in a cookie), that cookie,
the browser's ``Accept-Language`` header, and finally English. Catalogs are flat JSON files in
``parley/web/locales/``, one per language, with ``{name}`` placeholders; a key missing from a
catalog falls back to English, so a page never shows a raw key.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Final, Literal

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGE_COOKIE",
    "LANGUAGE_NAMES",
    "RTL_LANGUAGES",
    "SUPPORTED_LANGUAGES",
    "TextDirection",
    "Translator",
    "load_catalog",
    "negotiate_language",
    "parse_accept_language",
    "placeholders",
    "text_direction",
    "translator",
]

SUPPORTED_LANGUAGES: Final = ("en", "de", "fr", "ru", "tr", "ar")
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
}
#: languages written right to left (only ``ar`` is supported today; the others are ready)
RTL_LANGUAGES: Final = frozenset({"ar", "fa", "he", "ur"})

TextDirection = Literal["ltr", "rtl"]


def text_direction(language: str) -> TextDirection:
    """Return the writing direction of a language: ``"rtl"`` for Arabic and the like."""
    return "rtl" if _base(language) in RTL_LANGUAGES else "ltr"


@cache
def load_catalog(language: str) -> Mapping[str, str]:
    """Return the message catalog of a supported language (read once, then cached)."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language={language!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}")
    text = resources.files("parley.web").joinpath("locales", f"{language}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"locales/{language}.json should map message keys to strings")
    return dict(data)


def placeholders(message: str) -> frozenset[str]:
    """Return the ``{name}`` placeholders used in a message."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(message) if name)


class Translator:
    """Look up interface text in one language: ``t("vote.agree")``, ``t("x", n=3)``."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._catalog = load_catalog(language)
        self._fallback = load_catalog(DEFAULT_LANGUAGE)

    def __call__(self, key: str, /, **values: object) -> str:
        """Return the message for ``key`` with its placeholders filled in."""
        message = self._catalog.get(key) or self._fallback.get(key)
        if message is None:
            return key
        return message.format(**values) if values else message

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"


@cache
def translator(language: str) -> Translator:
    """Return the (shared) translator of a supported language."""
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
