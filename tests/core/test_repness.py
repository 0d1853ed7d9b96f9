"""Representativeness statistics and selection (parley.core.repness)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from parley.core.repness import RepnessStats, compute_repness, select_representative
from parley.core.stats import VoteCounts

SQRT3, SQRT7 = math.sqrt(3), math.sqrt(7)


def counts(agree: list[list[int]], disagree: list[list[int]], seen: list[list[int]]) -> VoteCounts:
    return VoteCounts(
        np.array(agree, dtype=np.int64),
        np.array(disagree, dtype=np.int64),
        np.array(seen, dtype=np.int64),
    )


# Two groups, two statements:
#   s0: group 0 agrees 3/3, group 1 disagrees 2/2
#   s1: group 0 one agree + two passes (1/0/3), group 1 one agree, one disagree (1/1/2)
TOY = counts(agree=[[3, 1], [0, 1]], disagree=[[0, 0], [2, 1]], seen=[[3, 3], [2, 2]])


def test_repness_statistics_by_hand() -> None:
    r = compute_repness(TOY)
    # --- s0, group 0: na=3 nd=0 ns=3 ; rest (group 1): na=0 nd=2 ns=2
    #   pa = 4/5, pd = 1/5
    #   pat = 2 sqrt(4) (4/4 - 1/2) = 2 ; pdt = 2 sqrt(4) (1/4 - 1/2) = -1
    #   ra = (4/5) / ((1+0)/(2+2)) = 3.2 ; rd = (1/5) / ((1+2)/(2+2)) = 4/15
    #   rat: pi1 = 4/4, pi2 = 1/3, pooled 5/7, var 5/7*2/7*(1/4+1/3) = 5/42 -> (2/3)/sqrt(5/42)
    #   rdt: pi1 = 1/4, pi2 = 3/3, pooled 4/7, var 4/7*3/7*(7/12) = 1/7 -> -0.75 sqrt7
    # --- s0, group 1: na=0 nd=2 ns=2 ; rest: na=3 nd=0 ns=3
    #   pa = 1/4, pd = 3/4 ; pat = 2 sqrt3 (1/3 - 1/2) = -sqrt3/3 ;
    #   pdt = 2 sqrt3 (3/3 - 1/2) = sqrt3
    #   ra = (1/4) / (4/5) = 5/16 ; rd = (3/4) / (1/5) = 15/4 ; rat = -(2/3)/sqrt(5/42) ;
    #   rdt = +0.75 sqrt7
    # --- s1, group 0: na=1 nd=0 ns=3 ; rest: na=1 nd=1 ns=2
    #   pa = 2/5, pd = 1/5 ; pat = 2*2*(2/4 - 1/2) = 0 ; pdt = 2*2*(1/4 - 1/2) = -1
    #   ra = (2/5)/((1+1)/(2+2)) = 4/5 ; rd = (1/5)/((1+1)/4) = 2/5
    #   rat: pi1 = 2/4, pi2 = 2/3, pooled 4/7, var 1/7 -> (-1/6) sqrt7
    #   rdt: pi1 = 1/4, pi2 = 2/3, pooled 3/7, var 3/7*4/7*7/12 = 1/7 -> (-5/12) sqrt7
    # --- s1, group 1: na=1 nd=1 ns=2 ; rest: na=1 nd=0 ns=3
    #   pa = pd = 2/4 ; pat = pdt = 2 sqrt3 (2/3 - 1/2) = sqrt3/3
    #   ra = (1/2)/((1+1)/(2+3)) = 5/4 ; rd = (1/2)/((1+0)/5) = 5/2
    #   rat = (+1/6) sqrt7 ; rdt = (+5/12) sqrt7
    rat0 = (2 / 3) / math.sqrt(5 / 42)
    expected = {
        "p_agree": [[4 / 5, 2 / 5], [1 / 4, 1 / 2]],
        "p_disagree": [[1 / 5, 1 / 5], [3 / 4, 1 / 2]],
        "p_agree_test": [[2.0, 0.0], [-SQRT3 / 3, SQRT3 / 3]],
        "p_disagree_test": [[-1.0, -1.0], [SQRT3, SQRT3 / 3]],
        "r_agree": [[3.2, 4 / 5], [5 / 16, 5 / 4]],
        "r_disagree": [[4 / 15, 2 / 5], [15 / 4, 5 / 2]],
        "r_agree_test": [[rat0, -SQRT7 / 6], [-rat0, SQRT7 / 6]],
        "r_disagree_test": [[-0.75 * SQRT7, -5 / 12 * SQRT7], [0.75 * SQRT7, 5 / 12 * SQRT7]],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(r, name), value, rtol=1e-12, atol=1e-15, err_msg=name)
    assert rat0 == pytest.approx(1.9321835661)
    assert r.counts is TOY


def test_three_groups_pool_the_rest() -> None:
    c = counts(agree=[[4], [1], [2]], disagree=[[0], [2], [1]], seen=[[5], [4], [3]])
    r = compute_repness(c)
    # group 0 against groups 1+2 pooled: rest na = 3, ns = 7
    # ra = ((4+1)/(5+2)) / ((1+3)/(2+7)) = (5/7)/(4/9) = 45/28
    assert r.r_agree[0, 0] == pytest.approx(45 / 28)
    # rat: pi1 = 5/6, pi2 = 4/8, pooled 9/14, var 9/14*5/14*(1/6+1/8)
    expected = (5 / 6 - 4 / 8) / math.sqrt(9 / 14 * 5 / 14 * (1 / 6 + 1 / 8))
    assert r.r_agree_test[0, 0] == pytest.approx(expected)


# --- selection on hand-made statistics ---------------------------------------------------------

FIELDS = ("na", "nd", "ns", "pa", "pd", "pat", "pdt", "ra", "rd", "rat", "rdt")


def make_stats(*columns: dict[str, float]) -> RepnessStats:
    """One group; each column given as a dict of Polis's names (missing ones are 0)."""
    get: dict[str, Any] = {f: np.array([[c.get(f, 0.0) for c in columns]]) for f in FIELDS}
    return RepnessStats(
        counts=VoteCounts(
            get["na"].astype(np.int64), get["nd"].astype(np.int64), get["ns"].astype(np.int64)
        ),
        p_agree=get["pa"], p_disagree=get["pd"],
        p_agree_test=get["pat"], p_disagree_test=get["pdt"],
        r_agree=get["ra"], r_disagree=get["rd"],
        r_agree_test=get["rat"], r_disagree_test=get["rdt"],
    )  # fmt: skip


