"""Polis k-means: base clusters, weighted group clusters, silhouette and the k-smoother.

Ports the behaviour of Polis's ``math/clusters.clj`` and ``conversation.clj``: initial centres
are the first k distinct points, Lloyd steps drop empty clusters, iteration stops when every
(sorted) centre moved less than 0.01, and warm starts recentre the previous clusters on the
new positions of their members, merge identical centres and split off the most distal point
until there are k clusters again (``clean-start-clusters``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from parley.errors import InputError

from .lloyd import distances
from .types import Float64Array, IntArray

__all__ = [
    "Clustering",
    "KSmoother",
    "choose_k",
    "init_centers",
    "kmeans",
    "max_group_k",
    "silhouette",
]

CONVERGENCE_DISTANCE = 0.01
LARGE = 500_000
"""Above this many point-centre pairs, k-means uses a k-d tree and Hamerly's bounds."""


@dataclass(frozen=True, eq=False)
class Clustering:
    """A k-means result over points that carry integer ids.

    Attributes
    ----------
    ids : ndarray of shape (n_clusters,), cluster ids, ascending.
    centers : ndarray of shape (n_clusters, n_dims).
    point_ids : ndarray of shape (n_points,), the ids of the clustered points, in the order
        they were clustered.
    labels : ndarray of shape (n_points,), the cluster id of each point.
    """

    ids: IntArray
    centers: Float64Array
    point_ids: IntArray
    labels: IntArray

    @property
    def n_clusters(self) -> int:
        """Number of non-empty clusters."""
        return len(self.ids)

    def sizes(self, weights: Float64Array | None = None) -> Float64Array:
        """Member count (or total weight) per cluster, aligned with ``ids``."""
        index = np.searchsorted(self.ids, self.labels)
        return np.bincount(index, weights=weights, minlength=len(self.ids)).astype(np.float64)


def init_centers(points: Float64Array, k: int) -> Float64Array:
    """Return the first ``k`` distinct rows of ``points``, in order (Polis ``init-clusters``)."""
    if len(points) == 0:
        return np.zeros((0, points.shape[1]))
    _, first = np.unique(points, axis=0, return_index=True)
    return np.asarray(points[np.sort(first)[:k]], dtype=np.float64)


def _nearest(points: Float64Array, centers: Float64Array) -> NDArray[np.intp]:
    """Index of the nearest centre for each point; an exact tie goes to the later centre.

    Polis's ``add-to-closest`` takes ``min-key`` over the clusters, and Clojure's ``min-key``
    returns the last of several minima.
    """
    n = len(centers)
    if n * len(points) <= LARGE:
        reversed_index = np.argmin(distances(points, centers[::-1]), axis=1)
        return np.asarray(n - 1 - reversed_index, dtype=np.intp)
    from scipy.spatial import cKDTree

    _, index = cKDTree(centers).query(points, k=1, workers=-1)
    return np.asarray(index, dtype=np.intp)


def _weighted_centers(
    points: Float64Array, index: NDArray[np.intp], n: int, weights: Float64Array
) -> tuple[Float64Array, Float64Array]:
    totals = np.bincount(index, weights=weights, minlength=n)
    sums = np.stack(
        [
            np.bincount(index, weights=weights * points[:, d], minlength=n)
            for d in range(points.shape[1])
        ],
        axis=1,
    )
    centers = np.divide(sums, totals[:, None], out=np.zeros_like(sums), where=totals[:, None] > 0)
    counts = np.bincount(index, minlength=n).astype(np.float64)
    return centers, counts


def _same_clustering(a: Float64Array, b: Float64Array) -> bool:
    """Polis ``same-clustering?``: sorted centres pairwise within the threshold."""
    sa = a[np.lexsort(a.T[::-1])]
    sb = b[np.lexsort(b.T[::-1])]
    n = min(len(sa), len(sb))
    return bool(np.all(np.linalg.norm(sa[:n] - sb[:n], axis=1) < CONVERGENCE_DISTANCE))


