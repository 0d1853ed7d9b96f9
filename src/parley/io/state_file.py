"""Save and load an analysis state (for warm starts across processes) as a .npz file."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from parley.core.pipeline import AnalysisState
from parley.core.state import state_from_arrays, state_to_arrays
from parley.errors import NotFoundError, StateError

__all__ = ["load_state", "save_state"]


def save_state(state: AnalysisState, path: str | Path) -> None:
    """Write ``state`` to ``path`` (a .npz file), replacing it atomically."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("wb") as handle:
        np.savez_compressed(handle, **state_to_arrays(state))  # type: ignore[arg-type]
    tmp.replace(target)


def load_state(path: str | Path) -> AnalysisState:
    """Read a state written by ``save_state``."""
    source = Path(path)
    if not source.exists():
        raise NotFoundError(f"{source}: no such state file")
    try:
        with np.load(source, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise StateError(f"{source}: not a parley state file ({error})") from None
    return state_from_arrays(arrays)
