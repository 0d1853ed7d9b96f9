"""One analysis of a snapshot: deterministic, warm from saved bytes, cold when they do not fit."""

from __future__ import annotations

import numpy as np
import pytest

from parley.compute.analysis import AnalysisInput, run_analysis, state_from_bytes, state_to_bytes
from parley.errors import StateError


def _snapshot(
    n_people: int = 20, n_statements: int = 6, *, state: bytes | None = None
) -> AnalysisInput:
    pids, sids, values = [], [], []
    for p in range(n_people):
        for s in range(n_statements):
            pids.append(100 + p)
            sids.append(10 + s)
            values.append(1 if p % 2 == s % 2 else -1)
    texts = {10 + s: f"statement {s}" for s in range(n_statements + 1)}  # one without votes
    return AnalysisInput(
        participant_ids=np.asarray(pids, dtype=np.int64),
        statement_ids=np.asarray(sids, dtype=np.int64),
        values=np.asarray(values, dtype=np.int8),
        texts=texts,
        moderation=dict.fromkeys(texts, 1) | {11: -1},
        state=state,
    )


def test_a_cold_analysis_finds_the_two_camps() -> None:
    output = run_analysis(_snapshot())
    assert not output.is_warm
    assert output.payload["k"] == 2
    assert output.n_votes == output.payload["n_votes"] == 120
    assert set(output.priorities) == {str(s) for s in range(10, 16)}
    no_votes = next(s for s in output.payload["statements"] if s["id"] == 16)
    assert no_votes["priority"] is None and no_votes["text"] == "statement 6"
    rejected = next(s for s in output.payload["statements"] if s["id"] == 11)
    assert rejected["moderated"] == -1


def test_the_same_snapshot_gives_the_same_bytes() -> None:
    assert run_analysis(_snapshot()).payload == run_analysis(_snapshot()).payload


def test_a_warm_start_continues_the_saved_state() -> None:
    first = run_analysis(_snapshot())
    second = run_analysis(_snapshot(24, state=first.state))
    assert second.is_warm
    assert state_from_bytes(second.state).n_updates == state_from_bytes(first.state).n_updates + 1


def test_unreadable_state_bytes_mean_a_cold_start() -> None:
    output = run_analysis(_snapshot(state=b"not an npz"))
    assert not output.is_warm and output.payload["k"] == 2
    with pytest.raises(StateError, match="cannot be read"):
        state_from_bytes(b"not an npz")


def test_state_bytes_round_trip() -> None:
    state = state_from_bytes(run_analysis(_snapshot()).state)
    again = state_from_bytes(state_to_bytes(state))
    assert np.array_equal(again.components, state.components)
    assert again.n_updates == state.n_updates
