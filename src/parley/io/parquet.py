"""Vote logs in Parquet: columns participant_id, statement_id, vote (+1 agree) and timestamp.

For conversations too large for CSV (10^7 votes and more). The statements are those that
appear in the votes, without texts; moderation is not recorded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from parley.errors import ExportFormatError, NotFoundError

from .polis_model import PolisExport, StatementTable, VoteEvents

__all__ = ["REQUIRED_COLUMNS", "read_votes_parquet"]

REQUIRED_COLUMNS = ("participant_id", "statement_id", "vote")


def read_votes_parquet(path: str | Path) -> PolisExport:
    """Read a Parquet vote log into a PolisExport (no texts, nothing moderated)."""
    import polars as pl

    source = Path(path)
    if not source.exists():
        raise NotFoundError(f"{source}: file not found")
    try:
        frame = pl.read_parquet(source)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise ExportFormatError(f"cannot read as Parquet ({error})", path=str(source)) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ExportFormatError(
            f"expected columns {', '.join(REQUIRED_COLUMNS)} (and optionally timestamp); "
            f"missing {', '.join(missing)}",
            path=str(source),
        )
    has_time = "timestamp" in frame.columns
    if has_time:
        frame = frame.sort("timestamp", maintain_order=True)
    try:
        pids = frame["participant_id"].cast(pl.Int64, strict=True).to_numpy()
        sids = frame["statement_id"].cast(pl.Int64, strict=True).to_numpy()
        raw = frame["vote"].cast(pl.Int64, strict=True).to_numpy()
    except pl.exceptions.PolarsError as error:
        raise ExportFormatError(f"non-integer ids or votes ({error})", path=str(source)) from None
    bad = (raw < -1) | (raw > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ExportFormatError(
            f"row {row}: vote {raw[row]} should be -1, 0 or 1", path=str(source)
        )
    ids = np.unique(sids)
    n = len(ids)
    statements = StatementTable(
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
    votes = VoteEvents(
        participant_ids=pids,
        statement_ids=sids,
        values=raw.astype(np.int8),
        timestamps=frame["timestamp"].cast(pl.Int64).to_numpy() if has_time else None,
    )
    return PolisExport(
        source=str(source),
        statements=statements,
        votes=votes,
        vote_source="votes.parquet",
        polis_groups=None,
        summary={},
        sign_flipped=False,
    )
