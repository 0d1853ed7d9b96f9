"""Bulk writes: insert many rows with executemany, in chunks, reporting progress."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from .models import Base

__all__ = ["DEFAULT_CHUNK_SIZE", "Progress", "insert_columns"]

#: ``progress(table name, rows inserted so far)``, called after each chunk
Progress: TypeAlias = Callable[[str, int], None]
DEFAULT_CHUNK_SIZE = 10_000


def insert_columns(
    connection: Connection,
    model: type[Base],
    columns: Mapping[str, Sequence[Any]],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> int:
    """Insert rows into a model's table, given column-wise; return the number inserted.

    Rows are built as dicts one chunk at a time, so a large insert never holds every row
    dict at once. Runs inside the caller's transaction.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size={chunk_size} should be >= 1")
    names = list(columns)
    lengths = {name: len(values) for name, values in columns.items()}
    name = model.__tablename__
    if len(set(lengths.values())) > 1:
        raise ValueError(f"columns for {name} differ in length: {lengths}")
    n = next(iter(lengths.values()), 0)
    statement = insert(model)
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        chunk = zip(*(columns[name][start:stop] for name in names), strict=True)
        connection.execute(statement, [dict(zip(names, row, strict=True)) for row in chunk])
        if progress is not None:
            progress(name, stop)
    return n
