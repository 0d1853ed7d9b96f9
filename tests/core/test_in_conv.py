"""Polis's in-conv history: the rule applied at every poll, sticky, topped up to 15."""

from __future__ import annotations

import numpy as np
import pytest

from parley.core.matrix import build_vote_matrix
from parley.core.participants import in_conv, in_conv_history
from parley.core.replay import batch_boundaries, replay

T0 = 1_700_000_000_000


def _early_and_late_log() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Participant 0 votes on 10 statements at t=0; 1..20 vote once each, one a second from
    t=1 s; at t=100 s participants 16..20 vote on 7 more statements each."""
    pids = [0] * 10 + list(range(1, 21))
    sids = list(range(10)) + [p % 10 for p in range(1, 21)]
    secs = [0] * 10 + list(range(1, 21))
    for p in range(16, 21):
        pids += [p] * 7
        sids += [(p + j) % 10 for j in range(1, 8)]
        secs += [100] * 7
    ts = T0 + 1000 * np.array(secs, dtype=np.int64)
    order = np.argsort(ts, kind="stable")
    return (
        np.array(pids)[order],
        np.array(sids)[order],
        np.ones(len(pids), dtype=np.int8)[order],
        ts[order],
    )


def test_early_voters_are_topped_up_at_each_poll_and_stay() -> None:
    pids, sids, _, ts = _early_and_late_log()
    polls = batch_boundaries(ts, every_seconds=1)
    history = in_conv_history(pids, sids, polls, polls=polls, min_votes=7, greedy=15)
    # polls at t = 0, 1, ..., 20 s and 100 s; after t = k s participants 0..k are in
    for k in range(15):
        assert history[k].tolist() == list(range(k + 1))
    # 15..20 arrive when 15 are in: one vote is not enough any more
    assert history[20].tolist() == list(range(15))
    # 16..20 reach 7 votes; 15 never does; the topped-up 1..14 keep their place with 1 vote
    assert history[-1].tolist() == list(range(15)) + list(range(16, 21))


def test_one_late_update_tops_up_other_participants() -> None:
    """Applied once at the end the same rule keeps 16..20 and tops up with 1..9 instead."""
    pids, sids, _, _ = _early_and_late_log()
    (final,) = in_conv_history(pids, sids, [len(pids)], min_votes=7, greedy=15)
    assert final.tolist() == [0, *range(1, 10), *range(16, 21)]
    matrix = build_vote_matrix(pids, sids, np.ones(len(pids)))
    cold = in_conv(matrix, None, min_votes=7, greedy=15)
    assert matrix.participant_ids[cold].tolist() == final.tolist()


def test_threshold_follows_the_number_of_statements_at_the_time() -> None:
    """>= min(7, n_statements): all 2 statements at the time is enough, for good."""
    # participant 1 votes on both statements of the moment, participant 2 adds 0..4 later,
    # participant 3 votes on 0 and 1 once there are 5 statements
    pids = [1, 1, 2, 2, 2, 2, 2, 3, 3]
    sids = [0, 1, 0, 1, 2, 3, 4, 0, 1]
    ends = [2, 7, 9]
    history = in_conv_history(pids, sids, ends, polls=ends, min_votes=3, greedy=0)
    assert [h.tolist() for h in history] == [[1], [1, 2], [1, 2]]
    (once,) = in_conv_history(pids, sids, [9], min_votes=3, greedy=0)
    assert once.tolist() == [2]


def test_vote_changes_do_not_count_twice() -> None:
    """Only distinct statements count (``user-vote-counts`` counts non-nil cells)."""
    pids = [1, 1, 1, 2, 2]
    sids = [0, 0, 0, 0, 1]
    (final,) = in_conv_history(pids, sids, [5], min_votes=2, greedy=0)
    assert final.tolist() == [2]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_history_equals_the_rule_applied_to_every_prefix(seed: int) -> None:
    """The incremental counts give what ``in_conv`` gives on each prefix's vote matrix."""
    rng = np.random.default_rng(seed)
    n = 400
    pids = rng.integers(0, 40, n)
    sids = rng.integers(0, 12, n)
    polls = sorted({int(x) for x in rng.integers(1, n + 1, 60)} | {n})
    history = in_conv_history(pids, sids, polls, polls=polls, min_votes=7, greedy=15)
    previous = None
    for end, got in zip(polls, history, strict=True):
        matrix = build_vote_matrix(pids[:end], sids[:end], np.ones(end))
        inside = in_conv(matrix, previous, min_votes=7, greedy=15)
        previous = matrix.participant_ids[inside]
        np.testing.assert_array_equal(got, previous)
        # sticky: nobody ever leaves
        assert set(got.tolist()) >= set(history[max(polls.index(end) - 1, 0)].tolist())


def test_replay_uses_the_history_between_its_batches() -> None:
    """An hourly replay of the log still sees the second-by-second in-conv history."""
    pids, sids, votes, ts = _early_and_late_log()
    polled = replay(pids, sids, votes, ts, every_seconds=3600)
    in_conv_ids = polled.matrix.participant_ids[polled.in_conv]
    assert in_conv_ids.tolist() == list(range(15)) + list(range(16, 21))
    assert (polled.labels[polled.in_conv] >= 0).all()
    unpolled = replay(pids, sids, votes, ts, every_seconds=3600, in_conv_poll_seconds=None)
    in_conv_ids = unpolled.matrix.participant_ids[unpolled.in_conv]
    assert in_conv_ids.tolist() == [0, *range(1, 10), *range(16, 21)]
