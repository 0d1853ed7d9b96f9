"""CSV tables read with polars, with errors that name the file, the line and the problem.

Every cell is read as text and converted column by column, so a bad cell is reported with
its 1-based line number (the header is line 1) instead of a polars traceback. Line numbers
are physical lines: a quoted field that spans several lines (a comment body) is counted as
such; they are computed with the standard csv module, and only when an error is raised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from parley.errors import ExportFormatError

__all__ = ["ROW", "CsvTable", "physical_line", "read_csv_table"]

ROW = "__parley_row__"  # 1-based record number of each row (the header is record 0)
_BOM = b"\xef\xbb\xbf"


def physical_line(data: bytes, record: int) -> int:
    """1-based line on which CSV record ``record`` starts (record 0 is the header)."""
    text = io.StringIO(data.decode("utf-8-sig", errors="replace"), newline="")
    reader = csv.reader(text)
    line = 1
    try:
        for index, _ in enumerate(reader):
            if index == record:
                return line
            line = reader.line_num + 1
    except csv.Error:
        pass
    return line


def _diagnose(label: str, data: bytes, header: list[str], cause: Exception) -> ExportFormatError:
    """Find the first structural problem that made polars give up, with its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ExportFormatError("is not UTF-8 text", path=label, line=line)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for record in reader:
            if len(record) > len(header):
                return ExportFormatError(
                    f"{len(record)} fields where the header has {len(header)}",
                    path=label,
                    line=start,
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        return ExportFormatError(
            f"malformed CSV in the record that starts here ({exc})", path=label, line=start
        )
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return ExportFormatError(f"malformed CSV ({first})", path=label)


def _header(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


@dataclass(frozen=True, eq=False)
class CsvTable:
    """A CSV file as all-text columns plus the record number of every row."""

    label: str
    data: bytes
    frame: pl.DataFrame

    @property
    def columns(self) -> list[str]:
        """The header's column names, in file order."""
        return [c for c in self.frame.columns if c != ROW]

    def fail(self, message: str, row: int | None = None) -> ExportFormatError:
        """An error at data row ``row`` (a position in ``frame``), or about the whole file."""
        if row is None:
            return ExportFormatError(message, path=self.label)
        record = int(self.frame[ROW][row])
        return ExportFormatError(message, path=self.label, line=physical_line(self.data, record))

    def require(self, required: Sequence[str], expected: Sequence[str]) -> None:
        """Raise unless every ``required`` column is in the header; name the expected header."""
        missing = [c for c in required if c not in self.columns]
        if missing:
            raise ExportFormatError(
                f"header lacks column(s) {', '.join(missing)}; expected {','.join(expected)}, "
                f"found {','.join(self.columns) or 'nothing'}",
                path=self.label,
                line=1,
            )

    def text(self, column: str) -> pl.Series:
        """The column as stripped text, with empty cells as null."""
        raw = self.frame[column].str.strip_chars()
        return raw.set(raw.str.len_bytes() == 0, None)

    def ints(
        self,
        column: str,
        *,
        missing: int | None = None,
        minimum: int | None = None,
        allowed: tuple[int, ...] | None = None,
    ) -> NDArray[np.int64]:
        """Parse an integer column; ``missing`` fills empty cells (else they are an error)."""
        raw = self.text(column)
        parsed = raw.cast(pl.Int64, strict=False)
        bad = parsed.is_null() & raw.is_not_null()
        if bad.any():
            row = int(bad.arg_true()[0])
            raise self.fail(f"{column} {raw[row]!r} is not an integer", row)
        if missing is None and parsed.null_count():
            raise self.fail(f"{column} is empty", int(parsed.is_null().arg_true()[0]))
        values = parsed.fill_null(missing if missing is not None else 0).to_numpy()
        values = values.astype(np.int64, copy=False)
        if allowed is not None:
            wrong = np.flatnonzero(~np.isin(values, allowed) & raw.is_not_null().to_numpy())
            if len(wrong):
                choices = ", ".join(str(a) for a in allowed[:-1]) + f" or {allowed[-1]}"
                row = int(wrong[0])
                raise self.fail(f"{column} {values[row]} should be {choices}", row)
        if minimum is not None:
            wrong = np.flatnonzero((values < minimum) & raw.is_not_null().to_numpy())
            if len(wrong):
                row = int(wrong[0])
                raise self.fail(f"{column} {values[row]} should be at least {minimum}", row)
        return values


def read_csv_table(label: str, data: bytes, expected: Sequence[str]) -> CsvTable:
    """Read CSV bytes into text columns; drop blank lines; raise ExportFormatError if broken."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        raise ExportFormatError(
            f"file is empty; expected the header {','.join(expected)}", path=label, line=1
        )
    header = _header(data)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise ExportFormatError(
                f"column {name!r} appears twice in the header", path=label, line=1
            )
        seen.add(name)
    try:
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False, raise_if_empty=True)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise _diagnose(label, data, header, exc) from exc
    if ROW in frame.columns:
        raise ExportFormatError(f"unexpected column {ROW!r}", path=label, line=1)
    columns = frame.columns
    frame = frame.with_row_index(ROW, offset=1)
    if columns:
        blank = pl.all_horizontal(pl.col(c).is_null() for c in columns)
        frame = frame.filter(~blank)
    return CsvTable(label=label, data=data, frame=frame)
