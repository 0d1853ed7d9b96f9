"""Read .npz files safely from several threads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["read_npz"]

# np.load parses each array's header with ast.literal_eval, and CPython 3.11's ast object
# builder keeps its recursion depth in shared state: two threads parsing at once can fail
# with SystemError ("AST constructor recursion depth mismatch"). One thread reads at a time.
_NPZ_READ = threading.Lock()


def read_npz(source: str | Path | IO[bytes]) -> dict[str, NDArray[Any]]:
    """Every array of an .npz file (no pickles), read one thread at a time."""
    with _NPZ_READ, np.load(source, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
