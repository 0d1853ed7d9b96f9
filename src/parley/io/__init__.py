"""Reading and writing data at parley's edges: Polis exports."""

from __future__ import annotations

from .polis import (
    PolisExport,
    StatementTable,
    VoteEvents,
    read_polis_export,
    write_polis_export,
)

__all__ = [
    "PolisExport",
    "StatementTable",
    "VoteEvents",
    "read_polis_export",
    "write_polis_export",
]
