"""Vote logs in Parquet: columns participant_id, statement_id, vote (+1 agree), timestamp.

For conversations too large for CSV (10^7 votes and more): a .parquet file, or a folder of
.parquet parts read in file-name order. Polis's column names (``voter-id``, ``comment-id``)
are accepted too. The statements are those that appear in the votes, without texts;
moderation is not recorded. Columns are read typed (ids as 64-bit integers, votes as 8-bit)
and nothing is sorted here: the last vote per pair is found when the matrix is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from parley.core.matrix import VoteMatrix, dense_codes, matrix_from_codes
from parley.errors import ExportFormatError, NotFoundError

from .polis_model import PolisExport, StatementTable, VoteEvents

__all__ = [
    "REQUIRED_COLUMNS",
    "parquet_parts",
    "read_votes_matrix",
    "read_votes_parquet",
    "statements_only_export",
    "vote_columns",
    "write_vote_parts",
]

REQUIRED_COLUMNS = ("participant_id", "statement_id", "vote")
_ALIASES = {
    "participant_id": ("participant_id", "voter-id"),
    "statement_id": ("statement_id", "comment-id"),
    "vote": ("vote",),
    "timestamp": ("timestamp",),
}


def parquet_parts(path: str | Path) -> list[Path]:
    """The Parquet files of a vote log: the file itself, or a folder's .parquet files."""
    source = Path(path)
    if source.is_dir():
        files = sorted(p for p in source.glob("*.parquet") if p.is_file())
        if not files:
            raise NotFoundError(f"{source}: the folder holds no .parquet files")
        return files
    if not source.exists():
        raise NotFoundError(f"{source}: file not found")
    return [source]


def vote_columns(columns: Sequence[str], *, label: str) -> dict[str, str]:
    """Map participant_id, statement_id, vote (and timestamp) to the file's column names."""
    found: dict[str, str] = {}
    for name, aliases in _ALIASES.items():
        present = [a for a in aliases if a in columns]
        if present:
            found[name] = present[0]
    missing = [c for c in REQUIRED_COLUMNS if c not in found]
    if missing:
        raise ExportFormatError(
            f"expected columns {', '.join(REQUIRED_COLUMNS)} (or Polis's voter-id, comment-id) "
            f"and optionally timestamp; missing {', '.join(missing)}",
            path=label,
        )
    return found


def _read_frame(path: str | Path) -> Any:
    """Columns p, s (Int64), v (Int8) and t (Int64, when there are timestamps), checked."""
    import polars as pl

    source = Path(path)
    files = parquet_parts(source)
    try:
        scan = pl.scan_parquet(files)
        names = vote_columns(scan.collect_schema().names(), label=str(source))
        exprs = [
            pl.col(names["participant_id"]).cast(pl.Int64, strict=True).alias("p"),
            pl.col(names["statement_id"]).cast(pl.Int64, strict=True).alias("s"),
            pl.col(names["vote"]).cast(pl.Int8, strict=False).alias("v"),
        ]
        if "timestamp" in names:
            exprs.append(pl.col(names["timestamp"]).cast(pl.Int64, strict=True).alias("t"))
        frame = scan.select(exprs).collect()
    except pl.exceptions.PolarsError as error:
        raise ExportFormatError(
            f"cannot read as Parquet votes with integer ids and votes ({error})", path=str(source)
        ) from None
    except OSError as error:
        raise ExportFormatError(f"cannot read as Parquet ({error})", path=str(source)) from None
    if frame["p"].null_count() or frame["s"].null_count():
        raise ExportFormatError("empty participant or statement ids", path=str(source))
    votes = frame["v"]
    bad = (votes.is_null() | (votes < -1) | (votes > 1)).arg_true()
    if len(bad):
        row = int(bad[0])
        raw = scan.select(pl.col(names["vote"])).slice(row, 1).collect().item()
        raise ExportFormatError(f"row {row}: vote {raw} should be -1, 0 or 1", path=str(source))
    return frame