# disagree-representative, highest metric: rd*rdt*pd*pdt = 3*3*.9*3 = 24.3
DIS = {"na": 0, "nd": 5, "ns": 6, "pa": 0.1, "pd": 0.9, "pat": -3, "pdt": 3,
       "ra": 0.1, "rd": 3, "rat": -3, "rdt": 3}  # fmt: skip
# agree, passes, metric 1.2*1.5*.6*1.5 = 1.62 ; first best-agree candidate (pat > 1.2816)
AGR_SMALL = {"na": 3, "nd": 0, "ns": 4, "pa": 0.6, "pd": 0.2, "pat": 1.5, "pdt": -1,
             "ra": 1.2, "rd": 0.5, "rat": 1.5, "rdt": -1}  # fmt: skip
# agree, passes, metric 2*2*.8*2 = 6.4 ; beats AGR_SMALL as best agree (6.4 > 1.62)
AGR_BIG = {"na": 6, "nd": 0, "ns": 6, "pa": 0.8, "pd": 0.1, "pat": 2, "pdt": -2,
           "ra": 2, "rd": 0.2, "rat": 2, "rdt": -2}  # fmt: skip
NONE = np.zeros(3, dtype=bool)


def columns_of(selected: list[Any]) -> list[tuple[int, str, bool]]:
    return [(s.column, s.direction, s.is_best_agree) for s in selected]


