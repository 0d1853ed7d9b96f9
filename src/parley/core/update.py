"""One update's PCA-side state and clustering: in-conv, base and group k-means, the k-smoother.

``cluster_update`` takes the PCA and the participants' 2-D points already computed, so that
the in-process pipeline and the distributed engine (which projects row blocks on workers
and gathers the points) run the very same clustering.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .clustering import Clustering, KSmoother, choose_k, kmeans, max_group_k, silhouette
from .lloyd import distances as pairwise_distances
from .matrix import MatrixOutline, VoteMatrix
from .participants import in_conv as select_in_conv
from .pca import PCAResult
from .types import Float64Array, IntArray

__all__ = ["AnalysisState", "Params", "Update", "align_components", "cluster_update"]


@dataclass(frozen=True)
class Params:
    """Pipeline parameters; the defaults are Polis's (conversation.clj ``:opts'``)."""

    n_components: int = 2
    base_k: int = 100
    base_iters: int = 100
    max_k: int = 5
    group_iters: int = 20
    group_k_buffer: int = 4
    min_votes_in_conv: int = 7
    greedy_in_conv: int = 15
    n_representative: int = 5
    n_consensus: int = 5

    def __post_init__(self) -> None:
        for name in ("n_components", "base_k", "max_k", "group_k_buffer", "n_representative"):
            if getattr(self, name) < 1:
                raise InputError(f"{name}={getattr(self, name)} should be >= 1")
        if self.max_k < 2:
            raise InputError(f"max_k={self.max_k} should be >= 2")


@dataclass(frozen=True, eq=False)
class AnalysisState:
    """What a warm start needs from the previous update (all keyed by ids, not positions).

    ``participant_order`` holds the participant ids in the order Polis's vote matrix holds
    its rows (see ``polis_row_order``); when it is empty (an older saved state), the rows
    are ordered as Polis orders them after a restart, which rebuilds the matrix from the
    whole vote table.
    """

    statement_ids: IntArray
    components: Float64Array
    in_conv_ids: IntArray
    base: Clustering | None
    group_clusterings: dict[int, Clustering] = field(default_factory=dict)
    smoother: KSmoother = field(default_factory=KSmoother)
    n_updates: int = 0
    participant_order: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def align_components(state: AnalysisState | None, statement_ids: IntArray) -> Float64Array | None:
    if state is None or len(state.statement_ids) == 0:
        return None
    out = np.zeros((state.components.shape[0], len(statement_ids)))
    cols = np.searchsorted(statement_ids, state.statement_ids)
    cols = np.minimum(cols, max(len(statement_ids) - 1, 0))
    found = statement_ids[cols] == state.statement_ids if len(statement_ids) else cols < 0
    out[:, cols[found]] = state.components[:, found]
    return out


def _group_clusters(
    base: Clustering, state: AnalysisState | None, params: Params
) -> tuple[dict[int, Clustering], dict[int, float]]:
    weights = base.sizes()
    clusterings: dict[int, Clustering] = {}
    scores: dict[int, float] = {}
    if base.n_clusters < 2:
        return clusterings, scores
    distances = pairwise_distances(base.centers, base.centers)
    for k in range(2, max_group_k(base.n_clusters, max_k=params.max_k) + 1):
        previous = state.group_clusterings.get(k) if state is not None else None
        clustering = kmeans(
            base.centers,
            base.ids,
            k,
            weights=weights,
            previous=previous,
            max_iter=params.group_iters,
        )
        clusterings[k] = clustering
        scores[k] = silhouette(distances, clustering.labels)
    return clusterings, scores


@dataclass(frozen=True, eq=False)
class Update:
    """The PCA and clustering part of one update (what the next warm start needs)."""

    pca: PCAResult
    coords: Float64Array
    in_conv: NDArray[np.bool_]
    base: Clustering | None
    clusterings: dict[int, Clustering]
    scores: dict[int, float]
    k: int
    labels: IntArray
    state: AnalysisState


def _declared_groups(
    matrix: VoteMatrix | MatrixOutline, groups: tuple[ArrayLike, ArrayLike]
) -> tuple[int, IntArray]:
    labels = np.full(matrix.n_participants, -1, dtype=np.int64)
    group_pids = np.asarray(groups[0], dtype=np.int64)
    group_values = np.asarray(groups[1], dtype=np.int64)
    rows = matrix.row_of(group_pids)
    keep = rows >= 0
    names, index = np.unique(group_values[keep], return_inverse=True)
    labels[rows[keep]] = index
    return len(names), labels


def cluster_update(
    matrix: VoteMatrix | MatrixOutline,
    pca: PCAResult,
    coords: Float64Array,
    order: NDArray[np.intp],
    groups: tuple[ArrayLike, ArrayLike] | None,
    params: Params,
    state: AnalysisState | None,
) -> Update:
    """In-conv, base and group clusters and the k-smoother, from the PCA and 2-D points.

    ``order`` is ``polis_row_order`` of the rows (it decides the initial k-means centres).
    """
    in_conv = select_in_conv(
        matrix,
        state.in_conv_ids if state else None,
        min_votes=params.min_votes_in_conv,
        greedy=params.greedy_in_conv,
    )
    smoother = replace(state.smoother) if state is not None else KSmoother(params.group_k_buffer)
    base: Clustering | None = None
    clusterings: dict[int, Clustering] = {}
    scores: dict[int, float] = {}
    labels = np.full(matrix.n_participants, -1, dtype=np.int64)
    if groups is not None:
        k, labels = _declared_groups(matrix, groups)
    else:
        rows = order[in_conv[order]]
        base = kmeans(
            coords[rows],
            matrix.participant_ids[rows],
            params.base_k,
            previous=state.base if state else None,
            max_iter=params.base_iters,
        )
        clusterings, scores = _group_clusters(base, state, params)
        if scores:
            k = smoother.update(choose_k(scores), available=scores.keys())
            group = clusterings[k]
            group_index = np.searchsorted(group.ids, group.labels)  # per base cluster
            base_position = _positions(base.ids, base.labels)  # per in-conv participant
            labels[rows] = group_index[base_position]
            k = group.n_clusters
        else:
            k = 1 if len(rows) else 0
            labels[rows] = 0
    new_state = AnalysisState(
        statement_ids=matrix.statement_ids,
        components=pca.components,
        in_conv_ids=matrix.participant_ids[in_conv],
        base=base,
        group_clusterings=clusterings,
        smoother=smoother,
        n_updates=(state.n_updates if state else 0) + 1,
        participant_order=matrix.participant_ids[order],
    )
    return Update(pca, coords, in_conv, base, clusterings, scores, k, labels, new_state)


def _positions(sorted_ids: IntArray, ids: IntArray) -> NDArray[np.intp]:
    return np.searchsorted(sorted_ids, ids).astype(np.intp)
