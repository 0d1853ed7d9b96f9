"""Polis PCA on the sparse vote matrix (parley.core.pca), checked against dense numpy SVD."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.core.pca import (
    PCAResult,
    center_votes,
    column_means,
    fit_pca,
    project_participants,
    project_statements,
)

NAN = np.nan

# The toy used throughout (rows p0..p3, columns s0..s2, "." = not voted):
#   p0: [ 1, -1,  . ]
#   p1: [ 1,  0,  1 ]      (p1 passed on s1: an explicit 0)
#   p2: [-1,  .,  1 ]
#   p3: [ .,  1, -1 ]
TOY = np.array([[1, -1, NAN], [1, 0, 1], [-1, NAN, 1], [NAN, 1, -1]])


def from_dense(x: np.ndarray, extra_columns: int = 0) -> VoteMatrix:
    """Build a VoteMatrix from a dense array with NaN for 'not voted' (ids = positions)."""
    rows, cols = np.nonzero(~np.isnan(x))
    return build_vote_matrix(
        rows,
        cols,
        x[rows, cols].astype(np.int64),
        all_statement_ids=np.arange(x.shape[1] + extra_columns),
    )


def imputed_centred(x: np.ndarray, zeroed: np.ndarray) -> np.ndarray:
    """Polis's dense recipe: zero mod-out columns entirely, fill NaN by column mean, centre."""
    x = x.copy()
    x[:, zeroed] = 0.0
    means = np.array(
        [np.nanmean(c) if np.any(~np.isnan(c)) else 0.0 for c in x.T], dtype=np.float64
    )
    filled = np.where(np.isnan(x), means[None, :], x)
    return filled - filled.mean(axis=0)


NONE3 = np.zeros(3, dtype=bool)


# --- column means and the centred sparse matrix --------------------------------------------


def test_column_means_by_hand() -> None:
    m = from_dense(TOY)
    # s0: (1 + 1 - 1)/3 = 1/3 ; s1: (-1 + 0 + 1)/3 = 0 ; s2: (1 + 1 - 1)/3 = 1/3
    np.testing.assert_allclose(column_means(m.values, zeroed_columns=NONE3), [1 / 3, 0, 1 / 3])
    # a zeroed (mod-out) column has centre 0 whatever its votes
    zeroed = np.array([False, False, True])
    np.testing.assert_allclose(column_means(m.values, zeroed_columns=zeroed), [1 / 3, 0, 0])


def test_column_mean_of_unvoted_column_is_zero() -> None:
    m = from_dense(TOY, extra_columns=1)
    assert m.n_statements == 4
    means = column_means(m.values, zeroed_columns=np.zeros(4, dtype=bool))
    np.testing.assert_allclose(means, [1 / 3, 0, 1 / 3, 0])


def test_centred_matrix_by_hand_keeps_the_sparsity_pattern() -> None:
    m = from_dense(TOY)
    center = np.array([1 / 3, 0, 1 / 3])
    c = center_votes(m.values, center, zeroed_columns=NONE3)
    # voted cells become v - mean, unvoted cells stay absent (= the imputed mean, centred: 0)
    #   p0: [ 2/3, -1,   . ]
    #   p1: [ 2/3,  0,  2/3]
    #   p2: [-4/3,  .,  2/3]
    #   p3: [  . ,  1, -4/3]
    expected = np.array([[2 / 3, -1, 0], [2 / 3, 0, 2 / 3], [-4 / 3, 0, 2 / 3], [0, 1, -4 / 3]])
    assert isinstance(c, sp.csr_array)
    np.testing.assert_allclose(c.toarray(), expected)
    assert c.nnz == m.values.nnz == 9  # p1's centred pass (0 - 0) is still stored
    assert c.dtype == np.float64
    np.testing.assert_allclose(c.toarray(), imputed_centred(TOY, NONE3), atol=1e-12)