def test_best_agree_first_then_agrees_before_disagrees() -> None:
    (chosen,) = select_representative(make_stats(DIS, AGR_SMALL, AGR_BIG), excluded=NONE)
    # sufficient = all three ; best agree = column 2 ; sorted rest by metric: 0 (24.3), 1 (1.62)
    # -> [2, 0, 1] -> agrees before disagrees -> [2, 1, 0]
    assert columns_of(chosen) == [(2, "agree", True), (1, "agree", False), (0, "disagree", False)]
    best = chosen[0]
    assert (best.n_success, best.n_trials) == (6, 6)
    assert (best.p_success, best.p_test, best.repness, best.repness_test) == (0.8, 2, 2, 2)
    dis = chosen[2]
    assert (dis.n_success, dis.n_trials, dis.p_success, dis.p_test) == (5, 6, 0.9, 3)
    assert (dis.repness, dis.repness_test) == (3, 3)


def test_moderated_out_statements_are_never_selected() -> None:
    stats = make_stats(DIS, AGR_SMALL, AGR_BIG)
    (chosen,) = select_representative(stats, excluded=np.array([False, False, True]))
    # without column 2 the best agree is column 1
    assert columns_of(chosen) == [(1, "agree", True), (0, "disagree", False)]
    (chosen,) = select_representative(stats, excluded=np.array([True, False, True]))
    assert columns_of(chosen) == [(1, "agree", True)]
    assert select_representative(stats, excluded=np.ones(3, dtype=bool)) == [[]]


def test_takes_five_best_agree_first_then_by_metric() -> None:
    # agree columns with strength t: pa = .6, ra = 1.5, pat = rat = t -> metric .9 t^2,
    # the best agree is the largest t (column 3, t = 7)
    ts = [2, 5, 3, 7, 4, 6, 1.5]
    cols = [
        {"na": 5, "ns": 6, "pa": 0.6, "pat": t, "ra": 1.5, "rat": t, "rdt": -t, "pdt": -t}
        for t in ts
    ]
    (chosen,) = select_representative(make_stats(*cols), excluded=np.zeros(7, dtype=bool))
    # best agree 3, then by metric: 5 (t=6), 1 (5), 4 (4), 2 (3) -- five in all
    assert [s.column for s in chosen] == [3, 5, 1, 4, 2]
    assert [s.is_best_agree for s in chosen] == [True, False, False, False, False]
    # n_select is configurable
    (two,) = select_representative(make_stats(*cols), excluded=np.zeros(7, bool), n_select=2)
    assert [s.column for s in two] == [3, 5]


def test_best_agree_goes_first_even_when_it_does_not_pass() -> None:
    # column 0: pat = 3 > 1.2816 makes it the first best-agree candidate, but rat = 1 fails
    # column 1 passes; as best agree it would need pa*pat = 1.6 > .9*3 = 2.7 (ra of the
    # current best is .9 <= 1): it does not beat column 0
    c0 = {"na": 8, "ns": 9, "pa": 0.9, "pd": 0.05, "pat": 3, "pdt": -3, "ra": 0.9, "rd": 0.1,
          "rat": 1.0, "rdt": -1}  # fmt: skip
    c1 = AGR_BIG
    (chosen,) = select_representative(make_stats(c0, c1), excluded=np.zeros(2, bool))
    assert columns_of(chosen) == [(0, "agree", True), (1, "agree", False)]


def test_fallback_to_best_agree_when_nothing_passes() -> None:
    c0 = {"na": 8, "ns": 9, "pa": 0.9, "pat": 3, "pdt": -3, "ra": 0.9, "rat": 1.0, "rdt": -1}
    weak = {"na": 1, "nd": 1, "ns": 3, "pa": 0.4, "pd": 0.4, "rat": 1.2, "rdt": 0.1}
    (chosen,) = select_representative(make_stats(weak, c0), excluded=np.zeros(2, bool))
    assert columns_of(chosen) == [(1, "agree", True)]


