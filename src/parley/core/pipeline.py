"""The Polis pipeline end to end: PCA, in-conv, base and group clusters, repness, consensus.

``analyze`` runs one update (cold, or warm from a previous ``AnalysisState``); ``update``
merges new votes into a previous analysis and runs a warm update, as Polis's math worker
does on every poll. Deliberate differences from Polis: PCA is exact and deterministic at
every size (no unseeded start, no mini-batch PCA above 10,000 participants), there is no
"customs" cap on participants or statements, and routing priorities use the current
groups' votes (Polis reads the previous update's, CLOJURE_QUIRKS Q2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from parley.errors import InputError

from .clustering import Clustering
from .consensus import group_informed_consensus, select_consensus
from .matrix import MatrixOutline, VoteMatrix, build_vote_matrix
from .participants import polis_row_order
from .pca import PCAResult, fit_and_project, project_statements
from .repness import RepnessStats, RepresentativeStatement, compute_repness, select_representative
from .routing import statement_priorities
from .stats import VoteCounts, count_votes_once
from .types import Float64Array, IntArray
from .update import AnalysisState, Params, Update, align_components, cluster_update

__all__ = [
    "Analysis",
    "AnalysisState",
    "GroupCounts",
    "Params",
    "advance",
    "analyze",
    "assemble",
    "update",
    "zeroed_columns",
]


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

    matrix: VoteMatrix | MatrixOutline
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


def _update_clusters(
    matrix: VoteMatrix,
    zeroed: NDArray[np.bool_],
    groups: tuple[ArrayLike, ArrayLike] | None,
    params: Params,
    state: AnalysisState | None,
) -> Update:
    """PCA, projection, in-conv, base and group clusters and the k-smoother for one update."""
    values = matrix.values
    pca, coords = fit_and_project(
        values,
        zeroed_columns=zeroed,
        n_components=params.n_components,
        start=align_components(state, matrix.statement_ids),
    )
    order = polis_row_order(matrix, state.participant_order if state else None)
    return cluster_update(matrix, pca, coords, order, groups, params, state)


GroupCounts = tuple[VoteCounts, VoteCounts, VoteCounts, VoteCounts]
"""Raw and rating-mat counts per group, then raw and rating-mat counts over everybody."""


def zeroed_columns(
    matrix: VoteMatrix | MatrixOutline, moderated_out: ArrayLike | None, meta: ArrayLike | None
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(zeroed, is_meta) masks over the columns: moderated-out or meta, and meta."""
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
    zeroed, is_meta = zeroed_columns(matrix, moderated_out, meta)
    done = _update_clusters(matrix, zeroed, groups, params, state)
    counts = count_votes_once(matrix.values, done.labels, done.k, zeroed_columns=zeroed)
    return assemble(matrix, zeroed, is_meta, done, counts, params)


def assemble(
    matrix: VoteMatrix | MatrixOutline,
    zeroed: NDArray[np.bool_],
    is_meta: NDArray[np.bool_],
    done: Update,
    counts: GroupCounts,
    params: Params,
) -> Analysis:
    """The Analysis from the clustering and the vote counts (repness, consensus, GAC)."""
    pca, k = done.pca, done.k
    statement_coords = project_statements(pca)
    extremity = np.linalg.norm(statement_coords, axis=1)
    raw_groups, rating_groups, overall, rating_overall = counts
    repness_stats = compute_repness(rating_groups)
    representative = select_representative(
        repness_stats, excluded=zeroed, n_select=params.n_representative
    )
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
        labels=done.labels,
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
    zeroed, _ = zeroed_columns(matrix, moderated_out, meta)
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
    if not isinstance(previous.matrix, VoteMatrix):
        raise InputError("an analysis computed on Dask holds no votes to update; analyse again")
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
