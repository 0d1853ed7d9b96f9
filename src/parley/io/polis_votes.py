"""votes.csv read typed, straight from the file: the fast path for well-formed exports.

polars parses the four columns parley uses as integers (the datetime text is skipped), in
its streaming engine, so memory holds the typed columns (25 bytes per vote) and not the
file's bytes or text columns. Anything unusual (a cell that is not a plain integer, a blank
line, a vote outside -1..1, an unknown statement) makes it give up and return None; the
text reader in ``polis_read`` then reads the file and names the line at fault.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .polis_model import VoteEvents
from .polis_source import ExportSource, ZipSource

__all__ = ["read_votes_frame", "read_votes_typed"]

_TYPES = {"timestamp": pl.Int64, "comment-id": pl.Int64, "voter-id": pl.Int64, "vote": pl.Int8}


def read_votes_frame(source: ExportSource, known: NDArray[np.int64]) -> pl.DataFrame | None:
    """votes.csv's four integer columns in file order, checked; None to use the text reader."""
    if isinstance(source, ZipSource) or not source.has("votes.csv"):
        return None
    path = source.path / "votes.csv"
    try:
        if path.stat().st_size > source.limits.max_file_bytes:
            return None
        with path.open("rb") as stream:
            head = stream.readline()
        header = head.decode("utf-8").rstrip("\r\n").split(",")
        if len(set(header)) != len(header) or not set(_TYPES) <= set(header):
            return None
        frame = (
            pl.scan_csv(path, schema_overrides=_TYPES, infer_schema=False)
            .select([pl.col(name).cast(dtype, strict=True) for name, dtype in _TYPES.items()])
            .collect(engine="streaming")
        )
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError, ValueError):
        return None
    if frame.height > source.limits.max_rows or any(frame.null_count().row(0)):
        return None
    checks = frame.select(
        (pl.col("vote").is_between(-1, 1).all() & (pl.col("comment-id").min() >= 0))
        & (pl.col("voter-id").min() >= 0)
    )
    if frame.height and not checks.item():
        return None
    statements = frame["comment-id"].unique().to_numpy()
    if not np.isin(statements, known).all():
        return None
    return frame


def read_votes_typed(source: ExportSource, known: NDArray[np.int64]) -> VoteEvents | None:
    """The votes of a folder export's votes.csv in time order, or None to use the text reader."""
    frame = read_votes_frame(source, known)
    if frame is None:
        return None
    times = frame.drop_in_place("timestamp").to_numpy()
    if len(times) > 1 and bool(np.any(times[1:] < times[:-1])):
        order = np.argsort(times, kind="stable")
        times = times[order]
        columns = [frame.drop_in_place(c).to_numpy()[order] for c in ("voter-id", "comment-id")]
        values = frame.drop_in_place("vote").to_numpy()[order]
        del order
    else:
        columns = [frame.drop_in_place(c).to_numpy() for c in ("voter-id", "comment-id")]
        values = frame.drop_in_place("vote").to_numpy()
    return VoteEvents(
        participant_ids=columns[0], statement_ids=columns[1], values=values, timestamps=times
    )
