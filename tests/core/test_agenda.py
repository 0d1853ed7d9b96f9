"""Tests of parley.core.agenda on seeded synthetic multi-format processes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.core.agenda import COMMON, CONTESTED, KIND_NAMES, ONE_SIDED, build_agenda
from parley.errors import InputError

PLANTED = ("common", "contested", "one-sided")


def planted_process(
    seed: int,
    format_sizes: tuple[int, ...] = (80, 40),
    *,
    n_each: int = 10,
    p_vote: float = 0.7,
) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    """Votes, the format of each participant and the planted kind of each statement.

    Common statements are agreed with (85%) by every format; contested ones are agreed
    with by format 0 and rejected by the others; one-sided ones are seen by format 0 only.
    """
    rng = np.random.default_rng(seed)
    formats = np.repeat(np.arange(len(format_sizes)), format_sizes)
    kinds = np.repeat(np.arange(3), n_each)
    n, m = len(formats), len(kinds)
    loves = np.where(kinds[None, :] == 1, formats[:, None] == 0, True)
    p_agree = np.where(loves, 0.85, 0.1)
    u = rng.random((n, m))
    values = np.where(u < p_agree, 1.0, np.where(u < p_agree + 0.1, 0.0, -1.0))
    cast = rng.random((n, m)) < p_vote
    cast[:, kinds == 2] &= (formats == 0)[:, None]
    rows, cols = np.nonzero(cast)
    votes = sp.csr_array((values[rows, cols].astype(np.float32), (rows, cols)), shape=(n, m))
    return votes, formats, kinds


@pytest.mark.parametrize("sizes", [(80, 40), (100, 50, 20)])
def test_planted_kinds_and_ranks(sizes: tuple[int, ...]) -> None:
    votes, formats, planted = planted_process(1, sizes)
    agenda = build_agenda(votes, formats, min_votes=5)
    assert [KIND_NAMES[k] for k in agenda.kinds] == [PLANTED[k] for k in planted]
    # every common-ground statement ranks above every contested one; one-sided never rank
    top = agenda.item_ids[: int(np.sum(planted == 0))]
    assert set(top.tolist()) == set(np.flatnonzero(planted == 0).tolist())
    assert np.isnan(agenda.common_ground[planted == 2]).all()
    assert np.nanmin(agenda.common_ground[planted == 0]) > np.nanmax(
        agenda.common_ground[planted == 1]
    )
    assert agenda.agree.shape == (len(sizes), votes.shape[1])
    seen = agenda.agree + agenda.disagree + agenda.passes
    assert seen.sum() == votes.nnz


def test_big_format_does_not_dominate() -> None:
    # format 0 is twice the size of format 1; contested statements are loved by format 0
    # and rejected by format 1: pooled, 60% agree, but they must not score as common ground
    votes, formats, planted = planted_process(2, (120, 60), p_vote=1.0)
    agenda = build_agenda(votes, formats)
    contested = planted == 1
    pooled = agenda.agree.sum(axis=0) / (agenda.agree + agenda.disagree + agenda.passes).sum(0)
    assert pooled[contested].min() > 0.5
    assert (agenda.kinds[contested] == CONTESTED).all()
    assert agenda.common_ground[contested].max() < 0.5
    assert agenda.common_ground[planted == 0].min() > 0.7


def test_score_does_not_depend_on_format_size_or_count() -> None:
    # the same agree shares in two or three formats give the same score
    share = np.array([[8, 2], [8, 2]])  # agree, disagree per format
    two = _counts_matrix(share)
    three = _counts_matrix(np.vstack([share, share[:1]]))
    a2 = build_agenda(two[0], two[1])
    a3 = build_agenda(three[0], three[1])
    assert a2.common_ground[0] == pytest.approx(a3.common_ground[0])
    assert a2.common_ground[0] == pytest.approx(9 / 12)


def _counts_matrix(per_format: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """One statement; format f has per_format[f] = (agrees, disagrees)."""
    values: list[float] = []
    formats: list[int] = []
    for f, (n_agree, n_disagree) in enumerate(per_format.tolist()):
        values += [1.0] * n_agree + [-1.0] * n_disagree
        formats += [f] * (n_agree + n_disagree)
    votes = sp.csr_array(np.asarray(values, dtype=np.float32)[:, None])
    return votes, np.asarray(formats)


def test_min_votes_per_format() -> None:
    # format 1 has cast 4 votes: the statement ranks with min_votes=4, not with 5
    votes, formats = _counts_matrix(np.array([[20, 0], [4, 0], [3, 0]]))
    for min_votes, expected in ((3, COMMON), (4, COMMON), (5, ONE_SIDED)):
        agenda = build_agenda(votes, formats, min_votes=min_votes)
        assert agenda.kinds[0] == expected
        assert np.isnan(agenda.common_ground[0]) == (min_votes > 3)
    assert agenda.share_with(0).tolist() == [1, 2]


def test_items_group_statements_and_rank() -> None:
    votes, formats, planted = planted_process(3, (60, 30))
    items = np.where(planted == 0, 7, np.where(planted == 1, 3, 5))
    agenda = build_agenda(votes, formats, items=items, bridging=np.zeros(votes.shape[1]))
    assert agenda.item_ids.tolist()[0] == 7
    assert set(agenda.item_ids.tolist()) == {3, 5, 7}
    assert np.isnan(agenda.item_scores[-1])  # the one-sided item does not rank
    members = agenda.statements_of(7)
    assert sorted(members.tolist()) == np.flatnonzero(planted == 0).tolist()
    scores = agenda.common_ground[members]
    assert (np.diff(scores) <= 0).all()


def test_deterministic_and_permutation_invariant() -> None:
    votes, formats, _ = planted_process(4)
    a = build_agenda(votes, formats)
    perm = np.random.default_rng(0).permutation(votes.shape[0])
    b = build_agenda(sp.csr_array(votes[perm]), formats[perm])
    np.testing.assert_array_equal(a.common_ground, b.common_ground)
    np.testing.assert_array_equal(a.item_ids, b.item_ids)


def test_participants_without_format_are_left_out() -> None:
    votes, formats = _counts_matrix(np.array([[5, 0], [5, 0]]))
    formats[:3] = -1
    agenda = build_agenda(votes, formats, n_formats=2)
    assert agenda.agree[:, 0].tolist() == [2, 5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_votes": 0}, "min_votes=0"),
        ({"items": [1, 2, 3]}, "items should be integers of shape"),
        ({"bridging": [0.0]}, "bridging should have shape"),
        ({"n_formats": 1}, "participant_formats should be in -1..0"),
        ({"participant_formats": [0.5, 1, 0]}, "participant_formats should be integers"),
    ],
)
def test_validation(kwargs: dict[str, object], message: str) -> None:
    votes = sp.csr_array(np.array([[1.0, 0.0], [1.0, -1.0], [0.0, 1.0]], dtype=np.float32))
    arguments: dict[str, object] = {"participant_formats": [0, 1, 0]} | kwargs
    formats = arguments.pop("participant_formats")
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        build_agenda(votes, formats, **arguments)  # type: ignore[arg-type]


def test_dense_input_is_refused() -> None:
    with pytest.raises(InputError, match=r"scipy\.sparse"):
        build_agenda(np.ones((2, 2)), [0, 1])  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_rows=st.integers(0, 30),
    n_cols=st.integers(1, 8),
    n_formats=st.integers(1, 4),
    min_votes=st.integers(1, 4),
)
def test_properties(seed: int, n_rows: int, n_cols: int, n_formats: int, min_votes: int) -> None:
    rng = np.random.default_rng(seed)
    cast = rng.random((n_rows, n_cols)) < 0.6
    rows, cols = np.nonzero(cast)
    values = rng.choice([-1.0, 0.0, 1.0], len(rows)).astype(np.float32)
    votes = sp.csr_array((values, (rows, cols)), shape=(n_rows, n_cols))
    formats = rng.integers(-1, n_formats, n_rows)
    items = rng.integers(0, 3, n_cols)
    agenda = build_agenda(votes, formats, n_formats=n_formats, items=items, min_votes=min_votes)
    counted = (agenda.agree + agenda.disagree + agenda.passes).sum()
    assert counted == int(np.isin(rows, np.flatnonzero(formats >= 0)).sum())
    score = agenda.common_ground
    assert ((score > 0) & (score < 1) | np.isnan(score)).all()
    assert np.isnan(score[agenda.kinds == ONE_SIDED]).all()
    assert np.isnan(score).any() or (agenda.kinds != ONE_SIDED).all()
    assert sorted(agenda.item_ids.tolist()) == sorted(set(items.tolist()))
    listed = np.concatenate([agenda.statements_of(i) for i in agenda.item_ids.tolist()])
    assert sorted(listed.tolist()) == list(range(n_cols))


def test_a_statement_every_format_rejects_is_flagged_not_split() -> None:
    # columns: rejected by both formats, split (format 0 agrees, 1 disagrees), common
    votes = sp.csr_array(
        np.array(
            [[-1, 1, 1], [-1, 1, 1], [-1, 1, 1], [-1, -1, 1], [-1, -1, 1], [-1, -1, 1]],
            dtype=np.float64,
        )
    )
    agenda = build_agenda(votes, [0, 0, 0, 1, 1, 1], min_votes=3)
    assert [KIND_NAMES[k] for k in agenda.kinds] == ["contested", "contested", "common"]
    assert agenda.rejected.tolist() == [True, False, False]
