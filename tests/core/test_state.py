"""Saving and loading the warm-start state (parley.core.state)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from parley.core.clustering import Clustering
from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.core.pipeline import Analysis, AnalysisState, analyze, update
from parley.core.state import STATE_VERSION, state_from_arrays, state_to_arrays
from parley.errors import StateError


def _split(conv: SimpleNamespace, fraction: float) -> tuple[VoteMatrix, slice]:
    cut = int(len(conv.votes) * fraction)
    first = build_vote_matrix(
        conv.participant_ids[:cut], conv.statement_ids[:cut], conv.votes[:cut]
    )
    return first, slice(cut, None)


@pytest.fixture(scope="module")
def two_updates(synth: SimpleNamespace) -> tuple[SimpleNamespace, Analysis, slice]:
    conv = synth.planted(6, (20, 20, 20))
    first_matrix, rest = _split(conv, 0.6)
    first = analyze(first_matrix)
    second = update(first, conv.participant_ids[rest], conv.statement_ids[rest], conv.votes[rest])
    return conv, second, rest


def assert_same_clustering(a: Clustering | None, b: Clustering | None) -> None:
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    for name in ("ids", "centers", "point_ids", "labels"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y), name


def assert_same_state(a: AnalysisState, b: AnalysisState) -> None:
    for name in ("statement_ids", "components", "in_conv_ids"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert_same_clustering(a.base, b.base)
    assert sorted(a.group_clusterings) == sorted(b.group_clusterings)
    for k in a.group_clusterings:
        assert_same_clustering(a.group_clusterings[k], b.group_clusterings[k])
    assert a.smoother == b.smoother
    assert a.n_updates == b.n_updates


def test_round_trip_keeps_every_field(two_updates: tuple) -> None:
    _, second, _ = two_updates
    state = second.state
    assert state.n_updates == 2
    arrays = state_to_arrays(state)
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    assert int(arrays["version"][0]) == STATE_VERSION
    assert_same_state(state_from_arrays(arrays), state)


def test_round_trip_keeps_the_participant_order(two_updates: tuple) -> None:
    _, second, _ = two_updates
    state = second.state
    assert len(state.participant_order) == second.matrix.n_participants
    loaded = state_from_arrays(state_to_arrays(state))
    np.testing.assert_array_equal(loaded.participant_order, state.participant_order)


def test_round_trip_through_an_npz_file(two_updates: tuple, tmp_path: Path) -> None:
    _, second, _ = two_updates
    path = tmp_path / "state.npz"
    np.savez(path, **state_to_arrays(second.state))  # type: ignore[arg-type]
    with np.load(path) as data:
        loaded = state_from_arrays({name: data[name] for name in data.files})
    assert_same_state(loaded, second.state)


def test_warm_update_from_a_loaded_state_equals_one_from_the_original(
    synth: SimpleNamespace,
) -> None:
    conv = synth.planted(8, (25, 25))
    first_matrix, _ = _split(conv, 0.5)
    first = analyze(first_matrix)
    loaded = state_from_arrays(state_to_arrays(first.state))
    full = build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes)
    a = analyze(full, state=first.state)
    b = analyze(full, state=loaded)
    for name in ("participant_coords", "labels", "in_conv", "gac", "priorities"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.k == b.k and a.silhouettes == b.silhouettes
    assert b.state.n_updates == 2


def test_state_after_a_warm_update_from_a_loaded_state_is_the_same(
    synth: SimpleNamespace,
) -> None:
    conv = synth.planted(8, (25, 25))
    first_matrix, _ = _split(conv, 0.5)
    first = analyze(first_matrix)
    loaded = state_from_arrays(state_to_arrays(first.state))
    full = build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes)
    assert_same_state(analyze(full, state=loaded).state, analyze(full, state=first.state).state)


def test_state_without_clusters_round_trips(synth: SimpleNamespace) -> None:
    conv = synth.planted(9, (10, 10))
    m = build_vote_matrix(conv.participant_ids, conv.statement_ids, conv.votes)
    a = analyze(m, groups=(m.participant_ids, conv.truth[m.participant_ids]))
    assert a.state.base is None and a.state.group_clusterings == {}
    arrays = state_to_arrays(a.state)
    assert "base.ids" not in arrays
    assert arrays["group_ks"].shape == (0,)
    loaded = state_from_arrays(arrays)
    assert_same_state(loaded, a.state)
    assert loaded.smoother.last_k is None and loaded.smoother.smoothed_k is None


def test_missing_array_is_a_state_error(two_updates: tuple) -> None:
    _, second, _ = two_updates
    arrays = state_to_arrays(second.state)
    del arrays["components"]
    with pytest.raises(StateError, match="the saved state lacks the array 'components'"):
        state_from_arrays(arrays)
    arrays = state_to_arrays(second.state)
    del arrays["group2.centers"]
    with pytest.raises(StateError, match=r"lacks the array 'group2\.centers'"):
        state_from_arrays(arrays)


def test_unknown_version_is_a_state_error(two_updates: tuple) -> None:
    _, second, _ = two_updates
    arrays = state_to_arrays(second.state)
    arrays["version"] = np.array([STATE_VERSION + 98])
    with pytest.raises(StateError, match=f"state version {STATE_VERSION + 98} is not supported"):
        state_from_arrays(arrays)