def _positions_of(point_ids: IntArray, ids: IntArray) -> NDArray[np.intp]:
    """Position of each of ``ids`` among ``point_ids`` (any order), or -1 when absent."""
    if len(point_ids) == 0:
        return np.full(len(ids), -1, dtype=np.intp)
    sorter = np.argsort(point_ids, kind="stable")
    ordered = point_ids[sorter]
    at = np.minimum(np.searchsorted(ordered, ids), len(ordered) - 1)
    found = ordered[at] == ids
    return np.where(found, sorter[at], -1).astype(np.intp)


def _clean_start(
    points: Float64Array,
    point_ids: IntArray,
    weights: Float64Array,
    previous: Clustering,
    k: int,
) -> tuple[IntArray, Float64Array]:
    """Polis ``clean-start-clusters``: recentre, merge identical centres, split distal points.

    Previous members that are no longer among the points are dropped, and so are clusters
    left without members. Clusters whose recentred centres coincide are merged (the id of
    the larger survives; on a tie, the later one, as ``max-key`` does). Then, while there
    are fewer than ``min(k, n_distinct_points)`` clusters, the point farthest from its
    nearest centre (the last one on a tie) is moved into a new cluster of its own, with id
    ``max(id) + 1``. Points that were in no previous cluster belong to none until the
    first Lloyd step assigns them.
    """
    position = _positions_of(point_ids, previous.point_ids)
    present = position >= 0
    labels = np.full(len(points), -1, dtype=np.int64)
    labels[position[present]] = previous.labels[present]
    ids = np.unique(labels[labels >= 0])
    if len(ids) == 0:
        centers = init_centers(points, k)
        return np.arange(len(centers), dtype=np.int64), centers

    def recenter(ids: IntArray) -> Float64Array:
        members = labels >= 0
        index = np.searchsorted(ids, labels[members])
        centers, _ = _weighted_centers(points[members], index, len(ids), weights[members])
        return centers

    centers = recenter(ids)
    # uniqify-clusters: merge clusters whose centres are identical
    _, first, inverse = np.unique(centers, axis=0, return_index=True, return_inverse=True)
    if len(first) < len(ids):
        members = labels >= 0
        sizes = np.bincount(np.searchsorted(ids, labels[members]), minlength=len(ids))
        keep_for: dict[int, int] = {}
        for i, group in enumerate(inverse.ravel()):
            j = keep_for.get(int(group))
            if j is None or sizes[i] >= sizes[j]:
                keep_for[int(group)] = i
        remap = np.array([ids[keep_for[int(g)]] for g in inverse.ravel()], dtype=np.int64)
        labels[members] = remap[np.searchsorted(ids, labels[members])]
        ids = np.unique(labels[members])
        centers = recenter(ids)
    if len(ids) >= k:
        return ids, centers
    possible = min(k, len(np.unique(points, axis=0)))
    while len(ids) < possible:
        index = _nearest(points, centers)
        distance = np.linalg.norm(points - centers[index], axis=1)
        outlier = len(distance) - 1 - int(np.argmax(distance[::-1]))  # max-key: last wins
        if distance[outlier] <= 0:
            break
        labels[outlier] = int(ids.max()) + 1
        ids = np.unique(labels[labels >= 0])
        centers = recenter(ids)
    return ids, centers


