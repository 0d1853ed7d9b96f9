"""Cluster statements into agenda items across languages, and label each from its keywords."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage

from parley.errors import InputError
from parley.text.defaults import DISTANCE_THRESHOLD
from parley.text.embeddings import Embedder, normalise_rows
from parley.text.matching import centre_by_language
from parley.text.stopwords import stop_words

__all__ = [
    "DISTANCE_THRESHOLD",
    "Topic",
    "as_written",
    "candidate_phrases",
    "cluster_topics",
    "label_for",
    "label_topics",
]

# Stop-words that may sit inside a phrase ("food and medicine"); modal verbs may not.
_CONNECTORS = frozenset(
    {"and", "of", "for", "und", "für", "et", "de", "des", "du", "pour", "и", "ve"}
)
SPREAD_PENALTY = 0.15
"""Score taken off a label candidate found in every other item (pro rata for fewer)."""
_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


def _lower(word: str) -> str:
    """Lower-case a word; Turkish "İ" becomes "i" (``str.lower`` adds a combining dot)."""
    return word.replace("İ", "i").lower()


@dataclass(frozen=True)
class Topic:
    """An agenda item: its number, a short label, its statements' indices, a label per language.

    ``labels`` maps each language of the item's statements to a label from that language's
    statements, most common language first.
    """

    item: int
    label: str
    statements: tuple[int, ...]
    labels: Mapping[str, str] = field(default_factory=dict)


def cluster_topics(
    vectors: NDArray[Any],
    languages: Sequence[str],
    *,
    distance_threshold: float = DISTANCE_THRESHOLD,
    groups: Sequence[int] | None = None,
) -> NDArray[np.int64]:
    """Give each statement an agenda item, numbered 0, 1, ... in order of first appearance.

    Average-linkage agglomerative clustering of the language-centred vectors on cosine
    distance, cut at ``distance_threshold``; deterministic, no random state. Rows with the
    same ``groups`` value (a statement and its translations) are one unit: their centred
    vectors are averaged, so that they always share an item.
    """
    if not 0.0 < distance_threshold <= 2.0:
        raise InputError(f"distance_threshold={distance_threshold} should be in (0, 2]")
    centred = centre_by_language(vectors, languages).astype(np.float64)
    n = centred.shape[0]
    if groups is None:
        unit_of = np.arange(n, dtype=np.int64)
    else:
        if len(groups) != n:
            raise InputError(f"groups has {len(groups)} entries but vectors has {n} rows")
        _, unit_of = np.unique(np.asarray(groups, dtype=np.int64), return_inverse=True)
    n_units = int(unit_of.max()) + 1 if n else 0
    if n_units <= 1:
        return np.zeros(n, dtype=np.int64)
    units = np.zeros((n_units, centred.shape[1]))
    np.add.at(units, unit_of, centred)
    units /= np.maximum(np.linalg.norm(units, axis=1, keepdims=True), 1e-12)
    distances = np.clip(1.0 - units @ units.T, 0, 2)
    tree = linkage(distances[np.triu_indices(n_units, k=1)], method="average")
    raw = fcluster(tree, t=distance_threshold, criterion="distance")[unit_of]
    order: dict[int, int] = {}
    for label in raw.tolist():
        order.setdefault(int(label), len(order))
    return np.asarray([order[int(label)] for label in raw.tolist()], dtype=np.int64)


def candidate_phrases(text: str, language: str, *, max_words: int = 3) -> set[str]:
    """Return the word n-grams of ``text`` without stop-words, but for connectors inside."""
    words = [_lower(word) for word in _WORD.findall(text)]
    stops = stop_words(language)
    phrases: set[str] = set()
    for size in range(1, max_words + 1):
        for start in range(len(words) - size + 1):
            gram = words[start : start + size]
            if gram[0] in stops or gram[-1] in stops or any(w.isdigit() for w in gram):
                continue
            if any(w in stops and w not in _CONNECTORS for w in gram[1:-1]):
                continue
            if size == 1 and len(gram[0]) < 3:
                continue
            phrases.add(" ".join(gram))
    return phrases


def _candidates(
    texts: Sequence[str], languages: Sequence[str], rows: Sequence[int], max_candidates: int
) -> tuple[list[str], NDArray[np.float32]]:
    """Return the phrases most of ``rows`` share (sorted) and each one's share of them."""
    counts: Counter[str] = Counter()
    for i in rows:
        counts.update(candidate_phrases(texts[i], languages[i]))
    ranked = sorted(counts, key=lambda phrase: (-counts[phrase], phrase))
    candidates = sorted(ranked[:max_candidates])
    support = (np.asarray([counts[c] for c in candidates]) / max(len(rows), 1)).astype(np.float32)
    return candidates, support


