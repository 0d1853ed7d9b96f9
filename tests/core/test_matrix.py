"""Vote events to the final-vote CSR matrix (parley.core.matrix)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.core.matrix import (
    VoteMatrix,
    build_final_matrix,
    build_vote_matrix,
    deduplicate_last_vote,
)
from parley.core.types import Vote
from parley.errors import InputError

FAST = settings(max_examples=30, deadline=None)


def dense(m: VoteMatrix) -> np.ndarray:
    """The matrix with NaN where nobody voted (passes stay 0)."""
    out = np.full(m.values.shape, np.nan)
    coo = m.values.tocoo()
    out[coo.row, coo.col] = coo.data
    return out


# --- encoding ----------------------------------------------------------------------------


def test_vote_encoding_is_open_data_convention() -> None:
    assert (int(Vote.AGREE), int(Vote.DISAGREE), int(Vote.PASS)) == (1, -1, 0)


# --- last vote wins ----------------------------------------------------------------------


def test_last_vote_wins_by_input_order_without_timestamps() -> None:
    # events (participant, statement, vote), in order:
    #   (7, 1, +1), (3, 2, 0), (7, 1, -1), (3, 2, +1), (3, 1, -1)
    # pair (7, 1): +1 then -1 -> -1 ; pair (3, 2): 0 then +1 -> +1 ; (3, 1): -1
    m = build_vote_matrix([7, 3, 7, 3, 3], [1, 2, 1, 2, 1], [1, 0, -1, 1, -1])
    assert m.participant_ids.tolist() == [3, 7]
    assert m.statement_ids.tolist() == [1, 2]
    np.testing.assert_array_equal(dense(m), [[-1.0, 1.0], [-1.0, np.nan]])
    assert m.n_votes == 3


def test_last_vote_wins_by_timestamp_not_input_order() -> None:
    # pair (1, 10): events at t=300 (+1), t=100 (-1), t=200 (0) -> the t=300 vote (+1) wins
    # pair (2, 10): events at t=50 (0), t=40 (+1) -> t=50 (pass) wins
    m = build_vote_matrix(
        [1, 1, 1, 2, 2], [10, 10, 10, 10, 10], [1, -1, 0, 0, 1], timestamps=[300, 100, 200, 50, 40]
    )
    np.testing.assert_array_equal(dense(m), [[1.0], [0.0]])
    # a pass is an explicit stored zero, not a missing cell
    assert m.n_votes == 2
    assert m.values.nnz == 2


def test_equal_timestamps_fall_back_to_input_order() -> None:
    # both events at t=5: the later one in the input (-1) wins; t=4 is older than both
    m = build_vote_matrix([1, 1, 1], [1, 1, 1], [1, -1, 0], timestamps=[5, 5, 4])
    np.testing.assert_array_equal(dense(m), [[-1.0]])


def test_deduplicate_returns_sorted_triples() -> None:
    p, s, v = deduplicate_last_vote([5, 1, 5, 1], [2, 9, 1, 9], [1, 1, -1, 0])
    # (1, 9): +1 then 0 -> 0 ; then (5, 1) = -1, (5, 2) = +1, sorted by (participant, statement)
    assert p.tolist() == [1, 5, 5]
    assert s.tolist() == [9, 1, 2]
    assert v.tolist() == [0, -1, 1]
    assert v.dtype == np.int8


def test_docstring_example() -> None:
    m = build_vote_matrix([7, 7, 3], [1, 1, 2], [1, -1, 0])
    assert m.values.toarray().tolist() == [[0.0, 0.0], [-1.0, 0.0]]
    assert m.participant_ids.tolist() == [3, 7]


# --- structure ---------------------------------------------------------------------------


def test_matrix_layout_and_dtypes() -> None:
    m = build_vote_matrix([4, 2, 4, 9], [30, 10, 10, 20], [1, -1, 0, 1])
    assert m.values.format == "csr"
    assert m.values.dtype == np.float32
    assert m.values.has_sorted_indices
    assert m.participant_ids.dtype == np.int64
    assert m.statement_ids.dtype == np.int64
    assert (m.n_participants, m.n_statements, m.n_votes) == (3, 3, 4)
    # rows: 2, 4, 9 ; columns: 10, 20, 30
    np.testing.assert_array_equal(
        dense(m),
        [[-1.0, np.nan, np.nan], [0.0, np.nan, 1.0], [np.nan, 1.0, np.nan]],
    )
    assert m.votes_per_participant().tolist() == [1, 2, 1]
    assert m.votes_per_participant().dtype == np.int64


def test_row_of_and_column_of_map_ids_and_flag_unknown() -> None:
    m = build_vote_matrix([4, 2, 9], [30, 10, 20], [1, -1, 0])
    assert m.row_of([9, 2, 3, 100, -5]).tolist() == [2, 0, -1, -1, -1]
    assert m.column_of([10, 30, 25]).tolist() == [0, 2, -1]
    assert m.row_of(4).tolist() == 1


def test_all_statement_ids_adds_empty_columns() -> None:
    m = build_vote_matrix([1, 2], [5, 5], [1, -1], all_statement_ids=[3, 5, 8])
    assert m.statement_ids.tolist() == [3, 5, 8]
    np.testing.assert_array_equal(dense(m), [[np.nan, 1.0, np.nan], [np.nan, -1.0, np.nan]])
    assert m.n_votes == 2


def test_empty_log_gives_empty_matrix() -> None:
    m = build_vote_matrix([], [], [])
    assert m.values.shape == (0, 0)
    assert m.n_votes == 0
    assert m.row_of([1]).tolist() == [-1]


# --- input validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ([1, 2], r"vote .*2.* at position 1 should be -1, 0 or 1"),
        ([0.5, 1], r"vote .*0\.5.* at position 0 should be -1, 0 or 1"),
        ([1, -2], r"vote .*-2.* at position 1 should be -1, 0 or 1"),
        ([1, 256], r"vote .*256.* at position 1 should be -1, 0 or 1"),
    ],
)
def test_invalid_vote_values_are_input_errors(votes: list[float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        build_vote_matrix([1, 2], [1, 1], votes)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e300])
def test_non_finite_vote_is_a_clean_input_error(bad: float) -> None:
    # no RuntimeWarning from a float -> int cast (warnings are errors in this suite)
    with pytest.raises(InputError, match="at position 1 should be -1, 0 or 1"):
        build_vote_matrix([1, 2], [1, 1], [1.0, bad])


def test_length_mismatch_is_an_input_error() -> None:
    with pytest.raises(InputError, match="1-d of one length"):
        build_vote_matrix([1, 2, 3], [1, 1], [1, 1, 1])


def test_timestamp_shape_mismatch_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"timestamps should have shape \(2,\)"):
        build_vote_matrix([1, 2], [1, 1], [1, 1], timestamps=[1, 2, 3])


# --- properties --------------------------------------------------------------------------

events = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 4), st.sampled_from([-1, 0, 1])),
    min_size=1,
    max_size=40,
)


def _build(evs: list[tuple[int, int, int]], **kw: object) -> VoteMatrix:
    p, s, v = (list(x) for x in zip(*evs, strict=True))
    return build_vote_matrix(p, s, v, **kw)  # type: ignore[arg-type]


def _same(a: VoteMatrix, b: VoteMatrix) -> None:
    np.testing.assert_array_equal(a.participant_ids, b.participant_ids)
    np.testing.assert_array_equal(a.statement_ids, b.statement_ids)
    np.testing.assert_array_equal(dense(a), dense(b))


@FAST
@given(evs=events, data=st.data())
def test_repeating_a_vote_event_changes_nothing(evs: list, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(evs) - 1))
    repeated = [*evs[: i + 1], evs[i], *evs[i + 1 :]]
    _same(_build(evs), _build(repeated))


@FAST
@given(evs=events, perm=st.randoms(use_true_random=False))
def test_shuffling_without_timestamps_only_matters_for_conflicting_pairs(
    evs: list, perm: object
) -> None:
    shuffled = list(evs)
    perm.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = _build(evs), _build(shuffled)
    np.testing.assert_array_equal(a.participant_ids, b.participant_ids)
    np.testing.assert_array_equal(a.statement_ids, b.statement_ids)
    da, db = dense(a), dense(b)
    values: dict[tuple[int, int], set[int]] = {}
    for p, s, v in evs:
        values.setdefault((p, s), set()).add(v)
    for (p, s), seen in values.items():
        r, c = int(a.row_of([p])[0]), int(a.column_of([s])[0])
        assert da[r, c] in seen and db[r, c] in seen
        if len(seen) == 1:  # no conflict: order cannot matter
            assert da[r, c] == db[r, c]
    # cells never voted stay empty in both
    np.testing.assert_array_equal(np.isnan(da), np.isnan(db))


@FAST
@given(evs=events, perm=st.randoms(use_true_random=False))
def test_shuffling_with_distinct_timestamps_changes_nothing(evs: list, perm: object) -> None:
    stamped = [(*e, 1000 + 7 * t) for t, e in enumerate(evs)]
    shuffled = list(stamped)
    perm.shuffle(shuffled)  # type: ignore[attr-defined]

    def build(rows: list[tuple[int, int, int, int]]) -> VoteMatrix:
        p, s, v, t = (list(x) for x in zip(*rows, strict=True))
        return build_vote_matrix(p, s, v, timestamps=t)

    _same(build(stamped), build(shuffled))
    # and the timestamped result equals input-order last-vote-wins on the sorted log
    _same(build(stamped), _build(evs))


@FAST
@given(evs=events, offset=st.integers(-1000, 1000), factor=st.integers(1, 50))
def test_monotone_relabelling_of_ids_changes_only_ids(evs: list, offset: int, factor: int) -> None:
    relabelled = [(factor * p + offset, 3 * s - 7, v) for p, s, v in evs]
    a, b = _build(evs), _build(relabelled)
    np.testing.assert_array_equal(b.participant_ids, factor * a.participant_ids + offset)
    np.testing.assert_array_equal(b.statement_ids, 3 * a.statement_ids - 7)
    np.testing.assert_array_equal(dense(a), dense(b))


@FAST
@given(evs=events)
def test_matrix_invariants(evs: list) -> None:
    m = _build(evs)
    pairs = {(p, s) for p, s, _ in evs}
    assert m.n_votes == len(pairs)
    assert set(np.unique(m.values.data).tolist()) <= {-1.0, 0.0, 1.0}
    assert np.all(np.diff(m.participant_ids) > 0)
    assert np.all(np.diff(m.statement_ids) > 0)
    assert int(m.votes_per_participant().sum()) == m.n_votes


def test_final_matrix_equals_the_event_matrix() -> None:
    rng = np.random.default_rng(3)
    pids = rng.integers(0, 50, 2_000)
    sids = rng.integers(100, 140, 2_000)
    vals = rng.integers(-1, 2, 2_000)
    events = build_vote_matrix(pids, sids, vals)
    coo = events.values.tocoo()
    order = np.lexsort((coo.col, coo.row))
    final = build_final_matrix(
        events.participant_ids[coo.row[order]],
        events.statement_ids[coo.col[order]],
        coo.data[order].astype(np.int8),
    )
    assert np.array_equal(final.participant_ids, events.participant_ids)
    assert np.array_equal(final.statement_ids, events.statement_ids)
    assert (final.values != events.values).nnz == 0
    assert final.n_votes == events.n_votes


def test_final_matrix_refuses_unsorted_or_repeated_pairs() -> None:
    with pytest.raises(InputError, match="sorted"):
        build_final_matrix([1, 1], [2, 2], [1, 0])
    with pytest.raises(InputError, match="sorted"):
        build_final_matrix([2, 1], [1, 1], [1, 0])


def test_last_vote_by_time_matches_a_plain_rule_on_many_revotes() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    pids = rng.integers(0, 40, n)
    sids = rng.integers(0, 15, n)
    votes = rng.integers(-1, 2, n)
    times = rng.integers(0, 200, n)  # many ties
    matrix = build_vote_matrix(pids, sids, votes, timestamps=times)
    last: dict[tuple[int, int], tuple[int, int, int]] = {}
    for i in range(n):
        key = (int(pids[i]), int(sids[i]))
        if key not in last or (times[i], i) >= last[key][:2]:
            last[key] = (int(times[i]), i, int(votes[i]))
    dense = matrix.values.toarray()
    for (p, s), (_, _, v) in last.items():
        assert dense[matrix.row_of([p])[0], matrix.column_of([s])[0]] == v
    assert matrix.n_votes == len(last)
