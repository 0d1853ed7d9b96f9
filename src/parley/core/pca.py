"""Polis PCA on a sparse vote matrix: implicit mean imputation, centring, projection.

Polis (pca.clj, conversation.clj ``:mat``) replaces every missing vote by its column mean and
centres the columns. Because the imputed value equals the column mean, the centred matrix is
zero wherever no vote was cast, so it is exactly as sparse as the votes: entry ``v_ij - mu_j``
on voted cells, 0 elsewhere. Its top right singular vectors are Polis's components (Polis
finds them by power iteration; parley uses ARPACK on ``C^T C`` through a LinearOperator, with a
fixed start vector, so the result is deterministic).

Sign convention: on a cold start each component is flipped so that its largest-magnitude
loading is positive (ties: the lowest column). On a warm start each component keeps the sign
of the previous one (non-negative dot product), so that the map does not flip between updates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .types import Float64Array

__all__ = [
    "PCAResult",
    "center_votes",
    "centred_gram",
    "centred_matvec",
    "column_means",
    "column_totals",
    "fit_and_project",
    "fit_pca",
    "fit_pca_from",
    "means_from_totals",
    "project_participants",
    "project_statements",
    "uses_dense_gram",
]

_DENSE_EIGH_MAX_COLUMNS = 300


@dataclass(frozen=True, eq=False)
class PCAResult:
    """Components and centre of the vote PCA.

    Attributes
    ----------
    center : ndarray of shape (n_statements,), column means over cast votes (0 for mod-out).
    components : ndarray of shape (n_components, n_statements), orthonormal rows.
    explained_variance : ndarray of shape (n_components,), variance along each component.
    """

    center: Float64Array
    components: Float64Array
    explained_variance: Float64Array


def column_totals(values: sp.csr_array) -> tuple[Float64Array, NDArray[np.int64]]:
    """Sum and number of the cast votes in each column (add them up over row blocks)."""
    n_cols = values.shape[1]
    sums = np.bincount(values.indices, weights=values.data, minlength=n_cols).astype(np.float64)
    counts = np.bincount(values.indices, minlength=n_cols).astype(np.int64)
    return sums, counts


def means_from_totals(
    sums: Float64Array, counts: NDArray[np.int64], *, zeroed_columns: NDArray[np.bool_]
) -> Float64Array:
    """Column means from ``column_totals``; 0 for empty and zeroed (mod-out) columns."""
    n_cols = len(sums)
    means = np.divide(sums, counts, out=np.zeros(n_cols), where=counts > 0)
    means[zeroed_columns] = 0.0
    return means


def column_means(values: sp.csr_array, *, zeroed_columns: NDArray[np.bool_]) -> Float64Array:
    """Mean of the cast votes in each column; 0 for empty and zeroed (mod-out) columns."""
    sums, counts = column_totals(values)
    return means_from_totals(sums, counts, zeroed_columns=zeroed_columns)


def centred_gram(
    values: sp.csr_array, center: Float64Array, *, zeroed_columns: NDArray[np.bool_]
) -> Float64Array:
    """``C^T C`` of the centred votes of these rows, dense (statements x statements)."""
    centred = center_votes(values, center, zeroed_columns=zeroed_columns)
    return np.asarray((centred.T @ centred).toarray(), dtype=np.float64)


def centred_matvec(
    values: sp.csr_array,
    center: Float64Array,
    x: Float64Array,
    *,
    zeroed_columns: NDArray[np.bool_],
) -> Float64Array:
    """``C^T (C x)`` for the centred votes ``C`` of these rows."""
    centred = center_votes(values, center, zeroed_columns=zeroed_columns)
    result: Float64Array = centred.T @ (centred @ x)
    return result


def center_votes(
    values: sp.csr_array, center: Float64Array, *, zeroed_columns: NDArray[np.bool_]
) -> sp.csr_array:
    """Return the centred vote matrix: ``v_ij - center_j`` on cast votes, 0 elsewhere."""
    data = values.data.astype(np.float64) - center[values.indices]
    data[zeroed_columns[values.indices]] = 0.0
    return sp.csr_array((data, values.indices, values.indptr), shape=values.shape)


def _fix_signs(components: Float64Array, previous: Float64Array | None) -> Float64Array:
    out = components.copy()
    for k in range(out.shape[0]):
        if previous is not None and k < previous.shape[0] and previous.shape[1] == out.shape[1]:
            flip = float(out[k] @ previous[k]) < 0
        else:
            if out.shape[1] == 0:
                continue
            magnitude = np.abs(out[k])
            # ties (up to round-off) go to the lowest column, as documented
            first = int(np.flatnonzero(magnitude >= magnitude.max() * (1 - 1e-9))[0])
            flip = out[k, first] < 0
        if flip:
            out[k] = -out[k]
    return out


def fit_pca(
    values: sp.csr_array,
    *,
    zeroed_columns: NDArray[np.bool_],
    n_components: int = 2,
    start: Float64Array | None = None,
) -> PCAResult:
    """Fit Polis's PCA to the votes without densifying them.

    Parameters
    ----------
    values : csr_array of shape (n_participants, n_statements)
        Cast votes as explicit entries.
    zeroed_columns : ndarray of bool, shape (n_statements,)
        Moderated-out and meta statements; Polis sets these columns to 0 for everybody.
    n_components : int
        Number of components (Polis uses 2).
    start : ndarray of shape (n_components, n_statements), optional
        The previous components, for a warm start and sign continuity.
    """
    return _fit_centred(values, zeroed_columns, n_components, start)[0]


def fit_and_project(
    values: sp.csr_array,
    *,
    zeroed_columns: NDArray[np.bool_],
    n_components: int = 2,
    start: Float64Array | None = None,
) -> tuple[PCAResult, Float64Array]:
    """``fit_pca``, then ``project_participants`` of the same rows, centring the votes once.

    The same numbers as the two calls, without centring the votes a second time.
    """
    pca, centred = _fit_centred(values, zeroed_columns, n_components, start)
    return pca, _project_centred(values, centred, pca, zeroed_columns)


def _fit_centred(
    values: sp.csr_array,
    zeroed_columns: NDArray[np.bool_],
    n_components: int,
    start: Float64Array | None,
) -> tuple[PCAResult, sp.csr_array]:
    """The PCA of the votes, and the centred votes it was fitted on."""
    n_rows = values.shape[0]
    center = column_means(values, zeroed_columns=zeroed_columns)
    centred = center_votes(values, center, zeroed_columns=zeroed_columns)
    centred_t: sp.csr_array | None = None

    def matvec(x: Float64Array) -> Float64Array:
        nonlocal centred_t
        if centred_t is None:
            centred_t = centred.T.tocsr()
        result: Float64Array = centred_t @ (centred @ x)
        return result

    pca = fit_pca_from(
        n_rows,
        center,
        gram=lambda: np.asarray((centred.T @ centred).toarray(), dtype=np.float64),
        matvec=matvec,
        n_components=n_components,
        start=start,
    )
    return pca, centred


def uses_dense_gram(n_cols: int, n_components: int) -> bool:
    """Whether ``fit_pca_from`` takes the dense Gram matrix (few statements) or Lanczos."""
    return n_cols <= _DENSE_EIGH_MAX_COLUMNS or min(n_components, n_cols) >= n_cols - 1


def fit_pca_from(
    n_rows: int,
    center: Float64Array,
    *,
    gram: Callable[[], Float64Array],
    matvec: Callable[[Float64Array], Float64Array],
    n_components: int = 2,
    start: Float64Array | None = None,
) -> PCAResult:
    """The PCA from the centred Gram matrix ``C^T C`` (dense) or its product with a vector.

    ``gram`` returns the dense statement x statement matrix and is called when there are few
    statements; otherwise ARPACK's Lanczos calls ``matvec(x) = C^T (C x)``. Both may sum over
    row blocks of ``C``: this is how the distributed engine runs the same PCA.
    """
    n_cols = len(center)
    components = np.zeros((n_components, n_cols))
    eigenvalues = np.zeros(n_components)
    n_found = min(n_components, n_cols)
    if n_rows > 0 and n_found > 0:
        if uses_dense_gram(n_cols, n_components):
            vals, vecs = np.linalg.eigh(gram())
            order = np.argsort(-vals, kind="stable")[:n_found]
            eigenvalues[:n_found], components[:n_found] = vals[order], vecs[:, order].T
        else:
            from scipy.sparse.linalg import LinearOperator, eigsh  # slow import: only here

            op = LinearOperator((n_cols, n_cols), matvec=matvec, dtype=np.float64)
            v0 = np.ones(n_cols) / np.sqrt(n_cols)
            if start is not None and start.shape == (n_components, n_cols):
                warm = start.sum(axis=0)
                if np.linalg.norm(warm) > 0:
                    v0 = warm / np.linalg.norm(warm)
            vals, vecs = eigsh(op, k=n_found, which="LA", v0=v0, tol=1e-10)
            order = np.argsort(-vals, kind="stable")
            eigenvalues[:n_found], components[:n_found] = vals[order], vecs[:, order].T
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    components = _fix_signs(components, start)
    variance = eigenvalues / max(n_rows - 1, 1)
    return PCAResult(center=center, components=components, explained_variance=variance)


def project_participants(
    values: sp.csr_array,
    pca: PCAResult,
    *,
    zeroed_columns: NDArray[np.bool_],
) -> Float64Array:
    """Polis's sparsity-aware projection of every participant (row), shape (n_rows, n_comps).

    Each row sums ``(v_ij - center_j) * pc_j`` over its votes and is scaled by
    ``sqrt(n_statements / n_votes)``; the zeroed mod-out cells count as votes, as in Polis.
    """
    centred = center_votes(values, pca.center, zeroed_columns=zeroed_columns)
    return _project_centred(values, centred, pca, zeroed_columns)


def _project_centred(
    values: sp.csr_array,
    centred: sp.csr_array,
    pca: PCAResult,
    zeroed_columns: NDArray[np.bool_],
) -> Float64Array:
    """``project_participants`` from the centred votes (``center_votes`` with ``pca.center``)."""
    raw = np.asarray(centred @ pca.components.T)
    n_cols = values.shape[1]
    n_zeroed = int(zeroed_columns.sum())
    per_row = np.diff(values.indptr).astype(np.int64)
    if n_zeroed:
        # votes on zeroed columns per row, from a running count over the rows' entries
        running = np.zeros(len(values.indices) + 1, dtype=np.int64)
        np.cumsum(zeroed_columns[values.indices], out=running[1:])
        voted_zeroed = running[values.indptr[1:]] - running[values.indptr[:-1]]
    else:
        voted_zeroed = np.zeros(values.shape[0], dtype=np.int64)
    n_votes = per_row - voted_zeroed + n_zeroed
    scale = np.sqrt(n_cols / np.maximum(n_votes, 1))
    result: Float64Array = raw * scale[:, None]
    return result


def project_statements(pca: PCAResult) -> Float64Array:
    """Project each statement as a virtual participant who agreed with it alone.

    Returns ndarray of shape (n_statements, n_components) (Polis ``pca-project-cmnts``).
    """
    n_cols = pca.components.shape[1]
    coords: Float64Array = ((1.0 - pca.center)[:, None] * pca.components.T) * np.sqrt(n_cols)
    return coords
