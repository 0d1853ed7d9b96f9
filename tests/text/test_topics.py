"""Agenda items across languages, and their keyword labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from parley.errors import InputError
from parley.text.topics import candidate_phrases, cluster_topics, label_topics


def test_translations_land_in_the_same_item(embedded: Any) -> None:
    test_set = embedded.test_set
    items = cluster_topics(embedded.vectors, test_set.languages)
    for key in set(test_set.keys):
        found = {int(items[i]) for i, k in enumerate(test_set.keys) if k == key}
        assert len(found) == 1, (key, found)
    assert 5 <= items.max() + 1 <= 20
    assert adjusted_rand_score(test_set.topics, items) >= 0.4


def test_items_are_numbered_by_first_appearance_and_deterministic(embedded: Any) -> None:
    test_set = embedded.test_set
    items = cluster_topics(embedded.vectors, test_set.languages)
    again = cluster_topics(embedded.vectors.copy(), list(test_set.languages))
    np.testing.assert_array_equal(items, again)
    first_seen = list(dict.fromkeys(items.tolist()))
    assert first_seen == list(range(len(first_seen)))


def test_labels_come_from_the_english_statements(embedded: Any) -> None:
    test_set = embedded.test_set
    items = cluster_topics(embedded.vectors, test_set.languages)
    topics = label_topics(
        test_set.texts,
        test_set.languages,
        items,
        embedded.vectors,
        embedder=embedded.embedder,
        max_candidates=12,  # keeps the test fast; the default is 32
    )
    assert [topic.item for topic in topics] == sorted(set(items.tolist()))
    assert sorted(i for topic in topics for i in topic.statements) == list(range(len(items)))
    for topic in topics:
        english = [test_set.texts[i].lower() for i in topic.statements]
        english = [
            t
            for i, t in zip(topic.statements, english, strict=True)
            if test_set.languages[i] == "en"
        ]
        assert any(topic.label in text for text in english), topic
        assert topic.label.split()[0] not in {"must", "should", "the", "all"}


def test_labels_in_other_languages_when_there_is_no_english(embedded: Any) -> None:
    test_set = embedded.test_set
    rows = [i for i, tag in enumerate(test_set.languages) if tag in {"de", "fr"}]
    texts = [test_set.texts[i] for i in rows]
    languages = [test_set.languages[i] for i in rows]
    items = np.zeros(len(rows), dtype=np.int64)
    (topic,) = label_topics(
        texts, languages, items, embedded.vectors[rows], embedder=embedded.embedder
    )
    assert any(topic.label in text.lower() for text in texts)


@pytest.mark.parametrize(
    ("text", "language", "inside", "outside"),
    [
        (
            "Foreign troops must leave the country.",
            "en",
            {"foreign troops", "country"},
            {"must leave", "the"},
        ),
        (
            "Hospitals and schools must never be targets.",
            "en",
            {"hospitals and schools"},
            {"never"},
        ),
        (
            "Alle ausländischen Truppen müssen gehen.",
            "de",
            {"ausländischen truppen"},
            {"alle", "müssen"},
        ),
        ("Санкции следует отменить.", "ru", {"санкции"}, {"следует"}),
    ],
)
def test_candidate_phrases_skip_stop_words(
    text: str, language: str, inside: set[str], outside: set[str]
) -> None:
    phrases = candidate_phrases(text, language)
    assert inside <= phrases
    assert not outside & phrases


def test_small_inputs_and_bad_options() -> None:
    assert cluster_topics(np.ones((1, 3), np.float32), ["en"]).tolist() == [0]
    with pytest.raises(InputError, match="distance_threshold=0"):
        cluster_topics(np.ones((2, 3), np.float32), ["en", "en"], distance_threshold=0)
    with pytest.raises(InputError, match="same length"):
        label_topics(["a"], [], np.zeros(1, np.int64), np.ones((1, 3)), embedder=None)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="max_candidates=0"):
        label_topics(
            [], [], np.zeros(0, np.int64), np.ones((0, 3)), embedder=None, max_candidates=0
        )  # type: ignore[arg-type]
