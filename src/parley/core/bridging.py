"""Bridging model: matrix factorisation of all votes, in the style of Community Notes.

Each vote becomes a rating (agree 1.0, disagree 0.0; passes are left out by default, since a
pass says "unsure", not "half agree") and the model

    r_hat[u, n] = mu + i_u + i_n + f_u . f_n

is fitted by minimising the regularised squared loss over the observed ratings only::

    sum (r - r_hat)^2 + l_i (mu^2 + |i_u|^2 + |i_n|^2) + l_f (|f_u|^2 + |f_n|^2)

with the documented Community Notes penalties l_i = 0.15 and l_f = 0.03 (ranking-notes.md).
The statement intercept ``i_n`` is the bridging score: how much a statement is agreed with
once the factor has explained the division between viewpoints.

Unlike Community Notes (full-batch Adam in PyTorch) the fit is alternating least squares:
with the other side fixed, every participant's (i_u, f_u) is a small ridge regression whose
normal equations are sparse-matrix products, and likewise for statements. Each sweep costs a
few passes over the votes, is exact and deterministic, and needs no learning rate.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from parley.errors import InputError

from .types import Float64Array

__all__ = ["BridgingModel"]

POWER_ITERATIONS = 8


class BridgingModel:
    """Community-Notes-style matrix factorisation fitted by alternating least squares.

    Parameters
    ----------
    n_factors : int, default 1
        Dimension of the participant and statement factors.
    intercept_penalty : float, default 0.15
        Ridge penalty on the global mean and the intercepts (5x the factor penalty, as in
        Community Notes, so that a high intercept needs support from both sides).
    factor_penalty : float, default 0.03
        Ridge penalty on the factors.
    pass_rating : float or None, default None
        Rating given to a pass; None leaves passes out of the fit.
    max_iter : int, default 200
        Maximum number of ALS sweeps.
    tol : float, default 1e-6
        Stop when no parameter moves by more than ``tol`` in one sweep.
    random_state : int, default 0
        Seed of the small random start of the factors.

    Attributes
    ----------
    global_mean_ : float
    participant_intercepts_ : ndarray of shape (n_participants,)
    statement_intercepts_ : ndarray of shape (n_statements,)
        The bridging score of each statement (0 for a statement without ratings).
    participant_factors_ : ndarray of shape (n_participants, n_factors)
    statement_factors_ : ndarray of shape (n_statements, n_factors)
        Sign convention: in each factor column the statement of largest ``|f|`` is positive.
    n_iter_ : int
        Number of sweeps run.
    loss_ : float
        The regularised loss at the end of the fit.

    Examples
    --------
    >>> votes = sp.csr_array(np.array([[1.0, 1, -1], [1, -1, 1], [1, 1, -1], [1, -1, 1]]))
    >>> model = BridgingModel().fit(votes)
    >>> bool(model.statement_intercepts_[0] > model.statement_intercepts_[1])
    True
    """

    def __init__(
        self,
        *,
        n_factors: int = 1,
        intercept_penalty: float = 0.15,
        factor_penalty: float = 0.03,
        pass_rating: float | None = None,
        max_iter: int = 200,
        tol: float = 1e-6,
        random_state: int = 0,
    ) -> None:
        self.n_factors = n_factors
        self.intercept_penalty = intercept_penalty
        self.factor_penalty = factor_penalty
        self.pass_rating = pass_rating
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, votes: sp.csr_array | sp.csr_matrix) -> BridgingModel:
        """Fit the model to a participants x statements vote matrix.

        Parameters
        ----------
        votes : csr_array of shape (n_participants, n_statements)
            Explicit entries are votes in {-1, 0, 1} (agree +1, pass 0); missing entries
            were not voted on.

        Returns
        -------
        self : BridgingModel
        """
        self._validate_params()
        ratings = _ratings(votes, self.pass_rating)
        self._fit(ratings)
        return self

    def _validate_params(self) -> None:
        if not isinstance(self.n_factors, int | np.integer) or self.n_factors < 1:
            raise InputError(f"n_factors={self.n_factors!r} should be an integer >= 1")
        for name in ("intercept_penalty", "factor_penalty"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise InputError(f"{name}={value!r} should be a positive number")
        if not isinstance(self.max_iter, int | np.integer) or self.max_iter < 1:
            raise InputError(f"max_iter={self.max_iter!r} should be an integer >= 1")
        if not self.tol > 0:
            raise InputError(f"tol={self.tol!r} should be > 0")
        if self.pass_rating is not None and not 0.0 <= self.pass_rating <= 1.0:
            raise InputError(f"pass_rating={self.pass_rating!r} should be None or in [0, 1]")

    def _fit(self, ratings: sp.csr_array) -> None:
        n_rows, n_cols = ratings.shape
        k = int(self.n_factors)
        structure = sp.csr_array(
            (np.ones(ratings.nnz), ratings.indices, ratings.indptr), shape=ratings.shape
        )
        ratings_t = sp.csr_array(ratings.T.tocsr())
        structure_t = sp.csr_array(structure.T.tocsr())
        row_counts = np.diff(ratings.indptr).astype(np.float64)
        col_counts = np.diff(ratings_t.indptr).astype(np.float64)
        rng = np.random.default_rng(self.random_state)
        row_intercepts = np.zeros(n_rows)
        col_intercepts = np.zeros(n_cols)
        row_factors = np.zeros((n_rows, k))
        n_ratings = ratings.nnz
        col_factors = (
            _start_factors(ratings, row_counts, col_counts, k, rng)
            if n_ratings
            else np.zeros((n_cols, k))
        )
        total = float(ratings.data.sum())
        mu = total / n_ratings if n_ratings else 0.0
        penalties = np.array([self.intercept_penalty] + [self.factor_penalty] * k)
        n_iter = 0
        for iteration in range(1, int(self.max_iter) + 1 if n_ratings else 1):
            n_iter = iteration
            new_rows = _ridge_side(ratings, structure, col_intercepts, col_factors, mu, penalties)
            new_cols = _ridge_side(
                ratings_t, structure_t, new_rows[:, 0], new_rows[:, 1:], mu, penalties
            )
            interaction = float(np.sum(new_rows[:, 1:] * (structure @ new_cols[:, 1:])))
            residual = (
                total - float(row_counts @ new_rows[:, 0]) - float(col_counts @ new_cols[:, 0])
            )
            new_mu = (residual - interaction) / (n_ratings + self.intercept_penalty)
            new_mu = _fix_gauges(
                new_rows, new_cols, new_mu, row_counts > 0, col_counts > 0, penalties[:2]
            )
            change = max(
                _max_change(new_rows[:, 0], row_intercepts),
                _max_change(new_rows[:, 1:], row_factors),
                _max_change(new_cols[:, 0], col_intercepts),
                _max_change(new_cols[:, 1:], col_factors),
                abs(new_mu - mu),
            )
            row_intercepts, row_factors = new_rows[:, 0], new_rows[:, 1:]
            col_intercepts, col_factors = new_cols[:, 0], new_cols[:, 1:]
            mu = new_mu
            if change < self.tol:
                break
        signs = _factor_signs(col_factors)
        self.global_mean_ = float(mu)
        self.participant_intercepts_: Float64Array = np.ascontiguousarray(row_intercepts)
        self.statement_intercepts_: Float64Array = np.ascontiguousarray(col_intercepts)
        self.participant_factors_: Float64Array = np.ascontiguousarray(row_factors * signs)
        self.statement_factors_: Float64Array = np.ascontiguousarray(col_factors * signs)
        self.n_iter_ = n_iter
        self.loss_ = self._loss(ratings)

    def predict(self, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> Float64Array:
        """Predicted ratings for (row, column) index pairs; arrays of shape (n_pairs,)."""
        result: Float64Array = (
            self.global_mean_
            + self.participant_intercepts_[rows]
            + self.statement_intercepts_[cols]
            + np.einsum("ij,ij->i", self.participant_factors_[rows], self.statement_factors_[cols])
        )
        return result

    def _loss(self, ratings: sp.csr_array) -> float:
        rows = np.repeat(np.arange(ratings.shape[0]), np.diff(ratings.indptr))
        error = ratings.data - self.predict(rows, ratings.indices.astype(np.int64))
        intercepts = (
            self.global_mean_**2
            + float(self.participant_intercepts_ @ self.participant_intercepts_)
            + float(self.statement_intercepts_ @ self.statement_intercepts_)
        )
        factors = float(np.sum(self.participant_factors_**2) + np.sum(self.statement_factors_**2))
        return float(
            error @ error + self.intercept_penalty * intercepts + self.factor_penalty * factors
        )


def _ratings(votes: object, pass_rating: float | None) -> sp.csr_array:
    """Validate a vote matrix and map it to ratings (agree 1, disagree 0, pass as given)."""
    if not sp.issparse(votes):
        raise InputError(f"votes should be a scipy.sparse matrix, got {type(votes).__name__}")
    matrix = sp.csr_array(votes)
    if matrix.ndim != 2:
        raise InputError(f"votes should be 2-d, got shape {matrix.shape}")
    matrix.sum_duplicates()
    data = np.asarray(matrix.data, dtype=np.float64)
    bad = ~np.isin(data, (-1.0, 0.0, 1.0))
    if bad.any():
        raise InputError(f"votes should be -1, 0 or 1, found {data[bad][0]!r}")
    keep = data != 0.0 if pass_rating is None else np.ones(len(data), dtype=bool)
    rated = np.where(data == 0.0, 0.0 if pass_rating is None else pass_rating, (data + 1) / 2)
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=matrix.shape[0]), out=indptr[1:])
    return sp.csr_array(
        (rated[keep], matrix.indices[keep].astype(np.int64), indptr), shape=matrix.shape
    )


def _ridge_side(
    ratings: sp.csr_array,
    structure: sp.csr_array,
    other_intercepts: Float64Array,
    other_factors: Float64Array,
    mu: float,
    penalties: Float64Array,
) -> Float64Array:
    """Solve every row's ridge regression for (intercept, factors) given the other side.

    Row u regresses y = r - mu - i_n on x_n = [1, f_n] over its ratings; the normal
    equations (sum x x^T + diag(penalties)) theta = sum x y are built with sparse products.
    Returns ndarray of shape (n_rows, 1 + n_factors).
    """
    features = np.column_stack([np.ones(len(other_intercepts)), other_factors])
    m = features.shape[1]
    outer = (features[:, :, None] * features[:, None, :]).reshape(len(features), m * m)
    gram = np.asarray(structure @ outer).reshape(structure.shape[0], m, m)
    gram += np.diag(penalties)
    rhs = np.asarray(ratings @ features) - np.asarray(
        structure @ (features * (mu + other_intercepts)[:, None])
    )
    solution: Float64Array = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    return solution


def _start_factors(
    ratings: sp.csr_array,
    row_counts: Float64Array,
    col_counts: Float64Array,
    k: int,
    rng: np.random.Generator,
) -> Float64Array:
    """Start the statement factors at the leading singular vectors of the centred ratings.

    The ratings minus their row and column means (observed entries only) go through a few
    deterministic block power iterations from a seeded random start; ALS from there lands
    in a better optimum than from a random start (the loss is not convex).
    """
    n_rows, n_cols = ratings.shape
    rows = np.repeat(np.arange(n_rows), np.diff(ratings.indptr))
    mean = float(ratings.data.mean()) if ratings.nnz else 0.0
    row_mean = np.asarray(ratings.sum(axis=1)) / np.maximum(row_counts, 1.0)
    col_mean = np.asarray(ratings.sum(axis=0)) / np.maximum(col_counts, 1.0)
    centred = sp.csr_array(
        (
            ratings.data - row_mean[rows] - col_mean[ratings.indices] + mean,
            ratings.indices,
            ratings.indptr,
        ),
        shape=ratings.shape,
    )
    block = rng.standard_normal((n_cols, k))
    for _ in range(POWER_ITERATIONS):
        block = np.linalg.qr(centred.T @ (centred @ block))[0]
    result: Float64Array = block * np.sqrt(max(n_cols, 1)) * 0.1
    return result


def _fix_gauges(
    rows: Float64Array,
    cols: Float64Array,
    mu: float,
    rated_rows: NDArray[np.bool_],
    rated_cols: NDArray[np.bool_],
    penalties: Float64Array,
) -> float:
    """Minimise the penalty along the directions that leave every prediction unchanged.

    ALS crawls along these flat directions (only the small penalties pin them), so each
    sweep ends by solving them exactly: the factor scale (f_u c, f_n / c), a factor shift
    absorbed by the other side's intercepts (f_u + a, i_n - a.f_n, and vice versa) and the
    level split between mu, i_u and i_n. ``rows`` and ``cols`` are updated in place.
    """
    l_i, l_f = float(penalties[0]), float(penalties[1])
    r, c = rows[rated_rows], cols[rated_cols]
    n_r, n_c = len(r), len(c)
    if n_r == 0 or n_c == 0:
        return mu
    k = rows.shape[1] - 1
    norm_r, norm_c = np.sum(r[:, 1:] ** 2, axis=0), np.sum(c[:, 1:] ** 2, axis=0)
    scale = np.where(
        (norm_r > 0) & (norm_c > 0), (norm_c / np.maximum(norm_r, 1e-300)) ** 0.25, 1.0
    )
    r[:, 1:] *= scale
    c[:, 1:] /= scale
    for mine, other, n_mine in ((r, c, n_r), (c, r, n_c)):
        # shift my factors by a; the other side's intercepts absorb -a.f_other
        f_other = other[:, 1:]
        lhs = l_i * (f_other.T @ f_other) + l_f * n_mine * np.eye(k)
        rhs = l_i * (f_other.T @ other[:, 0]) - l_f * mine[:, 1:].sum(axis=0)
        shift = np.linalg.solve(lhs, rhs)
        mine[:, 1:] += shift
        other[:, 0] -= f_other @ shift
    # level: mu + s + t, i_u - s, i_n - t (see the module docstring of the derivation)
    level = (mu + r[:, 0].sum() / n_r + c[:, 0].sum() / n_c) / (1.0 + 1.0 / n_r + 1.0 / n_c)
    r[:, 0] -= (r[:, 0].sum() - level) / n_r
    c[:, 0] -= (c[:, 0].sum() - level) / n_c
    rows[rated_rows] = r
    cols[rated_cols] = c
    return float(level)


def _max_change(new: Float64Array, old: Float64Array) -> float:
    return float(np.max(np.abs(new - old))) if new.size else 0.0


def _factor_signs(factors: Float64Array) -> Float64Array:
    """+1/-1 per column so that the entry of largest magnitude is positive."""
    if factors.shape[0] == 0:
        return np.ones(factors.shape[1])
    biggest = factors[np.argmax(np.abs(factors), axis=0), np.arange(factors.shape[1])]
    result: Float64Array = np.where(biggest < 0, -1.0, 1.0)
    return result