def read_votes_matrix(path: str | Path) -> VoteMatrix:
    """The final-vote matrix of a Parquet vote log, built column by column to save memory.

    Each id column is turned into small integer codes and released before the next, and
    the log is never sorted by time (``matrix_from_codes``): at 10^8 votes this holds about
    a third of what ``read_votes_parquet`` and ``build_vote_matrix`` hold together.
    """
    frame = _read_frame(path)
    row_ids, rows = dense_codes(frame.drop_in_place("p").to_numpy())
    col_ids, cols = dense_codes(frame.drop_in_place("s").to_numpy())
    votes = frame.drop_in_place("v").to_numpy()
    times = frame.drop_in_place("t").to_numpy() if "t" in frame.columns else None
    del frame
    return matrix_from_codes(row_ids, rows, col_ids, cols, votes, timestamps=times)


def read_votes_parquet(path: str | Path) -> PolisExport:
    """Read a Parquet vote log (a file or a folder of parts) into a PolisExport."""
    source = Path(path)
    frame = _read_frame(source)
    values = frame.drop_in_place("v").to_numpy()
    times = frame.drop_in_place("t").to_numpy() if "t" in frame.columns else None
    ids = frame["s"].unique().sort().to_numpy()
    pids = frame.drop_in_place("p").to_numpy()
    sids = frame.drop_in_place("s").to_numpy()
    del frame
    return PolisExport(
        source=str(source),
        statements=_statements(ids),
        votes=VoteEvents(participant_ids=pids, statement_ids=sids, values=values, timestamps=times),
        vote_source="votes.parquet",
        polis_groups=None,
        summary={},
        sign_flipped=False,
    )


def _statements(ids: NDArray[np.int64]) -> StatementTable:
    n = len(ids)
    return StatementTable(
        ids=ids,
        texts=[""] * n,
        author_ids=np.full(n, -1, dtype=np.int64),
        moderated=np.zeros(n, dtype=np.int8),
        is_meta=np.zeros(n, dtype=bool),
        is_seed=np.zeros(n, dtype=bool),
        timestamps=np.full(n, -1, dtype=np.int64),
        agrees=np.zeros(n, dtype=np.int64),
        disagrees=np.zeros(n, dtype=np.int64),
        group_informed_consensus=None,
    )


def statements_only_export(path: str | Path, statement_ids: NDArray[np.int64]) -> PolisExport:
    """A PolisExport of a Parquet log's statements without its votes (they stay on Dask)."""
    empty = np.zeros(0, dtype=np.int64)
    return PolisExport(
        source=str(path),
        statements=_statements(statement_ids),
        votes=VoteEvents(
            participant_ids=empty, statement_ids=empty, values=np.zeros(0, np.int8), timestamps=None
        ),
        vote_source="votes.parquet",
        polis_groups=None,
        summary={},
        sign_flipped=False,
    )


def write_vote_parts(
    folder: str | Path,
    participant_ids: NDArray[np.int64],
    statement_ids: NDArray[np.int64],
    values: NDArray[np.int8],
    *,
    part_votes: int = 5_000_000,
) -> list[Path]:
    """Write votes as a folder of Parquet parts of at most ``part_votes`` rows; their paths.

    The arrays are sliced, not copied whole: one part's frame is held at a time.
    """
    import polars as pl

    if part_votes < 1:
        raise ValueError("part_votes must be at least 1")
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    n = len(values)
    width = max(1, len(str(max(0, n - 1) // part_votes)))
    paths = []
    for i, start in enumerate(range(0, n, part_votes)):
        end = min(n, start + part_votes)
        part = pl.DataFrame(
            {
                "participant_id": participant_ids[start:end],
                "statement_id": statement_ids[start:end],
                "vote": values[start:end],
            },
            schema={"participant_id": pl.Int64, "statement_id": pl.Int64, "vote": pl.Int8},
        )
        path = target / f"part-{i:0{width}d}.parquet"
        part.write_parquet(path)
        paths.append(path)
        del part
    return paths
