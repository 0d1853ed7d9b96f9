"""Small, exact checks of the Polis rules that decide which groups parley finds.

Each test pins one behaviour of Polis's Clojure math (math/src/polismath/math/*.clj) that
the openData conformance depends on: the order of the rows, how k-means labels its points
and breaks ties, how k is chosen and smoothed, and what a worker restart keeps.
"""

from __future__ import annotations

import numpy as np
import pytest

from parley.core.clustering import Clustering, KSmoother, choose_k, init_centers, kmeans
from parley.core.matrix import build_vote_matrix
from parley.core.participants import polis_row_order
from parley.core.pipeline import AnalysisState, advance, analyze
from parley.core.replay import _GrowingMatrix, replay, restart_state


def test_row_order_is_first_comment_then_participant() -> None:
    """A cold load meets votes sorted by (comment, participant): rows follow that order."""
    #  participant 9 voted on comment 1 only, 5 on comments 2 and 1, 7 on comment 3
    m = build_vote_matrix([9, 5, 5, 7], [1, 2, 1, 3], [1, 1, -1, 0])
    order = polis_row_order(m)
    assert m.participant_ids[order].tolist() == [5, 9, 7]


def test_row_order_keeps_previous_rows_first() -> None:
    m = build_vote_matrix([9, 5, 7, 3], [1, 1, 3, 2], [1, 1, 0, 1])
    order = polis_row_order(m, previous=np.array([7, 9]))
    # old rows keep their order; new ones (3, 5) follow by (first comment, id)
    assert m.participant_ids[order].tolist() == [7, 9, 5, 3]


def test_row_order_survives_in_state_and_restart_reorders() -> None:
    first = build_vote_matrix([8, 2], [5, 5], [1, -1])
    a = analyze(first)
    assert a.state.participant_order.tolist() == [2, 8]
    later = build_vote_matrix([8, 2, 1], [5, 5, 6], [1, -1, 1])
    state = advance(later, state=a.state)
    assert state.participant_order.tolist() == [2, 8, 1]
    restarted = advance(later, state=restart_state(a.state))
    assert restarted.participant_order.tolist() == [2, 8, 1]
    # a different first comment puts the newcomer first after a restart
    later2 = build_vote_matrix([8, 2, 1], [5, 5, 4], [1, -1, 1])
    assert advance(later2, state=a.state).participant_order.tolist() == [2, 8, 1]
    assert advance(later2, state=restart_state(a.state)).participant_order.tolist() == [1, 2, 8]


def test_init_centers_takes_first_distinct_rows_in_given_order() -> None:
    points = np.array([[3.0, 0], [3.0, 0], [1.0, 0], [2.0, 0]])
    np.testing.assert_array_equal(init_centers(points, 2), [[3.0, 0], [1.0, 0]])


def test_kmeans_labels_come_from_the_last_assignment() -> None:
    """Polis returns the members assigned in the last step, not a re-assignment."""
    points = np.array([[0.0], [1.0], [2.1], [10.0]])
    c = kmeans(points, np.arange(4), 2, max_iter=0)
    # one step from centres 0 and 1: {0} and {1, 2.1, 10}; the centres move to 0 and 4.37
    assert c.labels.tolist() == [0, 1, 1, 1]
    np.testing.assert_allclose(c.centers[:, 0], [0.0, 13.1 / 3])
    # re-assigning to those centres would have moved 1.0 and 2.1 into cluster 0
    assert np.argmin(np.abs(points - c.centers.T), axis=1).tolist() == [0, 0, 0, 1]


def test_kmeans_tie_goes_to_the_later_cluster() -> None:
    points = np.array([[0.0], [2.0], [1.0]])
    c = kmeans(points, np.arange(3), 2, max_iter=0)
    # 1.0 is as far from 0 as from 2: Clojure's min-key keeps the last minimum
    assert c.labels.tolist() == [0, 1, 1]


