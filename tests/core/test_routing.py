"""Statement priorities for routing (parley.core.routing)."""

from __future__ import annotations

import numpy as np
import pytest

from parley.core.routing import META_PRIORITY, statement_priorities
from parley.core.stats import VoteCounts


def test_meta_priority_is_seven() -> None:
    assert META_PRIORITY == 7.0


def test_priorities_by_hand() -> None:
    # two groups, four statements (A = agree, D = disagree, S = seen, P = S - A - D):
    #   s0: g0 A2 D0 S3, g1 A1 D1 S2 -> A 3, P 1, S 5 ; E = .5
    #       p = (1+1)/(5+2) = 2/7, a = (3+1)/(5+2) = 4/7
    #       importance = (1 - 2/7) * 1.5 * 4/7 = 30/49 ; novelty 1 + 8 * 2^-1 = 5
    #       priority = (150/49)^2 = 22500/2401 = 9.3711
    #   s1: no votes, E = 0: p = a = 1/2, importance 1/4, novelty 9 -> (9/4)^2 = 5.0625
    #   s2: meta (whatever its votes) -> 7^2 = 49
    #   s3: g0 A10 S10 ; E = 1: p = 1/12, a = 11/12, importance = 11/12 * 2 * 11/12 = 121/72
    #       novelty 1 + 8 * 2^-2 = 3 -> (121/24)^2 = 14641/576 = 25.4184
    counts = VoteCounts(
        agree=np.array([[2, 0, 5, 10], [1, 0, 0, 0]]),
        disagree=np.array([[0, 0, 0, 0], [1, 0, 5, 0]]),
        seen=np.array([[3, 0, 5, 10], [2, 0, 5, 0]]),
    )
    extremity = np.array([0.5, 0.0, 3.0, 1.0])
    is_meta = np.array([False, False, True, False])
    got = statement_priorities(counts, extremity, is_meta=is_meta)
    np.testing.assert_allclose(got, [22500 / 2401, 5.0625, 49.0, 14641 / 576], rtol=1e-12)


def test_zero_votes_are_not_meta() -> None:
    # polis#2611: a statement with 0 of something must not take the meta branch
    counts = VoteCounts(np.zeros((1, 2), int), np.zeros((1, 2), int), np.zeros((1, 2), int))
    got = statement_priorities(counts, np.zeros(2), is_meta=np.zeros(2, dtype=bool))
    np.testing.assert_allclose(got, [5.0625, 5.0625])


def test_novelty_decays_with_seen_votes() -> None:
    # A = S = 5, P = 0, E = 0: importance = (1 - 1/7) * 1 * 6/7 = 36/49,
    # novelty 1 + 8 * 2^(-5/5) = 5 -> priority (180/49)^2
    counts = VoteCounts(np.array([[5]]), np.array([[0]]), np.array([[5]]))
    got = statement_priorities(counts, np.zeros(1), is_meta=np.zeros(1, dtype=bool))
    assert got[0] == pytest.approx((180 / 49) ** 2)


def test_more_extreme_statements_rank_higher() -> None:
    counts = VoteCounts(np.array([[3, 3]]), np.array([[1, 1]]), np.array([[5, 5]]))
    got = statement_priorities(counts, np.array([0.2, 2.0]), is_meta=np.zeros(2, dtype=bool))
    # importance is proportional to (E + 1): the ratio of squares is (3/1.2)^2
    assert got[1] / got[0] == pytest.approx((3.0 / 1.2) ** 2)