def label_topics(
    texts: Sequence[str],
    languages: Sequence[str],
    items: NDArray[np.int64],
    vectors: NDArray[Any],
    *,
    embedder: Embedder,
    prefer: str | None = "en",
    max_candidates: int = 32,
) -> list[Topic]:
    """Label each agenda item in each of its languages with the phrase closest to its centroid.

    For each item and each language of its statements, the candidates are that language's
    word n-grams without stop-words at either end; they are ranked by the cosine of their
    embedding to the centroid of the item's (uncentred) vectors, plus a bonus for phrases
    several statements share, less a penalty for phrases that other items' statements use
    too. Only the ``max_candidates`` phrases found in most statements are embedded, all
    items' in one batch. ``Topic.label`` is the label in ``prefer`` (English by default)
    when the item has statements in it, else in the item's most common language.
    """
    if max_candidates < 1:
        raise InputError(f"max_candidates={max_candidates} should be >= 1")
    n = len(texts)
    if len(languages) != n or len(items) != n or len(vectors) != n:
        raise InputError(
            f"texts ({n}), languages ({len(languages)}), items ({len(items)}) and vectors "
            f"({len(vectors)}) should have the same length"
        )
    unit = normalise_rows(np.asarray(vectors))
    item_ids = sorted(set(np.asarray(items).tolist()))
    phrases_of = {
        item: set().union(
            *(candidate_phrases(texts[i], languages[i]) for i in range(n) if items[i] == item)
        )
        for item in item_ids
    }
    in_items = Counter(phrase for found in phrases_of.values() for phrase in found)
    spread = {
        phrase: (k - 1) / max(len(item_ids) - 1, 1) for phrase, k in in_items.items() if k > 1
    }
    # (item, language) -> rows, candidates, support; languages by count, then by name
    plans: dict[tuple[int, str], tuple[list[int], list[str], NDArray[np.float32]]] = {}
    order_of: dict[int, list[str]] = {}
    for item in item_ids:
        members = [i for i in range(n) if items[i] == item]
        counted = Counter(languages[i] for i in members)
        order_of[item] = sorted(counted, key=lambda tag: (-counted[tag], tag))
        for tag in order_of[item]:
            rows = [i for i in members if languages[i] == tag]
            plans[(item, tag)] = (rows, *_candidates(texts, languages, rows, max_candidates))
    phrases = sorted({c for _, found, _ in plans.values() for c in found})
    embedded = dict(zip(phrases, embedder.embed(phrases), strict=True)) if phrases else {}
    topics: list[Topic] = []
    for item in item_ids:
        members = [i for i in range(n) if items[i] == item]
        centroid = normalise_rows(unit[members].mean(axis=0, keepdims=True))[0]
        labels: dict[str, str] = {}
        for tag in order_of[item]:
            rows, candidates, support = plans[(item, tag)]
            if not candidates:
                labels[tag] = texts[rows[0]][:40]
                continue
            scores = np.asarray([embedded[c] for c in candidates]) @ centroid
            # ... and a phrase found in most other items ("Syria" in talks on Syria) names none.
            shared = np.asarray([spread.get(c, 0.0) for c in candidates], dtype=np.float32)
            best = int(np.argmax(scores + 0.1 * support - SPREAD_PENALTY * shared))
            labels[tag] = as_written(candidates[best], [texts[i] for i in rows])
        main = prefer if prefer in labels else order_of[item][0]
        topics.append(Topic(int(item), labels[main], tuple(members), labels))
    return topics


def as_written(phrase: str, texts: Sequence[str]) -> str:
    """Return a lower-cased ``phrase`` as the texts most often write it ("Idlib", "UN").

    A text's first word is capitalised by the sentence, so it counts as lower case (unless it
    is all capitals); a form found inside a sentence counts twice. Unfound: ``phrase``.
    """
    target = phrase.split(" ")
    size = len(target)
    forms: Counter[str] = Counter()
    for text in texts:
        words = _WORD.findall(text)
        lowered = [_lower(w) for w in words]
        for start in range(len(words) - size + 1):
            if lowered[start : start + size] != target:
                continue
            form = words[start : start + size]
            first = form[0]
            if start == 0 and not (first.isupper() and len(first) > 1):
                form = [target[0], *form[1:]]
            forms[" ".join(form)] += 1 if start == 0 else 2
    if not forms:
        return phrase
    return min(forms, key=lambda form: (-forms[form], form))


def label_for(labels: Mapping[str, str], language: str | None, *, default: str = "") -> str:
    """Return the label in ``language``, else the English one, else the first (most common)."""
    wanted = [language, language.split("-")[0]] if language else []
    for tag in [*wanted, "en"]:
        if tag in labels:
            return labels[tag]
    return next(iter(labels.values()), default)
