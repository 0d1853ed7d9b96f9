"""Flatten an AnalysisState to named arrays and back, so that io can save it anywhere."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from parley.errors import StateError

from .clustering import Clustering, KSmoother
from .pipeline import AnalysisState

__all__ = ["STATE_VERSION", "state_from_arrays", "state_to_arrays"]

STATE_VERSION = 1


def _put(out: dict[str, NDArray[np.generic]], prefix: str, c: Clustering) -> None:
    out[f"{prefix}.ids"] = c.ids
    out[f"{prefix}.centers"] = c.centers
    out[f"{prefix}.point_ids"] = c.point_ids
    out[f"{prefix}.labels"] = c.labels


def _get(arrays: dict[str, NDArray[np.generic]], prefix: str) -> Clustering:
    return Clustering(
        ids=np.asarray(arrays[f"{prefix}.ids"], dtype=np.int64),
        centers=np.asarray(arrays[f"{prefix}.centers"], dtype=np.float64),
        point_ids=np.asarray(arrays[f"{prefix}.point_ids"], dtype=np.int64),
        labels=np.asarray(arrays[f"{prefix}.labels"], dtype=np.int64),
    )


def state_to_arrays(state: AnalysisState) -> dict[str, NDArray[np.generic]]:
    """Return the state as a flat dict of numpy arrays (lossless)."""
    s = state.smoother
    out: dict[str, NDArray[np.generic]] = {
        "version": np.array([STATE_VERSION]),
        "statement_ids": state.statement_ids,
        "components": state.components,
        "in_conv_ids": state.in_conv_ids,
        "participant_order": state.participant_order,
        "smoother": np.array(
            [
                s.buffer,
                -1 if s.last_k is None else s.last_k,
                s.last_k_count,
                -1 if s.smoothed_k is None else s.smoothed_k,
                state.n_updates,
            ],
            dtype=np.int64,
        ),
        "group_ks": np.array(sorted(state.group_clusterings), dtype=np.int64),
    }
    if state.base is not None:
        _put(out, "base", state.base)
    for k, clustering in state.group_clusterings.items():
        _put(out, f"group{k}", clustering)
    return out


def state_from_arrays(arrays: dict[str, NDArray[np.generic]]) -> AnalysisState:
    """Rebuild an AnalysisState saved by ``state_to_arrays``."""
    try:
        version = int(np.asarray(arrays["version"])[0])
        if version != STATE_VERSION:
            raise StateError(f"state version {version} is not supported (expected {STATE_VERSION})")
        buffer, last_k, count, smoothed, n_updates = (int(x) for x in arrays["smoother"])
        ks = [int(k) for k in arrays["group_ks"]]
        return AnalysisState(
            statement_ids=np.asarray(arrays["statement_ids"], dtype=np.int64),
            components=np.asarray(arrays["components"], dtype=np.float64),
            in_conv_ids=np.asarray(arrays["in_conv_ids"], dtype=np.int64),
            participant_order=np.asarray(
                arrays.get("participant_order", np.zeros(0)), dtype=np.int64
            ),
            base=_get(arrays, "base") if "base.ids" in arrays else None,
            group_clusterings={k: _get(arrays, f"group{k}") for k in ks},
            smoother=KSmoother(
                buffer=buffer,
                last_k=None if last_k < 0 else last_k,
                last_k_count=count,
                smoothed_k=None if smoothed < 0 else smoothed,
            ),
            n_updates=n_updates,
        )
    except KeyError as error:
        raise StateError(f"the saved state lacks the array {error.args[0]!r}") from None
