"""Vote counts per group and the Polis proportion tests (parley.core.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.core.stats import Z_90, VoteCounts, count_votes, prop_test, two_prop_test

FAST = settings(max_examples=30, deadline=None)

NAN = np.nan

# rows r0..r4, columns s0..s2 ("." = not voted)
#   r0 (group 0): [ 1, -1,  . ]
#   r1 (group 0): [ 1,  0,  1 ]
#   r2 (group 1): [-1,  .,  1 ]
#   r3 (group 1): [ .,  1, -1 ]
#   r4 (no group): [ 1, 1, 1 ]
DENSE = np.array([[1, -1, NAN], [1, 0, 1], [-1, NAN, 1], [NAN, 1, -1], [1, 1, 1]])
GROUPS = np.array([0, 0, 1, 1, -1])


def csr(x: np.ndarray) -> sp.csr_array:
    rows, cols = np.nonzero(~np.isnan(x))
    return sp.csr_array((x[rows, cols].astype(np.float32), (rows, cols)), shape=x.shape)


def test_z90_is_polis_constant() -> None:
    assert Z_90 == 1.2816


def test_count_votes_by_hand() -> None:
    c = count_votes(csr(DENSE), GROUPS, 2)
    # group 0 (r0, r1): s0 agree 2 ; s1 one disagree, one pass ; s2 one agree
    # group 1 (r2, r3): s0 one disagree ; s1 one agree ; s2 one agree, one disagree
    # r4 has no group (-1) and is left out
    np.testing.assert_array_equal(c.agree, [[2, 0, 1], [0, 1, 1]])
    np.testing.assert_array_equal(c.disagree, [[0, 1, 0], [1, 0, 1]])
    np.testing.assert_array_equal(c.seen, [[2, 2, 1], [1, 1, 2]])
    np.testing.assert_array_equal(c.passes, [[0, 1, 0], [0, 0, 0]])
    assert c.agree.dtype == c.disagree.dtype == c.seen.dtype == np.int64


def test_count_votes_single_group_is_the_overall_count() -> None:
    c = count_votes(csr(DENSE), np.zeros(5, dtype=np.int64), 1)
    np.testing.assert_array_equal(c.agree, [[3, 2, 3]])
    np.testing.assert_array_equal(c.disagree, [[1, 1, 1]])
    np.testing.assert_array_equal(c.seen, [[4, 4, 4]])


def test_zeroed_columns_count_every_group_member_as_a_seen_zero() -> None:
    zeroed = np.array([False, True, False])
    c = count_votes(csr(DENSE), GROUPS, 2, zeroed_columns=zeroed)
    # Polis's rating-mat: s1 is 0 for all members (r2 never voted on s1, and still counts)
    np.testing.assert_array_equal(c.agree, [[2, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(c.disagree, [[0, 0, 0], [1, 0, 1]])
    np.testing.assert_array_equal(c.seen, [[2, 2, 1], [1, 2, 2]])


def test_empty_group_has_zero_counts() -> None:
    c = count_votes(csr(DENSE), GROUPS, 3)
    np.testing.assert_array_equal(c.seen[2], [0, 0, 0])


# --- proportion tests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "expected"),
    [
        # 2 sqrt(n+1) ((s+1)/(n+1) - 1/2)
        (0, 0, 1.0),  # 2 * 1 * (1 - .5)
        (3, 3, 2.0),  # 2 * 2 * (4/4 - .5)
        (1, 4, -math.sqrt(5) / 5),  # 2 sqrt5 (2/5 - .5) = -0.2 sqrt5
        (0, 3, -1.0),  # 2 * 2 * (1/4 - .5)
        (5, 6, 2 * math.sqrt(7) * (6 / 7 - 0.5)),  # = 1.88982...
        (10, 10, math.sqrt(11)),
    ],
)
def test_prop_test_by_hand(successes: int, trials: int, expected: float) -> None:
    got = prop_test(np.array([successes]), np.array([trials]))
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_prop_test_numbers_written_out() -> None:
    assert prop_test(np.array(5), np.array(6)) == pytest.approx(1.8898223650, rel=1e-9)
    assert prop_test(np.array(10), np.array(10)) == pytest.approx(3.3166247904, rel=1e-9)


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2", "expected"),
    [
        # +1 on all four: pi1 = 4/4, pi2 = 1/3, pooled = 5/7,
        # var = 5/7 * 2/7 * (1/4 + 1/3) = 5/42 -> (2/3) / sqrt(5/42) = 1.932183...
        (3, 3, 0, 2, (2 / 3) / math.sqrt(5 / 42)),
        # pi1 = 1/4, pi2 = 3/3, pooled = 4/7, var = 4/7 * 3/7 * 7/12 = 1/7 -> -0.75 sqrt7
        (0, 3, 2, 2, -0.75 * math.sqrt(7)),
        # equal proportions -> 0
        (1, 3, 1, 3, 0.0),
        # pooled = 1 (everybody succeeded, both sides) -> defined as 0
        (2, 2, 3, 3, 0.0),
        # pi1 = 6/11, pi2 = 2/6, pooled = 8/17, var = 8/17 * 9/17 * (1/11 + 1/6)
        (5, 10, 1, 5, (6 / 11 - 2 / 6) / math.sqrt(8 / 17 * 9 / 17 * (1 / 11 + 1 / 6))),
    ],
)
def test_two_prop_test_by_hand(s1: int, n1: int, s2: int, n2: int, expected: float) -> None:
    got = two_prop_test(np.array([s1]), np.array([n1]), np.array([s2]), np.array([n2]))
    assert got[0] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_two_prop_test_numbers_written_out() -> None:
    got = two_prop_test(np.array([3, 0]), np.array([3, 3]), np.array([0, 2]), np.array([2, 2]))
    np.testing.assert_allclose(got, [1.9321835661, -1.9843134833], rtol=1e-9)


def test_two_prop_test_broadcasts_over_groups() -> None:
    s1 = np.array([[3, 0], [0, 2]])
    n1 = np.array([[3, 3], [2, 2]])
    got = two_prop_test(s1, n1, s1[::-1], n1[::-1])
    assert got.shape == (2, 2)
    # swapping the two sides flips the sign
    np.testing.assert_allclose(got[0], -got[1])


# --- properties --------------------------------------------------------------------------------

cells = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 3), st.sampled_from([-1.0, 0.0, 1.0])),
    max_size=24,
    unique_by=lambda t: (t[0], t[1]),
)


@FAST
@given(cells=cells, groups=st.lists(st.integers(-1, 2), min_size=6, max_size=6))
def test_counts_conserve(cells: list[tuple[int, int, float]], groups: list[int]) -> None:
    rows = np.array([c[0] for c in cells], dtype=np.int64)
    cols = np.array([c[1] for c in cells], dtype=np.int64)
    vals = np.array([c[2] for c in cells], dtype=np.float32)
    values = sp.csr_array((vals, (rows, cols)), shape=(6, 4))
    labels = np.array(groups, dtype=np.int64)
    per_group = count_votes(values, labels, 3)
    overall = count_votes(values, np.zeros(6, dtype=np.int64), 1)
    for c in (per_group, overall):
        np.testing.assert_array_equal(c.agree + c.disagree + c.passes, c.seen)
        assert (c.passes >= 0).all() and (c.agree >= 0).all() and (c.disagree >= 0).all()
    for name in ("agree", "disagree", "seen"):
        total = getattr(per_group, name).sum(axis=0)
        assert (total <= getattr(overall, name)[0]).all()
    assert int(overall.seen.sum()) == len(cells)
    grouped = np.isin(rows, np.flatnonzero(labels >= 0))
    assert int(per_group.seen.sum()) == int(grouped.sum())


def test_vote_counts_passes_property() -> None:
    c = VoteCounts(np.array([[2]]), np.array([[1]]), np.array([[5]]))
    assert c.passes.tolist() == [[2]]


def test_counting_once_equals_the_four_counts() -> None:
    import scipy.sparse as sp

    from parley.core.stats import count_votes_once

    rng = np.random.default_rng(3)
    dense = rng.choice([-1.0, 0.0, 1.0, np.nan], size=(40, 12))
    rows, cols = np.nonzero(~np.isnan(dense))
    values = sp.csr_array((dense[rows, cols].astype(np.float32), (rows, cols)), shape=(40, 12))
    labels = rng.integers(-1, 3, 40)
    zeroed = np.zeros(12, dtype=bool)
    zeroed[[2, 7]] = True
    everybody = np.zeros(40, dtype=np.int64)
    expected = (
        count_votes(values, labels, 3),
        count_votes(values, labels, 3, zeroed_columns=zeroed),
        count_votes(values, everybody, 1),
        count_votes(values, everybody, 1, zeroed_columns=zeroed),
    )
    for got, want in zip(
        count_votes_once(values, labels, 3, zeroed_columns=zeroed), expected, strict=True
    ):
        for name in ("agree", "disagree", "seen"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name