def test_kmeans_accepts_points_in_any_id_order_for_warm_starts() -> None:
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(0, 0.1, (20, 2)), rng.normal(5, 0.1, (20, 2))])
    ids = rng.permutation(np.arange(100, 140))
    cold = kmeans(points, ids, 2)
    shuffle = rng.permutation(40)
    warm = kmeans(points[shuffle], ids[shuffle], 2, previous=cold)
    by_id = dict(zip(cold.point_ids.tolist(), cold.labels.tolist(), strict=True))
    assert [by_id[i] for i in warm.point_ids.tolist()] == warm.labels.tolist()


def test_clean_start_splits_off_new_far_points() -> None:
    points = np.array([[0.0, 0], [0.1, 0], [5.0, 0]])
    previous = Clustering(
        ids=np.array([4]),
        centers=np.array([[0.05, 0]]),
        point_ids=np.array([1, 2]),
        labels=np.array([4, 4]),
    )
    c = kmeans(points, np.array([1, 2, 3]), 2, previous=previous)
    assert c.ids.tolist() == [4, 5]
    assert c.labels.tolist() == [4, 4, 5]


def test_choose_k_breaks_ties_towards_larger_k() -> None:
    assert choose_k({2: 0.5, 3: 0.7, 4: 0.7}) == 4
    assert choose_k({2: 0.9, 3: 0.7}) == 2


def test_k_smoother_needs_four_wins_and_clamps_missing_k() -> None:
    s = KSmoother(4)
    assert [s.update(k) for k in (2, 3, 3, 3)] == [2, 2, 2, 2]
    assert s.update(3) == 3
    # k=3 is no longer clustered (fewer base clusters): fall back to this update's best
    assert s.update(2, available={2}) == 2
    assert s.smoothed_k == 2


def test_growing_matrix_equals_building_each_prefix() -> None:
    rng = np.random.default_rng(0)
    n = 400
    pids = rng.integers(0, 30, n)
    sids = rng.integers(0, 12, n)
    vals = rng.integers(-1, 2, n).astype(np.int8)
    ts = np.sort(rng.integers(0, 10_000, n))
    growing = _GrowingMatrix(pids, sids, vals)
    for end in (1, 7, 50, 51, 200, n):
        a = growing.advance(end)
        b = build_vote_matrix(pids[:end], sids[:end], vals[:end], timestamps=ts[:end])
        assert a.participant_ids.tolist() == b.participant_ids.tolist()
        assert a.statement_ids.tolist() == b.statement_ids.tolist()
        np.testing.assert_array_equal(a.values.indptr, b.values.indptr)
        np.testing.assert_array_equal(a.values.indices, b.values.indices)
        np.testing.assert_array_equal(a.values.data, b.values.data)


def test_restart_state_keeps_what_polis_reloads() -> None:
    m = build_vote_matrix(
        np.repeat(np.arange(40), 8),
        np.tile(np.arange(8), 40),
        np.random.default_rng(1).integers(-1, 2, 320),
    )
    state = analyze(m).state
    restarted = restart_state(state)
    assert restarted.group_clusterings == {}
    assert restarted.smoother.smoothed_k is None
    assert len(restarted.participant_order) == 0
    assert restarted.base is state.base
    assert restarted.in_conv_ids is state.in_conv_ids
    assert restarted.components is state.components


@pytest.mark.parametrize("gap", [None, 0.5])
def test_replay_is_deterministic(gap: float | None) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    pids = rng.integers(0, 150, n)
    group = pids % 2
    sids = rng.integers(0, 25, n)
    vals = np.where(rng.random(n) < 0.8, np.where((sids % 2) == group, 1, -1), 0)
    ts = np.sort(rng.integers(0, 20_000, n))
    runs = [
        replay(pids, sids, vals, ts, every_votes=250, restart_after_seconds=gap) for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].labels, runs[1].labels)
    assert runs[0].k == runs[1].k
    state: AnalysisState = runs[0].state
    assert state.n_updates >= n // 250
