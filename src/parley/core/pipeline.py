"""The Polis pipeline end to end: PCA, in-conv, base and group clusters, repness, consensus.

``analyze`` runs one update (cold, or warm from a previous ``AnalysisState``); ``update``
merges new votes into a previous analysis and runs a warm update, as Polis's math worker
does on every poll. Deliberate differences from Polis: PCA is exact and deterministic at
every size (no unseeded start, no mini-batch PCA above 10,000 participants), there is no
"customs" cap on participants or statements, and routing priorities use the current
groups' votes (Polis reads the previous update's, CLOJURE_QUIRKS Q2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .clustering import Clustering, KSmoother, choose_k, kmeans, max_group_k, silhouette
from .consensus import group_informed_consensus, select_consensus
from .lloyd import distances as pairwise_distances
from .matrix import VoteMatrix, build_vote_matrix
from .participants import in_conv as select_in_conv
from .participants import polis_row_order
from .pca import PCAResult, fit_pca, project_participants, project_statements
from .repness import RepnessStats, RepresentativeStatement, compute_repness, select_representative
from .routing import statement_priorities
from .stats import VoteCounts, count_votes
from .types import Float64Array, IntArray

__all__ = [
    "Analysis",
    "AnalysisState",
    "Params",
    "advance",
    "analyze",
    "update",
]


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


@dataclass(frozen=True, eq=False)
class Analysis:
    """The result of one update; arrays are aligned with ``matrix`` rows and columns.

    Attributes
    ----------
    matrix : VoteMatrix, the final votes analysed.
    zeroed : ndarray of bool, shape (n_statements,), moderated-out or meta statements.
    is_meta : ndarray of bool, shape (n_statements,).
    pca : PCAResult.
    participant_coords : ndarray of shape (n_participants, 2).
    statement_coords : ndarray of shape (n_statements, 2).
    extremity : ndarray of shape (n_statements,).
    in_conv : ndarray of bool, shape (n_participants,).
    base : Clustering of the in-conv participants (None when groups were declared).
    silhouettes : silhouette on the base centres for each candidate k.
    k : the number of opinion groups.
    labels : ndarray of shape (n_participants,), group index 0..k-1, or -1 if not grouped.
    repness_stats : RepnessStats over the groups (zeroed ``rating-mat`` counts).
    representative : per group, up to 5 RepresentativeStatement.
    consensus_agree, consensus_disagree : column indices of consensus statements.
    overall : VoteCounts with one row, all participants, raw votes.
    group_counts : VoteCounts per group over raw votes (GAC's input).
    gac, gac_disagree : ndarray of shape (n_statements,).
    priorities : ndarray of shape (n_statements,).
    state : AnalysisState for the next warm update.
    """

    matrix: VoteMatrix
    zeroed: NDArray[np.bool_]
    is_meta: NDArray[np.bool_]
    pca: PCAResult
    participant_coords: Float64Array
    statement_coords: Float64Array
    extremity: Float64Array
    in_conv: NDArray[np.bool_]
    base: Clustering | None
    silhouettes: dict[int, float]
    k: int
    labels: IntArray
    repness_stats: RepnessStats
    representative: list[list[RepresentativeStatement]]
    consensus_agree: list[int]
    consensus_disagree: list[int]
    overall: VoteCounts
    group_counts: VoteCounts
    gac: Float64Array
    gac_disagree: Float64Array
    priorities: Float64Array
    state: AnalysisState


def _mask(ids: IntArray, chosen: ArrayLike | None) -> NDArray[np.bool_]:
    if chosen is None:
        return np.zeros(len(ids), dtype=bool)
    return np.isin(ids, np.asarray(chosen, dtype=np.int64))


def _align_components(state: AnalysisState | None, statement_ids: IntArray) -> Float64Array | None:
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
class _Update:
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
    matrix: VoteMatrix, groups: tuple[ArrayLike, ArrayLike]
) -> tuple[int, IntArray]:
    labels = np.full(matrix.n_participants, -1, dtype=np.int64)
    group_pids = np.asarray(groups[0], dtype=np.int64)
    group_values = np.asarray(groups[1], dtype=np.int64)
    rows = matrix.row_of(group_pids)
    keep = rows >= 0
    names, index = np.unique(group_values[keep], return_inverse=True)
    labels[rows[keep]] = index
    return len(names), labels


def _update_clusters(
    matrix: VoteMatrix,
    zeroed: NDArray[np.bool_],
    groups: tuple[ArrayLike, ArrayLike] | None,
    params: Params,
    state: AnalysisState | None,
) -> _Update:
    """PCA, projection, in-conv, base and group clusters and the k-smoother for one update."""
    values = matrix.values
    pca = fit_pca(
        values,
        zeroed_columns=zeroed,
        n_components=params.n_components,
        start=_align_components(state, matrix.statement_ids),
    )
    coords = project_participants(values, pca, zeroed_columns=zeroed)
    in_conv = select_in_conv(
        matrix,
        state.in_conv_ids if state else None,
        min_votes=params.min_votes_in_conv,
        greedy=params.greedy_in_conv,
    )
    order = polis_row_order(matrix, state.participant_order if state else None)
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
    return _Update(pca, coords, in_conv, base, clusterings, scores, k, labels, new_state)


def _positions(sorted_ids: IntArray, ids: IntArray) -> NDArray[np.intp]:
    return np.searchsorted(sorted_ids, ids).astype(np.intp)


def _zeroed(
    matrix: VoteMatrix, moderated_out: ArrayLike | None, meta: ArrayLike | None
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    is_meta = _mask(matrix.statement_ids, meta)
    return _mask(matrix.statement_ids, moderated_out) | is_meta, is_meta


def analyze(
    matrix: VoteMatrix,
    *,
    moderated_out: ArrayLike | None = None,
    meta: ArrayLike | None = None,
    groups: tuple[ArrayLike, ArrayLike] | None = None,
    params: Params | None = None,
    state: AnalysisState | None = None,
) -> Analysis:
    """Run the Polis pipeline on ``matrix``.

    Parameters
    ----------
    matrix : VoteMatrix
    moderated_out : statement ids rejected by moderation (their columns are zeroed).
    meta : statement ids marked meta (zeroed, and routed with the meta priority).
    groups : (participant_ids, group_ids), optional; declared opinion groups used instead of
        clustering (participants absent from it are not grouped).
    params : Params, the Polis defaults when omitted.
    state : AnalysisState from a previous update, for a warm start.
    """
    params = params or Params()
    zeroed, is_meta = _zeroed(matrix, moderated_out, meta)
    values = matrix.values
    done = _update_clusters(matrix, zeroed, groups, params, state)
    pca, k, labels = done.pca, done.k, done.labels
    statement_coords = project_statements(pca)
    extremity = np.linalg.norm(statement_coords, axis=1)
    raw_groups = count_votes(values, labels, k)
    rating_groups = count_votes(values, labels, k, zeroed_columns=zeroed)
    repness_stats = compute_repness(rating_groups)
    representative = select_representative(
        repness_stats, excluded=zeroed, n_select=params.n_representative
    )
    everybody = np.zeros(matrix.n_participants, dtype=np.int64)
    overall = count_votes(values, everybody, 1)
    rating_overall = count_votes(values, everybody, 1, zeroed_columns=zeroed)
    consensus_agree, consensus_disagree = select_consensus(
        rating_overall, excluded=zeroed, n_select=params.n_consensus
    )
    return Analysis(
        matrix=matrix,
        zeroed=zeroed,
        is_meta=is_meta,
        pca=pca,
        participant_coords=done.coords,
        statement_coords=statement_coords,
        extremity=extremity,
        in_conv=done.in_conv,
        base=done.base,
        silhouettes=done.scores,
        k=k,
        labels=labels,
        repness_stats=repness_stats,
        representative=representative,
        consensus_agree=consensus_agree,
        consensus_disagree=consensus_disagree,
        overall=overall,
        group_counts=raw_groups,
        gac=group_informed_consensus(raw_groups),
        gac_disagree=group_informed_consensus(raw_groups, direction="disagree"),
        priorities=statement_priorities(raw_groups if k else overall, extremity, is_meta=is_meta),
        state=done.state,
    )


def advance(
    matrix: VoteMatrix,
    *,
    moderated_out: ArrayLike | None = None,
    meta: ArrayLike | None = None,
    params: Params | None = None,
    state: AnalysisState | None = None,
) -> AnalysisState:
    """Run only the PCA and clustering of an update and return the state for the next one.

    This is what ``analyze`` does before the statistics, and it changes the state exactly as
    ``analyze`` would; ``replay`` uses it for every batch but the last.
    """
    params = params or Params()
    zeroed, _ = _zeroed(matrix, moderated_out, meta)
    return _update_clusters(matrix, zeroed, None, params, state).state


def update(
    previous: Analysis,
    participant_ids: ArrayLike,
    statement_ids: ArrayLike,
    votes: ArrayLike,
    *,
    moderated_out: ArrayLike | None = None,
    meta: ArrayLike | None = None,
    params: Params | None = None,
) -> Analysis:
    """Merge new vote events into ``previous`` (they win over older votes) and warm-start."""
    old = previous.matrix.values.tocoo()
    old_pids = previous.matrix.participant_ids[old.row]
    old_sids = previous.matrix.statement_ids[old.col]
    matrix = build_vote_matrix(
        np.concatenate([old_pids, np.asarray(participant_ids, dtype=np.int64)]),
        np.concatenate([old_sids, np.asarray(statement_ids, dtype=np.int64)]),
        np.concatenate([old.data.astype(np.int8), np.asarray(votes)]),
        all_statement_ids=previous.matrix.statement_ids,
    )
    if moderated_out is None:
        moderated_out = previous.matrix.statement_ids[previous.zeroed & ~previous.is_meta]
    if meta is None:
        meta = previous.matrix.statement_ids[previous.is_meta]
    return analyze(
        matrix, moderated_out=moderated_out, meta=meta, params=params, state=previous.state
    )
