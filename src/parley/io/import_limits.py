"""Limits on what an import may hold: files, decompressed bytes, fields, rows, columns.

An export is untrusted input: a zip of 2 MB can hold 2 GiB of zeros, and a comment body can
hold 200 MB. Reading such a file fails early with an ``ExportFormatError`` that says which
limit was hit and where, before anything is written to the database: the declared sizes of
a zip's members are checked before any is decompressed, and a member is decompressed in
chunks that stop at the limit, whatever its header claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from parley.errors import ExportFormatError, InputError

from .polis_csv import CsvTable

__all__ = [
    "DEFAULT_LIMITS",
    "LOCAL_LIMITS",
    "ImportLimits",
    "check_cells",
    "check_field",
    "read_capped",
]

_MIB = 1 << 20
_CHUNK = _MIB


@dataclass(frozen=True)
class ImportLimits:
    """The most an export may hold; every count must be >= 1."""

    max_files: int = 1_000
    """members of a zip archive"""
    max_file_bytes: int = 512 * _MIB
    """bytes of one file, decompressed"""
    max_total_bytes: int = 1024 * _MIB
    """bytes of all the members of a zip archive, decompressed"""
    max_field_chars: int = 10_000
    """characters of one CSV field (a comment body, a summary value)"""
    max_rows: int = 50_000_000
    """rows of one CSV file"""
    max_columns: int = 200_000
    """columns of one CSV file (participants-votes.csv has one per comment)"""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value < 1:
                raise InputError(f"ImportLimits {name}={value} should be >= 1")


DEFAULT_LIMITS = ImportLimits()
LOCAL_LIMITS = ImportLimits(
    max_file_bytes=1 << 40, max_total_bytes=1 << 40, max_rows=1 << 40, max_columns=1 << 20
)
"""For files on this machine analysed by their owner (``parley analyze``): no size caps."""


def read_capped(stream: IO[bytes], *, limit: int, label: str) -> bytes:
    """Read a stream to its end, or raise once it yields more than ``limit`` bytes."""
    chunks: list[bytes] = []
    n_read = 0
    while chunk := stream.read(min(_CHUNK, limit + 1 - n_read) or 1):
        n_read += len(chunk)
        if n_read > limit:
            raise ExportFormatError(
                f"decompresses to more than {limit:,} bytes (max_file_bytes); refusing it",
                path=label,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def check_field(value: str, *, limits: ImportLimits, what: str, path: str, line: int) -> None:
    """Raise when a field is longer than ``max_field_chars``."""
    if len(value) > limits.max_field_chars:
        raise ExportFormatError(
            f"{what} has {len(value):,} characters; at most {limits.max_field_chars:,} "
            "(max_field_chars)",
            path=path,
            line=line,
        )


def check_cells(table: CsvTable, limits: ImportLimits) -> CsvTable:
    """Return ``table`` once its rows, columns and every cell are within ``limits``.

    Text the database cannot store (a NUL) is the importer's to refuse: a file may hold it.
    """
    if len(table.columns) > limits.max_columns:
        raise ExportFormatError(
            f"{len(table.columns):,} columns; at most {limits.max_columns:,} (max_columns)",
            path=table.label,
            line=1,
        )
    if table.frame.height > limits.max_rows:
        raise ExportFormatError(
            f"{table.frame.height:,} rows; at most {limits.max_rows:,} (max_rows)",
            path=table.label,
        )
    for column in table.columns:
        cells = table.frame[column]
        too_long = cells.str.len_chars() > limits.max_field_chars
        if too_long.any():
            row = int(too_long.arg_true()[0])
            raise table.fail(
                f"{column} has {len(cells[row]):,} characters; at most "
                f"{limits.max_field_chars:,} (max_field_chars)",
                row,
            )
    return table
