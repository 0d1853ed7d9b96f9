"""The Polis pipeline end to end (parley.core.pipeline)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from parley.core.clustering import KSmoother
from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.core.participants import polis_row_order
from parley.core.pipeline import Analysis, Params, analyze, update
from parley.errors import InputError, ParleyError
from parley.io.results import analysis_to_dict, dumps_analysis

FAST = settings(max_examples=30, deadline=None)


def matrix_of(conv: SimpleNamespace, **kw: object) -> VoteMatrix:
    return build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes, **kw)  # type: ignore[arg-type]


def dense(m: VoteMatrix) -> np.ndarray:
    out = np.full(m.values.shape, np.nan)
    coo = m.values.tocoo()
    out[coo.row, coo.col] = coo.data
    return out


def from_dense(x: np.ndarray, ids: np.ndarray | None = None) -> VoteMatrix:
    rows, cols = np.nonzero(~np.isnan(x))
    pids = rows if ids is None else ids[rows]
    return build_vote_matrix(pids, cols, x[rows, cols].astype(np.int64))


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when the two labelings are equal up to a relabelling of the groups."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


# --- planted groups --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sizes", [(40, 40), (30, 30, 30)], ids=["2-groups", "3-groups"])
def test_planted_groups_and_consensus_are_recovered(
    synth: SimpleNamespace, seed: int, sizes: tuple[int, ...]
) -> None:
    conv = synth.planted(seed, sizes)
    m = matrix_of(conv)
    a = analyze(m)
    assert a.k == len(sizes)
    truth = conv.truth[m.participant_ids]
    assert adjusted_rand_score(truth, a.labels) >= 0.95
    # everybody votes on >= 7 of 30 statements here, so everybody is clustered
    assert a.in_conv.all()
    assert set(range(conv.n_consensus)) <= set(a.consensus_agree)
    assert len(a.consensus_agree) <= 5
    # the planted consensus statements are the ones with the highest GAC
    top = np.argsort(-a.gac, kind="stable")[: conv.n_consensus]
    assert set(top.tolist()) == set(range(conv.n_consensus))
    # each group's representative statements include its own block, as agree
    for g in range(a.k):
        agree = [r.column for r in a.representative[g] if r.direction == "agree"]
        assert agree, f"group {g} has no agree-representative statement"
        planted = np.bincount(truth[a.labels == g]).argmax()
        own_block = [
            j
            for j in agree
            if j >= conv.n_consensus and (j - conv.n_consensus) % len(sizes) == planted
        ]
        assert own_block
    assert set(a.silhouettes) == set(range(2, max(a.silhouettes) + 1))
    assert a.base is not None and a.base.n_clusters <= 100


def test_declared_groups_are_used_as_given(synth: SimpleNamespace) -> None:
    conv = synth.planted(3, (20, 20))
    m = matrix_of(conv)
    # declare three groups with arbitrary names; participant 0 is left out, 999 is unknown
    names = np.array([50, -7, 12])
    declared_pids = np.arange(1, m.n_participants)
    declared = names[declared_pids % 3]
    a = analyze(
        m,
        groups=(np.append(declared_pids, 999), np.append(declared, 31)),
    )
    # groups are numbered by sorted name: -7 -> 0, 12 -> 1, 50 -> 2 ; 31 has no member here
    assert a.k == 3
    expected = np.full(m.n_participants, -1)
    rows = m.row_of(declared_pids)
    expected[rows] = np.searchsorted([-7, 12, 50], declared)
    np.testing.assert_array_equal(a.labels, expected)
    assert a.base is None and a.silhouettes == {}
    # the group statistics come from exactly these groups
    x = dense(m)
    for g in range(3):
        members = x[a.labels == g]
        np.testing.assert_array_equal(a.group_counts.agree[g], (members == 1).sum(axis=0))
        np.testing.assert_array_equal(a.group_counts.seen[g], (~np.isnan(members)).sum(axis=0))


def test_gac_uses_raw_votes_and_repness_the_zeroed_ones() -> None:
    # two declared groups; statement 2 is moderated out but has votes
    #   g0 (p0, p1): s0 +1 +1 ; s1 -1 . ; s2 +1 +1
    #   g1 (p2, p3): s0 +1 -1 ; s1 +1 0 ; s2 . -1
    x = np.array([[1, -1, 1], [1, np.nan, 1], [1, 1, np.nan], [-1, 0, -1]])
    m = from_dense(x)
    a = analyze(m, moderated_out=[2], groups=([0, 1, 2, 3], [0, 0, 1, 1]))
    # GAC (raw): s0: (2+1)/(2+2) * (1+1)/(2+2) = 3/8 ; s1: (0+1)/(1+2) * (1+1)/(2+2) = 1/6
    #            s2: (2+1)/(2+2) * (0+1)/(1+2) = 1/4 (moderation does not change it)
    np.testing.assert_allclose(a.gac, [3 / 8, 1 / 6, 1 / 4])
    # disagree: s0: 1/4 * 2/4 = 1/8 ; s1: 2/3 * 1/4 = 1/6 ; s2: 1/4 * 2/3 = 1/6
    np.testing.assert_allclose(a.gac_disagree, [1 / 8, 1 / 6, 1 / 6])
    # repness counts follow rating-mat: s2 is a seen 0 for every member of every group
    np.testing.assert_array_equal(a.repness_stats.counts.seen[:, 2], [2, 2])
    np.testing.assert_array_equal(a.repness_stats.counts.agree[:, 2], [0, 0])
    np.testing.assert_array_equal(a.group_counts.seen[:, 2], [2, 1])
    assert a.zeroed.tolist() == [False, False, True]
    assert all(r.column != 2 for rs in a.representative for r in rs)
    # overall counts are the raw ones too
    np.testing.assert_array_equal(a.overall.agree, [[3, 1, 2]])
    np.testing.assert_array_equal(a.overall.passes, [[0, 1, 0]])


def test_meta_statements_are_zeroed_and_routed_with_priority_49(synth: SimpleNamespace) -> None:
    conv = synth.planted(4, (20, 20))
    m = matrix_of(conv)
    a = analyze(m, meta=[5], moderated_out=[0, 6])
    assert a.is_meta.tolist() == [j == 5 for j in range(conv.n_statements)]
    assert np.flatnonzero(a.zeroed).tolist() == [0, 5, 6]
    assert a.priorities[5] == 49.0
    assert 0 not in a.consensus_agree and 5 not in a.consensus_agree
    assert all(r.column not in (0, 5, 6) for rs in a.representative for r in rs)
    np.testing.assert_allclose(a.pca.components[:, [0, 5, 6]], 0.0, atol=1e-12)
    # the other priorities follow the formula on the grouped participants' raw votes
    x = dense(m)
    grouped = x[a.labels >= 0]
    agree = (grouped == 1).sum(axis=0)
    seen = (~np.isnan(grouped)).sum(axis=0)
    passes = (grouped == 0).sum(axis=0)
    importance = (1 - (passes + 1) / (seen + 2)) * (a.extremity + 1) * (agree + 1) / (seen + 2)
    expected = (importance * (1 + 8 * 2.0 ** (-seen / 5))) ** 2
    expected[5] = 49.0
    np.testing.assert_allclose(a.priorities, expected, rtol=1e-12)
    np.testing.assert_allclose(a.extremity, np.linalg.norm(a.statement_coords, axis=1))


# --- in-conv ---------------------------------------------------------------------------------


def staircase(counts: list[int], n_statements: int, first_id: int = 0) -> tuple[list, list, list]:
    """Participant first_id + i votes (alternating agree/disagree) on the first counts[i]."""
    p, s, v = [], [], []
    for i, c in enumerate(counts):
        for j in range(c):
            p.append(first_id + i)
            s.append(j)
            v.append(1 if (i + j) % 2 else -1)
    assert max(counts) <= n_statements
    return p, s, v


def test_in_conv_threshold_and_greedy_top_up_to_15() -> None:
    counts = [10, 9, 8, 7, 7, 7, 6, 6, 5, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1]
    a = analyze(build_vote_matrix(*staircase(counts, 10)))
    # >= min(7, 10) votes: ids 0..5 (6 people) ; then the top voters until 15:
    # 6, 7 (6 votes), 8, 9, 10 (5), 11, 12 (4), 13, 14 (3) ; ids 15..19 stay out
    assert np.flatnonzero(a.in_conv).tolist() == list(range(15))
    assert (a.labels[~a.in_conv] == -1).all()
    assert (a.labels[a.in_conv] >= 0).all()
    assert a.state.in_conv_ids.tolist() == list(range(15))


def test_in_conv_without_top_up_uses_min_7_n_statements() -> None:
    params = Params(greedy_in_conv=0)
    # 3 statements: the threshold is min(7, 3) = 3 votes
    a = analyze(build_vote_matrix(*staircase([3, 2, 3, 1, 3], 3)), params=params)
    assert a.in_conv.tolist() == [True, False, True, False, True]
    # 9 statements: the threshold is 7
    b = analyze(build_vote_matrix(*staircase([9, 6, 7, 8, 1], 9)), params=params)
    assert b.in_conv.tolist() == [True, False, True, True, False]


def test_no_top_up_when_15_are_in() -> None:
    a = analyze(build_vote_matrix(*staircase([7] * 15 + [6, 5], 8)))
    assert a.in_conv.tolist() == [True] * 15 + [False, False]


def test_in_conv_is_sticky_across_updates() -> None:
    params = Params(greedy_in_conv=0)
    # update 1: 3 statements, threshold 3 -> participants 0 and 2 are in
    first = analyze(build_vote_matrix(*staircase([3, 2, 3, 3], 3)), params=params)
    assert first.in_conv.tolist() == [True, False, True, True]
    # update 2: participants 10..13 vote on 10 statements: threshold becomes 7;
    # 0, 2 and 3 still have 3 votes but stay in ; 1 (2 votes) stays out
    p, s, v = staircase([10, 10, 8, 2], 10, first_id=10)
    second = update(first, p, s, v, params=params)
    assert second.matrix.participant_ids.tolist() == [0, 1, 2, 3, 10, 11, 12, 13]
    assert second.in_conv.tolist() == [True, False, True, True, True, True, True, False]
    assert second.state.n_updates == 2
    # a cold analysis of the same votes drops them
    cold = analyze(second.matrix, params=params)
    assert cold.in_conv.tolist() == [False, False, False, False, True, True, True, False]


def test_polis_row_order_by_first_statement_then_id_previous_rows_first() -> None:
    # participant: statements voted -> first column
    #   1: s2 -> 2 ;  3: s0, s1 -> 0 ;  5: s2 -> 2 ;  9: s1 -> 1   (rows 0..3 = ids 1, 3, 5, 9)
    m = build_vote_matrix([5, 3, 9, 1, 3], [2, 1, 1, 2, 0], [1, 1, -1, 0, 1])
    assert m.participant_ids.tolist() == [1, 3, 5, 9]
    # cold: sorted by (first column, id): 3 (0), 9 (1), 1 (2), 5 (2)
    assert polis_row_order(m).tolist() == [1, 3, 0, 2]
    # warm: the previous participants keep their order first (42 is gone), then the rest
    assert polis_row_order(m, np.array([5, 42, 1])).tolist() == [2, 0, 1, 3]
    a = analyze(m)
    assert a.state.participant_order.tolist() == [3, 9, 1, 5]


# --- warm updates ----------------------------------------------------------------------------


def test_update_equals_a_warm_start(synth: SimpleNamespace) -> None:
    conv = synth.planted(5, (25, 25))
    n = len(conv.votes)
    cut = int(n * 0.7)
    first = analyze(
        build_vote_matrix(conv.participant_ids[:cut], conv.statement_ids[:cut], conv.votes[:cut]),
        moderated_out=[7],
    )
    assert first.state.n_updates == 1
    rest = slice(cut, None)
    by_update = update(
        first, conv.participant_ids[rest], conv.statement_ids[rest], conv.votes[rest]
    )
    warm = analyze(matrix_of(conv), moderated_out=[7], state=first.state)
    assert by_update.state.n_updates == warm.state.n_updates == 2
    np.testing.assert_array_equal(by_update.matrix.participant_ids, warm.matrix.participant_ids)
    np.testing.assert_array_equal(dense(by_update.matrix), dense(warm.matrix))
    np.testing.assert_array_equal(by_update.zeroed, warm.zeroed)  # moderation carried over
    for name in ("participant_coords", "labels", "in_conv", "gac", "priorities"):
        assert np.array_equal(getattr(by_update, name), getattr(warm, name)), name
    np.testing.assert_array_equal(by_update.pca.components, warm.pca.components)
    assert by_update.k == warm.k
    # everybody in-conv before is still in
    assert set(first.state.in_conv_ids.tolist()) <= set(by_update.state.in_conv_ids.tolist())
    # the warm start keeps the sign of the previous components
    common = np.isin(by_update.matrix.statement_ids, first.matrix.statement_ids)
    for k in range(2):
        assert by_update.pca.components[k, common] @ first.pca.components[k] >= 0


def test_update_new_votes_override_old_ones() -> None:
    first = analyze(build_vote_matrix([1, 1, 2, 2], [1, 2, 1, 2], [1, -1, -1, 1]))
    second = update(first, [1, 3], [1, 5], [0, 1])
    assert second.matrix.participant_ids.tolist() == [1, 2, 3]
    assert second.matrix.statement_ids.tolist() == [1, 2, 5]
    np.testing.assert_array_equal(
        dense(second.matrix),
        [[0, -1, np.nan], [-1, 1, np.nan], [np.nan, np.nan, 1]],
    )


def test_update_keeps_previous_moderation_unless_given() -> None:
    first = analyze(build_vote_matrix([1, 1, 2, 2], [1, 2, 1, 2], [1, -1, -1, 1]), meta=[2])
    second = update(first, [3], [1], [1])
    assert second.is_meta.tolist() == [False, True]
    third = update(first, [3], [1], [1], meta=[], moderated_out=[1])
    assert third.is_meta.tolist() == [False, False]
    assert third.zeroed.tolist() == [True, False]


@pytest.mark.parametrize("bad", [0.5, 1.9, -0.7])
def test_update_rejects_invalid_votes(bad: float) -> None:
    first = analyze(build_vote_matrix([1, 1, 2, 2], [1, 2, 1, 2], [1, -1, -1, 1]))
    with pytest.raises(InputError, match="should be -1, 0 or 1"):
        update(first, [3], [1], [bad])


# seed-44 toy (3 planted groups of 4, 10 statements): a cold analysis finds k = 3 from
# exactly 12 base clusters (max_group_k = 2 + 12 // 12 = 3)
SMOOTHER_TOY = np.array(
    [
        [0, -1, 1, -1, 1, -1, -1, 1, 1, -1],
        [1, -1, 1, -1, 1, -1, 1, 1, 1, -1],
        [1, -1, 1, -1, 0, -1, -1, 1, 1, -1],
        [1, -1, 1, -1, 1, -1, -1, 1, 1, -1],
        [1, 1, -1, -1, -1, -1, -1, 1, 1, 1],
        [1, 1, -1, -1, -1, 1, -1, 1, 1, 1],
        [1, 1, -1, -1, -1, -1, 1, 1, 1, 1],
        [1, 0, -1, -1, -1, -1, -1, 1, 1, 1],
        [-1, 1, -1, -1, -1, -1, 1, 1, 1, 1],
        [-1, 1, -1, 1, 1, 1, 0, 1, 1, 1],
        [-1, 1, -1, -1, -1, 1, 0, 1, 0, 1],
        [-1, 1, -1, -1, -1, 1, 1, 1, 1, 0],
    ],
    dtype=np.float64,
)


def test_update_survives_a_smoothed_k_above_this_updates_max_k() -> None:
    first = analyze(from_dense(SMOOTHER_TOY))
    assert (first.k, first.base.n_clusters) == (3, 12)  # type: ignore[union-attr]
    # participant 0 now votes exactly like participant 1: 11 distinct points, 11 base
    # clusters, max_group_k = 2 ; the smoother still holds k = 3 (one win for k = 2 only)
    second = update(first, [0] * 10, list(range(10)), SMOOTHER_TOY[1].astype(int))
    assert second.k == 2


def test_smoothed_k_is_kept_until_a_new_k_wins_four_times(synth: SimpleNamespace) -> None:
    conv = synth.planted(0, (40, 40))
    a = analyze(matrix_of(conv))
    assert a.k == 2
    # pretend the previous updates had settled on k = 3 (with one win for 2 so far)
    state = replace(a.state, smoother=KSmoother(buffer=4, last_k=2, last_k_count=1, smoothed_k=3))
    ks = []
    for _ in range(3):
        b = analyze(a.matrix, state=state)
        ks.append(b.k)
        state = b.state
    # this update's best k is 2 each time: counts 2, 3, 4 -> switch on the third
    assert ks == [3, 3, 2]
    assert state.smoother.smoothed_k == 2


def test_empty_matrix_gives_an_empty_analysis() -> None:
    try:
        a = analyze(build_vote_matrix([], [], []))
    except ParleyError:
        return  # a clear parley error would be acceptable too
    assert a.k == 0 and a.labels.shape == (0,)


def test_params_are_validated() -> None:
    with pytest.raises(InputError, match="base_k=0 should be >= 1"):
        Params(base_k=0)
    with pytest.raises(InputError, match="max_k=1 should be >= 2"):
        Params(max_k=1)
    with pytest.raises(InputError, match="n_components=0 should be >= 1"):
        Params(n_components=0)
    defaults = Params()
    assert (defaults.base_k, defaults.max_k, defaults.group_iters, defaults.group_k_buffer) == (
        100,
        5,
        20,
        4,
    )
    assert (defaults.min_votes_in_conv, defaults.greedy_in_conv, defaults.base_iters) == (
        7,
        15,
        100,
    )


# --- properties ------------------------------------------------------------------------------


def assert_identical(a: Analysis, b: Analysis) -> None:
    for name in (
        "participant_coords",
        "statement_coords",
        "labels",
        "in_conv",
        "gac",
        "gac_disagree",
        "priorities",
        "extremity",
    ):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.pca.components, b.pca.components)
    assert a.k == b.k
    assert a.consensus_agree == b.consensus_agree
    assert a.consensus_disagree == b.consensus_disagree
    assert a.silhouettes == b.silhouettes
    assert [[(r.column, r.direction) for r in g] for g in a.representative] == [
        [(r.column, r.direction) for r in g] for g in b.representative
    ]


small_logs = st.lists(
    st.tuples(st.integers(0, 24), st.integers(0, 7), st.sampled_from([-1, 0, 1])),
    min_size=1,
    max_size=120,
)


def _log_matrix(evs: list[tuple[int, int, int]]) -> VoteMatrix:
    p, s, v = (list(x) for x in zip(*evs, strict=True))
    return build_vote_matrix(p, s, v)


@FAST
@given(evs=small_logs)
def test_pipeline_invariants_and_determinism(evs: list[tuple[int, int, int]]) -> None:
    m = _log_matrix(evs)
    a = analyze(m)
    # labels in range, grouped == in-conv
    assert ((a.labels >= -1) & (a.labels < max(a.k, 1))).all()
    np.testing.assert_array_equal(a.labels >= 0, a.in_conv)
    assert a.k >= 1
    assert set(a.labels[a.in_conv].tolist()) == set(range(a.k))
    # counts conserve
    for c in (a.overall, a.group_counts, a.repness_stats.counts):
        np.testing.assert_array_equal(c.agree + c.disagree + c.passes, c.seen)
        assert (c.passes >= 0).all()
    for name in ("agree", "disagree", "seen"):
        assert (getattr(a.group_counts, name).sum(axis=0) <= getattr(a.overall, name)[0]).all()
    assert int(a.overall.seen.sum()) == m.n_votes
    assert ((a.gac > 0) & (a.gac < 1)).all()
    assert a.priorities.shape == (m.n_statements,)
    # same input, bit-identical output
    assert_identical(a, analyze(_log_matrix(evs)))


@FAST
@given(evs=small_logs, data=st.data())
def test_repeating_a_vote_event_changes_nothing(
    evs: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(evs) - 1))
    repeated = [*evs[: i + 1], evs[i], *evs[i + 1 :]]
    assert_identical(analyze(_log_matrix(evs)), analyze(_log_matrix(repeated)))


@FAST
@given(evs=small_logs, offset=st.integers(0, 10_000), factor=st.integers(1, 1000))
def test_monotone_relabelling_of_ids_changes_only_ids(
    evs: list[tuple[int, int, int]], offset: int, factor: int
) -> None:
    a = analyze(_log_matrix(evs))
    b = analyze(_log_matrix([(factor * p + offset, 5 * s + 3, v) for p, s, v in evs]))
    np.testing.assert_array_equal(
        b.matrix.participant_ids, factor * a.matrix.participant_ids + offset
    )
    np.testing.assert_array_equal(b.matrix.statement_ids, 5 * a.matrix.statement_ids + 3)
    assert_identical(a, b)


@FAST
@given(perm_seed=st.integers(0, 2**32 - 1), seed=st.sampled_from([0, 1, 2]))
def test_permuting_participant_ids_gives_the_same_groups(
    synth: SimpleNamespace, perm_seed: int, seed: int
) -> None:
    conv = synth.planted(seed, (20, 20), noise=0.05)
    n = len(conv.truth)
    perm = np.random.default_rng(perm_seed).permutation(n)  # participant id i -> perm[i]
    a = analyze(matrix_of(conv))
    b = analyze(build_vote_matrix(perm[conv.participant_ids], conv.statement_ids, conv.votes))
    # row r of a is participant a.ids[r]; in b that participant is perm[a.ids[r]]
    rows_in_b = b.matrix.row_of(perm[a.matrix.participant_ids])
    assert (rows_in_b >= 0).all()
    assert a.k == b.k
    assert same_partition(a.labels, b.labels[rows_in_b])
    np.testing.assert_allclose(a.participant_coords, b.participant_coords[rows_in_b], atol=1e-9)
    # statement statistics do not depend on who is who
    for name in ("agree", "disagree", "seen"):
        np.testing.assert_array_equal(getattr(a.overall, name), getattr(b.overall, name))
    np.testing.assert_allclose(a.gac, b.gac, rtol=1e-12)
    np.testing.assert_allclose(a.gac_disagree, b.gac_disagree, rtol=1e-12)
    np.testing.assert_allclose(a.priorities, b.priorities, rtol=1e-12)
    assert a.consensus_agree == b.consensus_agree
    assert a.consensus_disagree == b.consensus_disagree


# --- determinism of the JSON ---------------------------------------------------------------------

_JSON_SCRIPT = """
import hashlib, sys
import numpy as np
sys.path.insert(0, {conftest_dir!r})
from conftest import planted_conversation
from parley.core.matrix import build_vote_matrix
from parley.core.pipeline import analyze
from parley.io.results import analysis_to_dict, dumps_analysis
c = planted_conversation(7, (30, 30, 30))
m = build_vote_matrix(c.participant_ids, c.statement_ids, c.votes)
a = analyze(m, moderated_out=[4], meta=[9])
text = dumps_analysis(analysis_to_dict(a))
print(hashlib.sha256(text.encode()).hexdigest())
"""


def _json_for(synth: SimpleNamespace) -> str:
    conv = synth.planted(7, (30, 30, 30))
    a = analyze(matrix_of(conv), moderated_out=[4], meta=[9])
    return dumps_analysis(analysis_to_dict(a))


def test_json_is_byte_identical_across_runs(synth: SimpleNamespace) -> None:
    first, second = _json_for(synth), _json_for(synth)
    assert first == second
    assert '"k": ' in first
    # and in a fresh interpreter (other hash seed, other allocation history)
    from pathlib import Path

    script = _JSON_SCRIPT.format(conftest_dir=str(Path(__file__).parent))
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert out.stdout.strip() == hashlib.sha256(first.encode()).hexdigest()
