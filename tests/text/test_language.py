"""Language detection on the multilingual test set and on near-empty input."""

from __future__ import annotations

from typing import Any

import pytest

from parley.errors import InputError
from parley.text.language import LanguageGuess, detect_language

IN_PLAY = ["ar", "de", "en", "es", "fa", "fr", "ru", "tr"]


def accuracy(test_set: Any, guesses: list[LanguageGuess]) -> float:
    hits = sum(guess.tag == tag for guess, tag in zip(guesses, test_set.languages, strict=True))
    return hits / len(guesses)


def test_every_statement_of_the_set_is_recognised_among_the_languages_in_play(
    test_set: Any,
) -> None:
    guesses = detect_language(test_set.texts, languages=IN_PLAY)
    assert accuracy(test_set, guesses) == 1.0
    assert all(0.5 <= guess.confidence <= 1.0 for guess in guesses)


def test_unrestricted_detection_is_still_accurate(test_set: Any) -> None:
    assert accuracy(test_set, detect_language(test_set.texts)) >= 0.95


def test_short_inputs_fall_back_when_unsure() -> None:
    guesses = detect_language(["OK", "Der Waffenstillstand muss halten."], languages=["de", "en"])
    assert guesses[0].confidence < 0.6
    assert guesses[1] == LanguageGuess("de", pytest.approx(guesses[1].confidence))
    fallen = detect_language(["OK"], languages=["de", "en"], fallback="de", min_confidence=0.9)
    assert fallen[0].tag == "de"
    assert fallen[0].confidence < 0.9


def test_no_texts_give_no_guesses() -> None:
    assert detect_language([]) == []


@pytest.mark.parametrize(
    ("texts", "options", "message"),
    [
        ("one string", {}, "not one string"),
        (["x"], {"languages": []}, "at least one language"),
        (["x"], {"languages": ["en", "xx"]}, "['xx']"),
        (["x"], {"languages": ["en"], "fallback": "de"}, "fallback='de'"),
        (["x"], {"min_confidence": 1.5}, "min_confidence=1.5"),
    ],
)
def test_bad_options_raise_input_errors(texts: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        detect_language(texts, **options)