def test_centred_matrix_zeroes_mod_out_columns() -> None:
    m = from_dense(TOY)
    zeroed = np.array([False, False, True])
    center = column_means(m.values, zeroed_columns=zeroed)
    c = center_votes(m.values, center, zeroed_columns=zeroed)
    np.testing.assert_allclose(c.toarray()[:, 2], 0.0)
    np.testing.assert_allclose(c.toarray(), imputed_centred(TOY, zeroed), atol=1e-12)


# --- PCA against a dense SVD -----------------------------------------------------------------


def _random_votes(seed: int, shape: tuple[int, int], density: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.choice([-1.0, 0.0, 1.0], size=shape, p=[0.35, 0.15, 0.5])
    # a little structure so that the eigenvalues are well separated
    x[: shape[0] // 2, : shape[1] // 2] = 1.0
    x[rng.random(shape) > density] = NAN
    x[np.arange(shape[0]), rng.integers(0, shape[1], shape[0])] = 1.0  # every row voted
    return x


CASES = {
    "toy": (TOY, NONE3, 2),
    "toy-mod-out": (TOY, np.array([False, False, True]), 2),
    "toy-3-components": (TOY, NONE3, 3),
    "random-30x12": (_random_votes(1, (30, 12), 0.6), np.zeros(12, dtype=bool), 2),
    "random-40x9-mod-out": (
        _random_votes(2, (40, 9), 0.5),
        np.isin(np.arange(9), [0, 4]),
        2,
    ),
    # more than 300 columns: the ARPACK (eigsh) branch
    "random-24x310-arpack": (_random_votes(3, (24, 310), 0.3), np.zeros(310, dtype=bool), 2),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_pca_matches_dense_svd_of_mean_imputed_matrix(case: str) -> None:
    x, zeroed, n_components = CASES[case]
    m = from_dense(x)
    result = fit_pca(m.values, zeroed_columns=zeroed, n_components=n_components)
    dense = imputed_centred(x, zeroed)
    _, s, vt = np.linalg.svd(dense, full_matrices=False)
    n = x.shape[0]
    assert result.components.shape == (n_components, x.shape[1])
    np.testing.assert_allclose(result.center, np.where(zeroed, 0.0, np.nanmean(x, axis=0)))
    # orthonormal rows
    np.testing.assert_allclose(
        result.components @ result.components.T, np.eye(n_components), atol=1e-9
    )
    for k in range(n_components):
        if s[k] < 1e-9:
            continue
        # same direction up to sign (distinct eigenvalues in these cases)
        assert abs(float(result.components[k] @ vt[k])) == pytest.approx(1.0, abs=1e-8)
        # explained variance = s_k^2 / (n - 1), like sklearn's PCA
        assert result.explained_variance[k] == pytest.approx(s[k] ** 2 / (n - 1), rel=1e-8)
        # cold-start sign convention: the largest-|loading| entry is positive
        pc = result.components[k]
        assert pc[int(np.argmax(np.abs(pc)))] > 0
    # a mod-out column has no loading
    if zeroed.any():
        np.testing.assert_allclose(result.components[:, zeroed], 0.0, atol=1e-12)


def test_toy_pca_numbers() -> None:
    """The toy's leading component by hand-checked properties, independent of SVD routines."""
    m = from_dense(TOY)
    result = fit_pca(m.values, zeroed_columns=NONE3)
    c = imputed_centred(TOY, NONE3)
    # total variance = trace(C^T C)/(n-1); C^T C diagonal = (4/9+4/9+16/9, 1+0+0+1, 4/9+4/9+16/9)
    #                = (8/3, 2, 8/3) -> trace 22/3, over n-1 = 3 -> 22/9
    total = (c**2).sum() / 3
    assert total == pytest.approx(22 / 9)
    # two components of three columns explain at most the total, and the first explains most
    assert result.explained_variance.sum() <= total + 1e-12
    assert result.explained_variance[0] >= result.explained_variance[1] >= 0
    # each component is an eigenvector of C^T C with eigenvalue (n-1) * variance
    gram = c.T @ c
    for k in range(2):
        v = result.components[k]
        np.testing.assert_allclose(gram @ v, 3 * result.explained_variance[k] * v, atol=1e-9)


def test_pca_is_the_same_for_any_row_order() -> None:
    x = CASES["random-30x12"][0]
    zeroed = CASES["random-30x12"][1]
    a = fit_pca(from_dense(x).values, zeroed_columns=zeroed)
    b = fit_pca(from_dense(x[::-1]).values, zeroed_columns=zeroed)
    np.testing.assert_allclose(a.components, b.components, atol=1e-10)
    np.testing.assert_allclose(a.center, b.center, atol=1e-12)


def test_unvoted_column_gets_no_loading_and_zero_centre() -> None:
    m = from_dense(CASES["random-30x12"][0], extra_columns=2)
    result = fit_pca(m.values, zeroed_columns=np.zeros(14, dtype=bool))
    np.testing.assert_allclose(result.center[12:], 0.0)
    np.testing.assert_allclose(result.components[:, 12:], 0.0, atol=1e-12)


def test_pca_without_rows_is_all_zero() -> None:
    values = sp.csr_array((0, 3), dtype=np.float32)
    result = fit_pca(values, zeroed_columns=NONE3)
    np.testing.assert_array_equal(result.components, np.zeros((2, 3)))
    np.testing.assert_array_equal(result.explained_variance, [0.0, 0.0])


# --- sign conventions --------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["toy", "random-30x12", "random-24x310-arpack"])
def test_warm_start_keeps_the_previous_sign(case: str) -> None:
    x, zeroed, _ = CASES[case]
    values = from_dense(x).values
    cold = fit_pca(values, zeroed_columns=zeroed)
    flipped = cold.components * np.array([[-1.0], [1.0]])
    warm = fit_pca(values, zeroed_columns=zeroed, start=flipped)
    # component 0 follows the flipped start (negative), component 1 keeps the cold sign
    np.testing.assert_allclose(warm.components[0], -cold.components[0], atol=1e-8)
    np.testing.assert_allclose(warm.components[1], cold.components[1], atol=1e-8)
    same = fit_pca(values, zeroed_columns=zeroed, start=cold.components)
    np.testing.assert_allclose(same.components, cold.components, atol=1e-8)


def test_cold_start_sign_on_a_clear_case() -> None:
    # two opposed camps on s0/s1, s2 constant: pc1 ~ (1, -1, 0)/sqrt(2) up to sign, and the
    # rule "largest |loading| positive, ties -> lowest column" makes s0's loading positive
    x = np.array([[1, -1, 1], [1, -1, 1], [-1, 1, 1], [-1, 1, 1], [1, -1, 1.0]])
    result = fit_pca(from_dense(x).values, zeroed_columns=NONE3)
    np.testing.assert_allclose(
        result.components[0], [1 / np.sqrt(2), -1 / np.sqrt(2), 0.0], atol=1e-8
    )


def test_cold_start_sign_ties_go_to_the_lowest_column() -> None:
    # rank-1 matrices x = s * b^T (s, b in {-1, 1}): the component is b/|b| up to sign, so
    # every |loading| is exactly 1/sqrt(n_cols) and the documented tie rule applies
    rng = np.random.default_rng(0)
    wrong = 0
    for _ in range(200):
        n, c = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        b = rng.choice([-1.0, 1.0], size=c)
        s = rng.choice([-1.0, 1.0], size=n)
        s[0], s[1] = 1.0, -1.0  # both signs present, so the column variance is not zero
        result = fit_pca(from_dense(np.outer(s, b)).values, zeroed_columns=np.zeros(c, bool))
        wrong += int(result.components[0, 0] < 0)
    assert wrong == 0


# --- projections -----------------------------------------------------------------------------

# hand-chosen components (unit axes on s0 and s1, weight 5 on s2) make the sums easy
HAND = PCAResult(
    center=np.array([1 / 3, 0.0, 1 / 3]),
    components=np.array([[1.0, 0.0, 5.0], [0.0, 1.0, 5.0]]),
    explained_variance=np.array([1.0, 1.0]),
)


def test_sparsity_aware_projection_by_hand() -> None:
    m = from_dense(TOY)
    coords = project_participants(m.values, HAND, zeroed_columns=NONE3)
    r = np.sqrt(3 / 2)  # 3 statements, 2 votes
    # p0: centred (2/3, -1, .)       -> raw (2/3, -1),           2 votes -> * sqrt(3/2)
    # p1: centred (2/3, 0, 2/3)      -> raw (2/3 + 10/3, 10/3),  3 votes -> * 1
    # p2: centred (-4/3, ., 2/3)     -> raw (-4/3 + 10/3, 10/3), 2 votes -> * sqrt(3/2)
    # p3: centred (., 1, -4/3)       -> raw (-20/3, 1 - 20/3),   2 votes -> * sqrt(3/2)
    expected = np.array(
        [
            [2 / 3 * r, -1 * r],
            [4.0, 10 / 3],
            [2.0 * r, 10 / 3 * r],
            [-20 / 3 * r, -17 / 3 * r],
        ]
    )
    np.testing.assert_allclose(coords, expected)


def test_projection_counts_zeroed_mod_out_cells_as_votes() -> None:
    m = from_dense(TOY)
    zeroed = np.array([False, False, True])
    pca = PCAResult(
        center=np.array([1 / 3, 0.0, 0.0]),
        components=HAND.components,
        explained_variance=HAND.explained_variance,
    )
    coords = project_participants(m.values, pca, zeroed_columns=zeroed)
    # s2 is zeroed: it contributes 0 to the sums, but counts as a vote for EVERY participant
    # (Polis zeroes the whole column, missing cells included):
    # p0: votes s0, s1 + zeroed s2 = 3 -> scale sqrt(3/3) = 1 ; raw (2/3, -1)
    # p1: votes s0, s1, s2 = 3          -> scale 1             ; raw (2/3, 0)
    # p2: votes s0 + zeroed s2 = 2      -> scale sqrt(3/2)     ; raw (-4/3, 0)
    # p3: votes s1 + zeroed s2 = 2      -> scale sqrt(3/2)     ; raw (0, 1)
    r = np.sqrt(3 / 2)
    expected = np.array([[2 / 3, -1.0], [2 / 3, 0.0], [-4 / 3 * r, 0.0], [0.0, r]])
    np.testing.assert_allclose(coords, expected, atol=1e-12)


def test_statement_projection_is_a_virtual_participant_who_agreed() -> None:
    # statement j: one vote +1 on j -> ((1 - center_j) * pc_j) * sqrt(n_statements / 1)
    coords = project_statements(HAND)
    r = np.sqrt(3)
    # s0: (1 - 1/3) * (1, 0) * sqrt3 ; s1: (1 - 0) * (0, 1) * sqrt3 ; s2: (2/3) * (5, 5) * sqrt3
    expected = np.array([[2 / 3 * r, 0.0], [0.0, r], [10 / 3 * r, 10 / 3 * r]])
    np.testing.assert_allclose(coords, expected)
    # the same through the participant projection of one-vote rows
    virtual = sp.csr_array(np.eye(3, dtype=np.float32))
    np.testing.assert_allclose(project_participants(virtual, HAND, zeroed_columns=NONE3), expected)


def test_projection_of_fitted_pca_matches_dense_formula() -> None:
    x, zeroed, _ = CASES["random-40x9-mod-out"]
    m = from_dense(x)
    pca = fit_pca(m.values, zeroed_columns=zeroed)
    coords = project_participants(m.values, pca, zeroed_columns=zeroed)
    voted = ~np.isnan(x)
    centred = np.where(voted & ~zeroed[None, :], x - pca.center[None, :], 0.0)
    n_votes = (voted & ~zeroed[None, :]).sum(axis=1) + zeroed.sum()
    expected = (centred @ pca.components.T) * np.sqrt(x.shape[1] / n_votes)[:, None]
    np.testing.assert_allclose(coords, expected, atol=1e-12)