def test_fallback_to_highest_max_rat_rdt_without_a_best_agree() -> None:
    # no column is a best-agree candidate (pat <= 1.2816 and not (ra > 1 and pa > .5)),
    # and none passes: take the first column with the highest max(rat, rdt)
    c0 = {"na": 1, "nd": 2, "ns": 4, "pa": 0.4, "pat": 0.2, "pdt": 1.0, "ra": 0.8,
          "rat": 0.5, "rdt": 1.0}  # fmt: skip
    c1 = {"na": 2, "nd": 1, "ns": 4, "pa": 0.6, "pat": 1.0, "ra": 0.9, "rat": 1.2, "rdt": 0.3}
    c2 = {"na": 0, "nd": 3, "ns": 4, "pa": 0.3, "pat": -1, "pdt": 1.2, "ra": 0.5,
          "rat": -1, "rdt": 1.2}  # fmt: skip
    # max(rat, rdt): 1.0, 1.2, 1.2 -> column 1 (first of the ties), agree since 1.2 > 0.3
    (chosen,) = select_representative(make_stats(c0, c1, c2), excluded=np.zeros(3, bool))
    assert columns_of(chosen) == [(1, "agree", False)]


def test_unvoted_statement_is_never_the_best_agree() -> None:
    # column 0 looks perfect but nobody agreed or disagreed (na = nd = 0): Polis skips it
    ghost = {"na": 0, "nd": 0, "ns": 2, "pa": 0.9, "pat": 3, "ra": 2, "rat": 1.0}
    modest = {"na": 2, "ns": 3, "pa": 0.6, "pat": 1.0, "ra": 1.1, "rat": 0.9, "rdt": 0.2}
    (chosen,) = select_representative(make_stats(ghost, modest), excluded=np.zeros(2, bool))
    assert columns_of(chosen) == [(1, "agree", True)]


def test_best_agree_direction_still_follows_rat_versus_rdt() -> None:
    # Polis quirk: the best-agree statement is finalized like any other, so rdt > rat makes
    # it a "disagree" entry (with the disagree numbers) that is still flagged best agree
    c0 = {"na": 4, "nd": 3, "ns": 8, "pa": 0.5, "pd": 0.4, "pat": 2.0, "pdt": 1.0,
          "ra": 1.1, "rd": 1.3, "rat": 0.5, "rdt": 0.8}  # fmt: skip
    (chosen,) = select_representative(make_stats(c0), excluded=np.zeros(1, bool))
    assert columns_of(chosen) == [(0, "disagree", True)]
    assert (chosen[0].n_success, chosen[0].p_success, chosen[0].repness) == (3, 0.4, 1.3)


# --- end to end from counts --------------------------------------------------------------------


def test_selection_from_counts_for_two_opposed_groups() -> None:
    # s0: group 0 agrees 9/10, group 1 disagrees 9/10 ; s1: everybody agrees (no repness) ;
    # s2: mod-out, opposite split, must never be chosen ; s3: group 1 agrees 8/10, group 0 not
    c = counts(
        agree=[[9, 10, 0, 1], [0, 10, 10, 8]],
        disagree=[[0, 0, 10, 8], [9, 0, 0, 1]],
        seen=[[10, 10, 10, 10], [10, 10, 10, 10]],
    )
    r = compute_repness(c)
    excluded = np.array([False, False, True, False])
    g0, g1 = select_representative(r, excluded=excluded)
    # group 0: s0 passes agree (rat = 3.84, pat = 2.71) and is the first best-agree
    # candidate; s3 passes disagree (rdt = 2.98, pdt = 2.11)
    assert columns_of(g0) == [(0, "agree", True), (3, "disagree", False)]
    # group 1: s0 passes disagree, s3 passes agree. The best agree is s1, the consensus
    # statement: it is the first candidate (pat = sqrt(11) > 1.2816), and s3 does not beat
    # it on pa*pat (.75 * 2.11 < 11/12 * 3.32) because s1's ra = 1 is not > 1. s1's
    # rat = rdt = 0, so it is finalized as "disagree" (Polis quirk) and sorts after s3.
    assert columns_of(g1) == [(3, "agree", False), (1, "disagree", True), (0, "disagree", False)]
    assert all(s.column != 2 for s in g0 + g1)
    # s0 for group 0: pa = 10/12, pat = 2 sqrt(11) (10/11 - 1/2)
    assert g0[0].p_success == pytest.approx(10 / 12)
    assert g0[0].p_test == pytest.approx(2 * math.sqrt(11) * (10 / 11 - 0.5))
    assert (g0[0].n_success, g0[0].n_trials) == (9, 10)
