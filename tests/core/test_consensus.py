"""Consensus statements and group-informed consensus (parley.core.consensus)."""

from __future__ import annotations

import numpy as np
import pytest

from parley.core.consensus import group_informed_consensus, select_consensus
from parley.core.stats import VoteCounts

# One row (everybody). Per column: agree, seen -> pa = (na+1)/(ns+2), pat = 2 sqrt(ns+1)
# ((na+1)/(ns+1) - 1/2), am = pa * pat:
#   c0: 10/10 -> pa 11/12 = .9167, pat sqrt(11) = 3.3166, am 3.0402   qualifies
#   c1:  2/2  -> pa .75,           pat sqrt3 = 1.7321,    am 1.2990   qualifies
#   c2:  1/1  -> pa 2/3,           pat sqrt2 = 1.4142,    am 0.9428   qualifies (6th: cut)
#   c3:  0/0  -> pa .5 (not > .5)                                     no
#   c4:  6/10 -> pa 7/12,          pat 2 sqrt11 (7/11 - .5) = .9045   no (pat <= 1.2816)
#   c5: 20/20 -> but moderated out                                    no
#   c6:  5/6  -> pa .75,           pat 2 sqrt7 (6/7 - .5) = 1.8898,  am 1.4174   qualifies
#   c7: 30/40 -> pa 31/42 = .7381, pat 2 sqrt41 (31/41 - .5) = 3.2797, am 2.4207 qualifies
#   c8:  3/3  -> pa .8,            pat 2,                 am 1.6      qualifies
# top 5 by am: c0 (3.04), c7 (2.42), c8 (1.6), c6 (1.42), c1 (1.30)
AGREE = np.array([[10, 2, 1, 0, 6, 20, 5, 30, 3]])
OTHER = np.array([[0, 0, 0, 0, 4, 0, 1, 0, 0]])
SEEN = np.array([[10, 2, 1, 0, 10, 20, 6, 40, 3]])
EXCLUDED = np.zeros(9, dtype=bool)
EXCLUDED[5] = True


def test_consensus_agree_thresholds_and_top_five() -> None:
    agree, disagree = select_consensus(VoteCounts(AGREE, OTHER, SEEN), excluded=EXCLUDED)
    assert agree == [0, 7, 8, 6, 1]
    assert disagree == []


def test_consensus_disagree_is_the_mirror_image() -> None:
    agree, disagree = select_consensus(VoteCounts(OTHER, AGREE, SEEN), excluded=EXCLUDED)
    assert disagree == [0, 7, 8, 6, 1]
    assert agree == []


def test_consensus_n_select_and_exclusion() -> None:
    counts = VoteCounts(AGREE, OTHER, SEEN)
    agree, _ = select_consensus(counts, excluded=EXCLUDED, n_select=2)
    assert agree == [0, 7]
    # without the exclusion, c5 (21/22 = .9545, pat sqrt(21) = 4.58, am 4.37) comes first
    agree, _ = select_consensus(counts, excluded=np.zeros(9, dtype=bool), n_select=2)
    assert agree == [5, 0]


def test_consensus_ties_keep_column_order() -> None:
    counts = VoteCounts(np.array([[3, 3, 3]]), np.zeros((1, 3), int), np.array([[3, 3, 3]]))
    agree, _ = select_consensus(counts, excluded=np.zeros(3, dtype=bool))
    assert agree == [0, 1, 2]


# --- group-informed consensus ----------------------------------------------------------------


def test_gac_docstring_example() -> None:
    c = VoteCounts(np.array([[3], [1]]), np.array([[0], [1]]), np.array([[4], [2]]))
    # (3+1)/(4+2) * (1+1)/(2+2) = 4/6 * 2/4 = 1/3 ; disagree: 1/6 * 2/4 = 1/12
    assert group_informed_consensus(c)[0] == pytest.approx(1 / 3)
    assert group_informed_consensus(c, direction="disagree")[0] == pytest.approx(1 / 12)


def test_gac_three_groups_by_hand() -> None:
    # statement 0: A = (3, 1, 0), D = (0, 1, 1), S = (4, 2, 1)
    # statement 1: nobody voted: (1/2)^3 = 1/8 both ways
    c = VoteCounts(
        agree=np.array([[3, 0], [1, 0], [0, 0]]),
        disagree=np.array([[0, 0], [1, 0], [1, 0]]),
        seen=np.array([[4, 0], [2, 0], [1, 0]]),
    )
    # agree:    4/6 * 2/4 * 1/3 = 1/9
    # disagree: 1/6 * 2/4 * 2/3 = 1/18
    np.testing.assert_allclose(group_informed_consensus(c), [1 / 9, 1 / 8])
    np.testing.assert_allclose(group_informed_consensus(c, direction="disagree"), [1 / 18, 1 / 8])


def test_gac_passes_count_against_agreement() -> None:
    # a pass adds to S but not to A (polis#1699: pass is treated like disagree by GAC)
    base = VoteCounts(np.array([[2], [2]]), np.array([[0], [0]]), np.array([[2], [2]]))
    passed = VoteCounts(np.array([[2], [2]]), np.array([[0], [0]]), np.array([[3], [2]]))
    # 3/4 * 3/4 = .5625 vs 3/5 * 3/4 = .45
    assert group_informed_consensus(base)[0] == pytest.approx(0.5625)
    assert group_informed_consensus(passed)[0] == pytest.approx(0.45)


def test_gac_rejects_unknown_direction() -> None:
    c = VoteCounts(np.array([[1]]), np.array([[0]]), np.array([[1]]))
    with pytest.raises(ValueError, match="direction='both' should be 'agree' or 'disagree'"):
        group_informed_consensus(c, direction="both")
