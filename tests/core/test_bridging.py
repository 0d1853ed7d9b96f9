"""Tests of parley.core.bridging: recovery of planted common ground, estimator contract."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from parley.core.bridging import BridgingModel
from parley.errors import InputError


def planted_votes(
    seed: int, format_sizes: tuple[int, ...] = (120, 60), *, n_each: int = 20, p_vote: float = 0.5
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Votes, formats and planted labels (True: common ground, False: divisive).

    Common statements are agreed with by 80% of everybody; divisive ones by 85% of one
    side (format 0, or the other formats, at random per statement) and 15% of the other.
    """
    rng = np.random.default_rng(seed)
    formats = np.repeat(np.arange(len(format_sizes)), format_sizes)
    common = np.repeat([True, False], n_each)
    side = rng.choice([True, False], len(common))
    n, m = len(formats), len(common)
    with_side = (formats[:, None] == 0) == side[None, :]
    p_agree = np.where(common[None, :], 0.8, np.where(with_side, 0.85, 0.15))
    u = rng.random((n, m))
    values = np.where(u < 0.9 * p_agree, 1.0, np.where(u < 0.9, -1.0, 0.0))
    rows, cols = np.nonzero(rng.random((n, m)) < p_vote)
    votes = sp.csr_array((values[rows, cols].astype(np.float32), (rows, cols)), shape=(n, m))
    return votes, formats, common


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative)."""
    pos, neg = scores[positive], scores[~positive]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg).mean())


@pytest.mark.parametrize("sizes", [(120, 60), (80, 50, 30)])
def test_intercepts_recover_planted_common_ground(sizes: tuple[int, ...]) -> None:
    votes, formats, common = planted_votes(0, sizes)
    model = BridgingModel().fit(votes)
    assert auc(model.statement_intercepts_, common) == 1.0
    # the factor carries the division: divisive statements have larger |f_n|
    f = np.abs(model.statement_factors_[:, 0])
    assert f[~common].min() > f[common].max()
    # and participants of format 0 sit on one side of the factor
    fu = model.participant_factors_[:, 0]
    assert abs(np.corrcoef(fu, formats == 0)[0, 1]) > 0.8


def test_divisive_statement_loved_by_the_big_format_has_a_low_intercept() -> None:
    # format 0 holds 3/4 of the voters: statements it loves are agreed with by a majority
    # of all voters, yet the factor explains them and their intercept stays low
    votes, _, common = planted_votes(1, (150, 50))
    model = BridgingModel().fit(votes)
    dense = votes.toarray()
    voted = np.diff(votes.tocsc().indptr)
    pooled = (dense == 1).sum(axis=0) / voted
    popular_but_divisive = ~common & (pooled > 0.5)
    assert popular_but_divisive.sum() >= 3
    intercepts = model.statement_intercepts_
    assert intercepts[popular_but_divisive].max() < intercepts[common].min()


def test_fit_returns_self_and_is_deterministic() -> None:
    votes, _, _ = planted_votes(2)
    model = BridgingModel(random_state=3)
    assert model.fit(votes) is model
    again = BridgingModel(random_state=3).fit(votes)
    for name in (
        "participant_intercepts_",
        "statement_intercepts_",
        "participant_factors_",
        "statement_factors_",
    ):
        np.testing.assert_array_equal(getattr(model, name), getattr(again, name))
    assert model.global_mean_ == again.global_mean_
    assert model.participant_factors_.shape == (votes.shape[0], 1)
    assert model.statement_factors_.shape == (votes.shape[1], 1)


def test_converges_to_the_same_optimum_from_other_seeds() -> None:
    votes, _, _ = planted_votes(3)
    a = BridgingModel(random_state=0, tol=1e-9).fit(votes)
    b = BridgingModel(random_state=1, tol=1e-9).fit(votes)
    assert a.n_iter_ < 100
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-7)
    np.testing.assert_allclose(a.statement_intercepts_, b.statement_intercepts_, atol=1e-5)


def test_alternating_least_squares_reaches_a_stationary_point() -> None:
    # the regularised loss must not go down when any parameter block is nudged
    votes, _, _ = planted_votes(4, n_each=5)
    model = BridgingModel(tol=1e-10).fit(votes)
    base = model.loss_
    rng = np.random.default_rng(0)
    for name in ("statement_intercepts_", "participant_factors_", "statement_factors_"):
        original = getattr(model, name).copy()
        setattr(model, name, original + 1e-3 * rng.standard_normal(original.shape))
        nudged = model._loss(_ratings_of(votes))
        setattr(model, name, original)
        assert nudged >= base - 1e-9


def _ratings_of(votes: sp.csr_array) -> sp.csr_array:
    from parley.core.bridging import _ratings

    return _ratings(votes, None)


def test_two_factors_and_passes_as_half() -> None:
    votes, _, common = planted_votes(5)
    model = BridgingModel(n_factors=2, pass_rating=0.5).fit(votes)
    assert model.statement_factors_.shape == (votes.shape[1], 2)
    assert auc(model.statement_intercepts_, common) > 0.95


def test_statements_and_participants_without_ratings_get_zero() -> None:
    votes = sp.csr_array(
        (np.array([1.0, -1.0, 0.0], dtype=np.float32), ([0, 1, 2], [0, 0, 1])), shape=(4, 3)
    )
    model = BridgingModel().fit(votes)
    # statement 1 only has a pass (left out), statement 2 nothing; participant 3 nothing
    assert model.statement_intercepts_[1:].tolist() == [0.0, 0.0]
    assert model.participant_intercepts_[2:].tolist() == [0.0, 0.0]
    assert np.isfinite(model.loss_)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_factors": 0}, "n_factors=0"),
        ({"intercept_penalty": 0.0}, "intercept_penalty=0.0"),
        ({"factor_penalty": -1.0}, "factor_penalty=-1.0"),
        ({"max_iter": 0}, "max_iter=0"),
        ({"tol": 0.0}, "tol=0.0"),
        ({"pass_rating": 2.0}, "pass_rating=2.0"),
    ],
)
def test_invalid_parameters(kwargs: dict[str, float], message: str) -> None:
    votes = sp.csr_array(np.eye(2, dtype=np.float32))
    with pytest.raises(InputError, match=message):
        BridgingModel(**kwargs).fit(votes)  # type: ignore[arg-type]


def test_invalid_votes() -> None:
    with pytest.raises(InputError, match=r"scipy\.sparse"):
        BridgingModel().fit(np.eye(2))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="-1, 0 or 1"):
        BridgingModel().fit(sp.csr_array(np.eye(2) * 2))


def test_no_ratings_at_all() -> None:
    only_passes = sp.csr_array(
        (np.zeros(3, dtype=np.float32), ([0, 1, 2], [0, 1, 1])), shape=(3, 2)
    )
    model = BridgingModel().fit(only_passes)
    assert model.loss_ == 0.0
    assert model.n_iter_ == 0
    assert BridgingModel().fit(
        sp.csr_array((0, 3), dtype=np.float32)
    ).statement_intercepts_.shape == (3,)
