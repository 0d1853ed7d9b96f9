"""Replaying a vote log in batches (parley.core.replay)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from parley.core.matrix import build_vote_matrix
from parley.core.pipeline import Analysis, AnalysisState, analyze
from parley.core.replay import batch_boundaries, replay
from parley.errors import InputError

# --- batch boundaries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("every_votes", "expected"),
    [(1, list(range(1, 11))), (3, [3, 6, 9, 10]), (5, [5, 10]), (10, [10]), (25, [10])],
)
def test_every_votes(every_votes: int, expected: list[int]) -> None:
    assert batch_boundaries(np.arange(10) * 1000, every_votes=every_votes) == expected


T0 = 1_700_000_000_123
# offsets in ms: buckets of 1 s counted from the first event: 0, 0, 1, 1, 2, 5
TS = T0 + np.array([0, 500, 1000, 1999, 2000, 5000])


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"every_seconds": 1}, [2, 4, 5, 6]),  # a batch ends where the bucket changes
        ({"every_seconds": 0.5}, [1, 2, 3, 4, 5, 6]),  # buckets 0, 1, 2, 3, 4, 10
        ({"every_seconds": 2.5}, [5, 6]),  # 2.5 s buckets: 0, 0, 0, 0, 0, 2
        ({"every_seconds": 10}, [6]),
        ({"every_votes": 3, "every_seconds": 1}, [2, 3, 4, 5, 6]),  # the union of both
    ],
)
def test_every_seconds(kw: dict[str, float], expected: list[int]) -> None:
    assert batch_boundaries(TS, **kw) == expected  # type: ignore[arg-type]


def test_equal_timestamps_stay_in_one_time_batch() -> None:
    ts = np.array([0, 0, 0, 1000, 1000])
    assert batch_boundaries(ts, every_seconds=1) == [3, 5]


def test_empty_log_has_no_batches() -> None:
    assert batch_boundaries(np.zeros(0, dtype=np.int64), every_votes=5) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({}, "replay needs every_votes or every_seconds"),
        ({"every_votes": 0}, "every_votes=0 should be >= 1"),
        ({"every_votes": -3}, "every_votes=-3 should be >= 1"),
        ({"every_seconds": 0}, "every_seconds=0 should be > 0"),
        ({"every_seconds": -1.5}, r"every_seconds=-1\.5 should be > 0"),
    ],
)
def test_bad_options_are_input_errors(kw: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        batch_boundaries(TS, **kw)  # type: ignore[arg-type]


def test_unsorted_log_is_an_input_error() -> None:
    with pytest.raises(InputError, match="replay needs the vote log sorted by timestamp"):
        batch_boundaries([0, 2000, 1000], every_votes=1)


# --- replay ------------------------------------------------------------------------------------


def test_replay_of_an_empty_log_is_an_input_error() -> None:
    with pytest.raises(InputError, match="the vote log is empty: nothing to replay"):
        replay([], [], [], [], every_votes=10)


def test_replay_with_mismatched_lengths_is_an_input_error() -> None:
    with pytest.raises(InputError):
        replay([1, 2, 3], [1, 1], [1, 1, 1], [0, 1, 2], every_votes=10)


def _by_hand(conv: SimpleNamespace, ends: list[int], **kw: object) -> Analysis:
    """Cold analysis of the first batch, then warm analyses, as the worker would do."""
    state: AnalysisState | None = None
    analysis: Analysis | None = None
    for end in ends:
        m = build_vote_matrix(
            conv.participant_ids[:end],
            conv.statement_ids[:end],
            conv.votes[:end],
            timestamps=conv.timestamps[:end],
        )
        analysis = analyze(m, state=state, **kw)  # type: ignore[arg-type]
        state = analysis.state
    assert analysis is not None
    return analysis


def test_replay_equals_a_chain_of_warm_updates(synth: SimpleNamespace) -> None:
    conv = synth.planted(2, (20, 20))
    n = len(conv.votes)
    every = n // 4 + 1
    calls: list[tuple[int, int]] = []
    result = replay(
        conv.participant_ids,
        conv.statement_ids,
        conv.votes,
        conv.timestamps,
        every_votes=every,
        moderated_out=[3],
        on_update=lambda i, t: calls.append((i, t)),
    )
    ends = batch_boundaries(conv.timestamps, every_votes=every)
    assert len(ends) == 4
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    expected = _by_hand(conv, ends, moderated_out=[3])
    assert result.state.n_updates == 4
    assert result.k == expected.k
    for name in ("participant_coords", "labels", "in_conv", "gac", "priorities", "zeroed"):
        assert np.array_equal(getattr(result, name), getattr(expected, name)), name
    assert result.zeroed[3]
    assert (
        result.matrix.n_votes
        == build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes).n_votes
    )


def test_replay_in_one_batch_is_a_cold_analysis(synth: SimpleNamespace) -> None:
    conv = synth.planted(1, (15, 15))
    result = replay(
        conv.participant_ids,
        conv.statement_ids,
        conv.votes,
        conv.timestamps,
        every_seconds=10**9,
    )
    cold = analyze(build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes))
    assert result.state.n_updates == 1
    assert np.array_equal(result.labels, cold.labels)
    assert np.array_equal(result.participant_coords, cold.participant_coords)


def test_replay_applies_the_timestamps_for_last_vote_wins() -> None:
    # participant 1 changes their vote on statement 1 from +1 to -1 one second later
    result = replay([1, 2, 1], [1, 1, 1], [1, 1, -1], [0, 500, 1000], every_votes=1)
    assert result.state.n_updates == 3
    assert result.matrix.values.toarray().tolist() == [[-1.0], [1.0]]
