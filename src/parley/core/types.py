"""Type aliases and the vote encoding used throughout parley.core."""

from __future__ import annotations

from enum import IntEnum
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["Float64Array", "IdArray", "IntArray", "Labels", "Vote"]

Float64Array: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
IdArray: TypeAlias = NDArray[np.int64]
Labels: TypeAlias = NDArray[np.int64]


class Vote(IntEnum):
    """A vote inside parley: agree = +1, disagree = -1, pass = 0 (the openData convention).

    Polis's database and API use the opposite sign for agree and disagree (agree = -1);
    convert at the boundary, never inside the core.
    """

    AGREE = 1
    DISAGREE = -1
    PASS = 0
