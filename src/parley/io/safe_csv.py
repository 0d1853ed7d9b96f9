"""CSV for spreadsheets: every text cell, headers included, defused against formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(...)`` in a format name, say). ``defuse`` puts a quote in
front of such a text; numbers are written as they are. ``SafeCsvWriter`` applies it to every
cell of every row, so that no column can be forgotten.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

__all__ = ["FORMULA_STARTS", "SafeCsvWriter", "defuse"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: Any) -> Any:
    """Return a text cell that cannot start a formula; other values unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


class SafeCsvWriter:
    """A ``csv.writer`` whose rows have every text cell defused."""

    def __init__(self, out: TextIO, *, lineterminator: str = "\n") -> None:
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, each text cell defused."""
        self._writer.writerow([defuse(cell) for cell in row])
