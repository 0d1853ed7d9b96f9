"""Data shipped with parley: a real Polis conversation for the demo (CC BY 4.0)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["DEMO_CONVERSATION", "bundled_conversation"]

DEMO_CONVERSATION = "scoop-hivemind.biodiversity"


def bundled_conversation(name: str = DEMO_CONVERSATION) -> Path:
    """Return the folder of a conversation bundled with parley."""
    return Path(str(files("parley.data") / "conversations" / name))
