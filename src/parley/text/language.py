"""Detect the language of statements with py3langid, whose model ships inside its package."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from parley.errors import InputError

__all__ = ["MIN_CONFIDENCE", "LanguageGuess", "detect_language"]

MIN_CONFIDENCE = 0.5
"""Below this normalised probability a guess is unreliable (near-empty text such as "OK")."""


class LanguageGuess(NamedTuple):
    """A language tag (ISO 639-1, such as ``"de"``) and the model's confidence in [0, 1]."""

    tag: str
    confidence: float


def _import_langid() -> Any:
    try:
        return importlib.import_module("py3langid.langid")
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise InputError(
            "language detection needs the package py3langid: pip install py3langid"
        ) from error


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...] | None) -> Any:
    langid = _import_langid()
    identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)
    if languages is not None:
        known = set(identifier.nb_classes)
        unknown = sorted(set(languages) - known)
        if unknown:
            raise InputError(f"languages={unknown} are not known to the language model")
        identifier.set_languages(list(languages))
    return identifier


def detect_language(
    texts: Sequence[str],
    *,
    languages: Sequence[str] | None = None,
    fallback: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[LanguageGuess]:
    """Guess each text's language, among ``languages`` if given; ``fallback`` when unsure.

    A guess whose confidence is below ``min_confidence`` takes the tag ``fallback`` (for
    example the language of the member's format) when one is given; its confidence stays
    the model's, so callers can still tell it was a fallback.
    """
    if isinstance(texts, str):
        raise InputError("texts should be a sequence of strings, not one string")
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"min_confidence={min_confidence} should be in [0, 1]")
    wanted = None if languages is None else tuple(sorted(set(languages)))
    if wanted is not None and not wanted:
        raise InputError("languages should name at least one language")
    if fallback is not None and wanted is not None and fallback not in wanted:
        raise InputError(f"fallback={fallback!r} should be one of languages={list(wanted)}")
    identifier = _identifier(wanted)
    guesses: list[LanguageGuess] = []
    for text in texts:
        tag, probability = identifier.classify(text)
        confidence = float(probability)
        if confidence < min_confidence and fallback is not None:
            tag = fallback
        guesses.append(LanguageGuess(str(tag), confidence))
    return guesses