def kmeans(
    points: Float64Array,
    point_ids: IntArray,
    k: int,
    *,
    weights: Float64Array | None = None,
    previous: Clustering | None = None,
    max_iter: int = 100,
) -> Clustering:
    """Polis k-means on ``points`` of shape (n_points, n_dims).

    Parameters
    ----------
    points : ndarray of shape (n_points, n_dims), in the order Polis holds them (a cold
        start takes the first ``k`` distinct points as centres).
    point_ids : ndarray of shape (n_points,), distinct ids of the points (any order).
    k : int, the number of clusters to aim for (fewer if there are fewer distinct points).
    weights : ndarray of shape (n_points,), optional, for weighted means.
    previous : Clustering, optional, warm start (members matched by point id).
    max_iter : int, Lloyd steps after the first (Polis runs up to ``max_iter + 1`` steps).

    Like Polis's ``kmeans``, the returned labels are the assignment made in the last Lloyd
    step and the centres are the means of those members; the loop stops once every sorted
    centre moved less than 0.01, or after ``max_iter + 1`` steps.
    """
    if k < 1:
        raise InputError(f"k={k} should be >= 1")
    points = np.asarray(points, dtype=np.float64)
    point_ids = np.asarray(point_ids, dtype=np.int64)
    w = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(points) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Clustering(empty, np.zeros((0, points.shape[1])), empty, empty)
    if previous is not None and previous.n_clusters > 0:
        ids, centers = _clean_start(points, point_ids, w, previous, k)
    else:
        centers = init_centers(points, k)
        ids = np.arange(len(centers), dtype=np.int64)
    if len(points) * len(centers) > LARGE:
        from .lloyd import lloyd  # the same assignments, far fewer distance evaluations

        result = lloyd(points, centers, ids, weights=weights, max_iter=max_iter)
        labels = result.ids[result.assignment]
        return Clustering(
            ids=result.ids, centers=result.centers, point_ids=point_ids, labels=labels
        )
    labels = np.zeros(len(points), dtype=np.int64)
    for iteration in range(max_iter, -1, -1):
        index = _nearest(points, centers)
        new_centers, counts = _weighted_centers(points, index, len(centers), w)
        alive = counts > 0
        labels = ids[index]
        new_ids, new_centers = ids[alive], new_centers[alive]
        done = iteration == 0 or _same_clustering(centers, new_centers)
        ids, centers = new_ids, new_centers
        if done:
            break
    return Clustering(ids=ids, centers=centers, point_ids=point_ids, labels=labels)


def max_group_k(n_base_clusters: int, *, max_k: int = 5) -> int:
    """Polis ``max-k-fn``: ``min(max_k, 2 + n_base // 12)``."""
    return min(max_k, 2 + n_base_clusters // 12)


def silhouette(distances: Float64Array, labels: IntArray) -> float:
    """Mean silhouette over points given their pairwise ``distances`` (Polis ``silhouette``).

    A member of a singleton cluster scores 0, as in Polis; with one cluster the score is 0.
    """
    n = len(labels)
    groups = np.unique(labels)
    if n == 0 or len(groups) < 2:
        return 0.0
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sizes = onehot.sum(axis=0)
    sums = distances @ onehot
    own = np.searchsorted(groups, labels)
    own_size = sizes[own]
    a = np.divide(sums[np.arange(n), own], own_size - 1, out=np.zeros(n), where=own_size > 1)
    means = sums / sizes[None, :]
    means[np.arange(n), own] = np.inf
    b = means.min(axis=1)
    denominator = np.maximum(a, b)
    s = np.divide(b - a, denominator, out=np.zeros(n), where=denominator > 0)
    s[own_size <= 1] = 0.0
    return float(s.mean())


def choose_k(scores: dict[int, float]) -> int:
    """Return the k with the best silhouette; a tie goes to the larger k.

    Polis takes ``(apply max-key silhouettes ks)`` over k = 2..max in ascending order, and
    Clojure's ``max-key`` returns the last of several maxima. Exact ties happen when two
    k give the same partition (k-means dropped an empty cluster).
    """
    return max(scores, key=lambda k: (scores[k], k))


@dataclass
class KSmoother:
    """Polis ``group-k-smoother``: adopt a new best k only after ``buffer`` consecutive wins."""

    buffer: int = 4
    last_k: int | None = None
    last_k_count: int = 0
    smoothed_k: int | None = None

    def update(self, this_k: int, available: Collection[int] | None = None) -> int:
        """Record this update's best k and return the k to use.

        ``available`` lists the k that were clustered in this update; a carried k that is
        no longer among them (the base clusters shrank) falls back to ``this_k``, as in
        Polis since #2536 (before that fix such an update failed).
        """
        same = self.last_k is not None and this_k == self.last_k
        self.last_k_count = self.last_k_count + 1 if same else 1
        self.last_k = this_k
        if self.last_k_count >= self.buffer or self.smoothed_k is None:
            self.smoothed_k = this_k
        if available is not None and self.smoothed_k not in available:
            self.smoothed_k = this_k
        return self.smoothed_k
