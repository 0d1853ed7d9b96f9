"""Polis k-means, silhouette, max-k and the k-smoother (parley.core.clustering)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from sklearn.metrics import silhouette_score

from parley.core.clustering import (
    Clustering,
    KSmoother,
    choose_k,
    init_centers,
    kmeans,
    max_group_k,
    silhouette,
)
from parley.errors import InputError

FAST = settings(max_examples=30, deadline=None)


def col(*xs: float) -> np.ndarray:
    """1-d points as an (n, 1) array."""
    return np.array(xs, dtype=np.float64)[:, None]


# --- initial centres ---------------------------------------------------------------------------


def test_init_centers_are_the_first_k_distinct_rows_in_order() -> None:
    points = np.array([[5.0, 0], [1, 1], [5, 0], [3, 3], [1, 1], [0, 0]])
    # distinct rows by first appearance: (5,0), (1,1), (3,3), (0,0) -- not sorted
    np.testing.assert_array_equal(init_centers(points, 2), [[5, 0], [1, 1]])
    np.testing.assert_array_equal(init_centers(points, 3), [[5, 0], [1, 1], [3, 3]])
    np.testing.assert_array_equal(init_centers(points, 10), [[5, 0], [1, 1], [3, 3], [0, 0]])
    assert init_centers(np.zeros((0, 2)), 3).shape == (0, 2)


def test_kmeans_with_k_above_the_distinct_points_gives_one_cluster_per_point() -> None:
    points = col(4, 4, 1, 9)
    c = kmeans(points, np.array([10, 11, 12, 13]), 100)
    # three distinct points -> three clusters, centred on them, ids 0.. in init order
    assert c.ids.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(c.centers, col(4, 1, 9))
    assert c.labels.tolist() == [0, 0, 1, 2]
    assert c.point_ids.tolist() == [10, 11, 12, 13]
    assert c.n_clusters == 3
    np.testing.assert_array_equal(c.sizes(), [2.0, 1.0, 1.0])
    np.testing.assert_array_equal(c.sizes(np.array([1.0, 2.0, 3.0, 4.0])), [3.0, 3.0, 4.0])


def test_kmeans_rejects_k_below_one() -> None:
    with pytest.raises(InputError, match="k=0 should be >= 1"):
        kmeans(col(1, 2), np.array([1, 2]), 0)


def test_kmeans_on_no_points_is_empty() -> None:
    c = kmeans(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), 3)
    assert c.n_clusters == 0
    assert c.centers.shape == (0, 2)
    assert c.labels.shape == (0,)


# --- Lloyd steps, weights and the 0.01 stopping rule -------------------------------------------


def test_weighted_means_by_hand() -> None:
    points, ids = col(0, 1, 10), np.arange(3)
    weights = np.array([1.0, 3.0, 1.0])
    c = kmeans(points, ids, 2, weights=weights)
    # init centres 0 and 1
    # step 1: {0} | {1, 10}  -> c0 = 0,               c1 = (3*1 + 10)/4 = 3.25
    # step 2: {0, 1} | {10}  -> c0 = (0 + 3*1)/4 = .75, c1 = 10
    # step 3: same members   -> same centres: stop
    np.testing.assert_allclose(c.centers, col(0.75, 10.0))
    assert c.labels.tolist() == [0, 0, 1]
    # unweighted, the first centre is the plain mean (0 + 1)/2
    u = kmeans(points, ids, 2)
    np.testing.assert_allclose(u.centers, col(0.5, 10.0))


def test_stops_when_every_centre_moved_less_than_001() -> None:
    points, ids = col(0, 1, 0.502, 10), np.arange(4)
    # init centres 0 and 1 (first two distinct points); B = 1 carries weight 1000
    # step 1: 0.502 is nearer 1 (0.498) than 0 (0.502): members {0} | {1, .502, 10}
    #         c0 = 0, c1 = (1000*1 + .502 + 10)/1002 = 1010.502/1002 = 1.00848...
    #         c1 moved 0.0085 < 0.01 -> stop, although 0.502 is now nearer c0
    c = kmeans(points, ids, 2, weights=np.array([1.0, 1000.0, 1.0, 1.0]))
    np.testing.assert_allclose(c.centers, col(0.0, 1010.502 / 1002))
    # the labels are the assignment of the last step, consistent with the centres (Polis)
    assert c.labels.tolist() == [0, 1, 1, 1]


def test_keeps_iterating_when_a_centre_moved_001_or_more() -> None:
    points, ids = col(0, 1, 0.502, 10), np.arange(4)
    # with weight 2 on the point at 10:
    # step 1: members {0} | {1, .502, 10}: c1 = (1000 + .502 + 20)/1003 = 1.01745 (moved .017)
    # step 2: .502 -> c0 (.502 < .515): c0 = (0 + .502)/2 = .251, c1 = 1020/1002
    # step 3: same members -> same centres: stop
    c = kmeans(points, ids, 2, weights=np.array([1.0, 1000.0, 1.0, 2.0]))
    np.testing.assert_allclose(c.centers, col(0.251, 1020 / 1002))
    assert c.labels.tolist() == [0, 1, 0, 1]


def test_max_iter_zero_runs_exactly_one_step() -> None:
    points, ids = col(0, 1, 10), np.arange(3)
    c = kmeans(points, ids, 2, max_iter=0)
    # one step from init (0, 1): {0} | {1, 10} -> centres 0 and 5.5, no further step
    np.testing.assert_allclose(c.centers, col(0.0, 5.5))
    assert c.labels.tolist() == [0, 1, 1]


# --- warm starts (clean-start-clusters) --------------------------------------------------------


def test_warm_start_drops_clusters_that_end_up_empty() -> None:
    points, ids = col(-1.0, -1.2, 1.2, 1.0), np.array([10, 11, 12, 13])
    previous = Clustering(
        ids=np.array([0, 1, 2]),
        centers=col(0, 0, 0),
        point_ids=ids,
        labels=np.array([0, 1, 1, 2]),
    )
    c = kmeans(points, ids, 3, previous=previous)
    # recentred on the new positions: c0 = -1, c1 = (-1.2 + 1.2)/2 = 0, c2 = 1
    # step 1: -1.2 -> c0 (0.2 < 1.2), 1.2 -> c2: cluster 1 is empty and is dropped;
    #         c0 = -1.1, c2 = 1.1 ; step 2: same members, stop
    assert c.ids.tolist() == [0, 2]
    np.testing.assert_allclose(c.centers, col(-1.1, 1.1))
    assert c.labels.tolist() == [0, 0, 2, 2]


def test_warm_start_splits_off_the_most_distal_point() -> None:
    points, ids = col(0, 1, 2, 10), np.arange(4)
    previous = Clustering(
        ids=np.array([5]), centers=col(0), point_ids=ids, labels=np.array([5, 5, 5, 5])
    )
    c = kmeans(points, ids, 2, previous=previous)
    # recentred c5 = 13/4 = 3.25 ; 1 < k=2 clusters: the farthest point (10, 6.75 away)
    # becomes cluster max(id) + 1 = 6 ; c5 = 1, c6 = 10 ; Lloyd keeps them
    assert c.ids.tolist() == [5, 6]
    np.testing.assert_allclose(c.centers, col(1.0, 10.0))
    assert c.labels.tolist() == [5, 5, 5, 6]


def test_warm_start_merges_identical_centres_into_the_larger_cluster() -> None:
    points, ids = col(-2, 0, 5, 1), np.arange(4)
    previous = Clustering(
        ids=np.array([3, 7]), centers=col(0, 0), point_ids=ids, labels=np.array([7, 7, 7, 3])
    )
    c = kmeans(points, ids, 2, previous=previous)
    # recentred: c7 = (-2 + 0 + 5)/3 = 1 and c3 = 1: identical -> merged into the larger (7)
    # merged centre (-2 + 0 + 5 + 1)/4 = 1 ; distances 3, 1, 4, 0: split off 5 as id 8
    # c7 = (-2 + 0 + 1)/3 = -1/3, c8 = 5 ; Lloyd: 1 is nearer -1/3 than 5, nothing moves
    assert c.ids.tolist() == [7, 8]
    np.testing.assert_allclose(c.centers, col(-1 / 3, 5.0))
    assert c.labels.tolist() == [7, 7, 8, 7]


def test_warm_start_from_its_own_result_is_a_fixed_point() -> None:
    rng = np.random.default_rng(5)
    points = np.concatenate([rng.normal(-3, 0.3, (20, 2)), rng.normal(3, 0.3, (20, 2))])
    ids = np.arange(100, 140)
    cold = kmeans(points, ids, 2)
    warm = kmeans(points, ids, 2, previous=cold)
    np.testing.assert_array_equal(warm.ids, cold.ids)
    np.testing.assert_allclose(warm.centers, cold.centers)
    np.testing.assert_array_equal(warm.labels, cold.labels)


@FAST
@given(
    coords=st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=1, max_size=14),
    weights=st.lists(st.integers(1, 5), min_size=14, max_size=14),
    k=st.integers(1, 5),
    max_iter=st.integers(0, 3),
)
def test_kmeans_invariants(
    coords: list[tuple[int, int]], weights: list[int], k: int, max_iter: int
) -> None:
    points = np.array(coords, dtype=np.float64)
    w = np.array(weights[: len(points)], dtype=np.float64)
    ids = np.arange(len(points)) * 3 + 1
    c = kmeans(points, ids, k, weights=w, max_iter=max_iter)
    n_distinct = len(np.unique(points, axis=0))
    assert 1 <= c.n_clusters <= min(k, n_distinct)
    assert np.all(np.diff(c.ids) > 0)
    # every label is a cluster id and every cluster has members (empty clusters dropped)
    assert set(c.labels.tolist()) == set(c.ids.tolist())
    # the centres are the weighted means of the members
    for cid, center in zip(c.ids, c.centers, strict=True):
        members = c.labels == cid
        expected = (points[members] * w[members, None]).sum(axis=0) / w[members].sum()
        np.testing.assert_allclose(center, expected, atol=1e-12)
    # and the same input gives the same arrays
    again = kmeans(points, ids, k, weights=w, max_iter=max_iter)
    assert np.array_equal(again.labels, c.labels) and np.array_equal(again.centers, c.centers)


# --- silhouette --------------------------------------------------------------------------------


def test_silhouette_by_hand_with_a_singleton() -> None:
    points = col(0, 1, 5)
    # p0: a = 1 (to p1), b = 5 -> (5 - 1)/5 = 0.8
    # p1: a = 1,         b = 4 -> (4 - 1)/4 = 0.75
    # p2: alone in its cluster -> 0
    # mean = (0.8 + 0.75 + 0)/3
    value = silhouette(cdist(points, points), np.array([0, 0, 1]))
    assert value == pytest.approx((0.8 + 0.75) / 3)


def test_silhouette_of_one_cluster_or_nothing_is_zero() -> None:
    points = col(0, 1, 5)
    assert silhouette(cdist(points, points), np.array([2, 2, 2])) == 0.0
    assert silhouette(np.zeros((0, 0)), np.zeros(0, dtype=np.int64)) == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_silhouette_matches_sklearn_without_singletons(seed: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(30, 2)) + np.repeat([[0, 0], [4, 0], [0, 4]], 10, axis=0)
    labels = np.repeat([3, 7, 9], 10)
    rng.shuffle(labels[:20])  # mix two clusters a little, keep sizes >= 2
    expected = silhouette_score(points, labels)
    assert silhouette(cdist(points, points), labels) == pytest.approx(expected, abs=1e-12)


def test_silhouette_matches_sklearn_with_a_singleton_scored_zero() -> None:
    rng = np.random.default_rng(9)
    points = rng.normal(size=(9, 2))
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 2, 0])  # cluster 2 is a singleton
    expected = silhouette_score(points, labels)  # sklearn also scores singletons 0
    assert silhouette(cdist(points, points), labels) == pytest.approx(expected, abs=1e-12)


# --- choosing k ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_base", "expected"),
    [(0, 2), (1, 2), (11, 2), (12, 3), (23, 3), (24, 4), (35, 4), (36, 5), (47, 5), (100, 5)],
)
def test_max_group_k(n_base: int, expected: int) -> None:
    # min(5, 2 + floor(n_base / 12))
    assert max_group_k(n_base) == expected


def test_max_group_k_respects_max_k() -> None:
    assert max_group_k(100, max_k=3) == 3
    assert max_group_k(12, max_k=2) == 2


def test_choose_k_takes_the_best_silhouette() -> None:
    assert choose_k({2: 0.5, 3: 0.7, 4: 0.6, 5: -0.1}) == 3
    # a tie goes to the larger k (Clojure max-key returns the last maximum)
    assert choose_k({2: 0.7, 3: 0.7, 4: 0.1}) == 3


def test_k_smoother_switches_only_after_four_consecutive_wins() -> None:
    s = KSmoother()
    assert s.buffer == 4
    # first update: nothing smoothed yet -> adopt at once
    assert s.update(2) == 2
    # 3 wins 1, 2, 3 times in a row: keep 2 ; the 4th consecutive win switches
    assert [s.update(3) for _ in range(4)] == [2, 2, 2, 3]
    assert (s.last_k, s.last_k_count, s.smoothed_k) == (3, 4, 3)
    # an interruption resets the count
    assert [s.update(4), s.update(4), s.update(2), s.update(4)] == [3, 3, 3, 3]
    assert s.last_k_count == 1
    assert [s.update(4) for _ in range(3)] == [3, 3, 4]


def test_k_smoother_buffer_one_follows_every_update() -> None:
    s = KSmoother(buffer=1)
    assert [s.update(k) for k in (2, 5, 3, 3)] == [2, 5, 3, 3]
