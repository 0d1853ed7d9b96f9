"""Write a PolisExport back to disk in the openData (+1 = agree) convention."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from parley.core.matrix import deduplicate_last_vote
from parley.errors import InputError

from .polis_model import (
    COMMENTS_HEADER_NEWEST,
    PARTICIPANTS_VOTES_FIXED,
    VOTES_HEADER,
    PolisExport,
)

__all__ = ["polis_csv_texts", "write_polis_export"]

_JAVA_DATE = "%a %b %d %H:%M:%S UTC %Y"  # like the Clojure export's datetime, in UTC


def write_polis_export(export: PolisExport, directory: str | Path) -> None:
    """Write comments.csv, votes.csv, participants-votes.csv and summary.csv to a folder."""
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    unknown = np.setdiff1d(export.votes.statement_ids, export.statements.ids)
    if len(unknown):
        raise InputError(f"votes on statement id(s) {unknown[:5].tolist()} not in the statements")
    if export.votes.timestamps is None and (out / "votes.csv").exists():
        raise InputError(
            f"{out / 'votes.csv'}: already exists, and this export has no vote log to write "
            "there; it would shadow participants-votes.csv on reading. Remove it or pick "
            "an empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    _comments_frame(export).write_csv(out / "comments.csv")
    if export.votes.timestamps is not None:
        _votes_frame(export, export.votes.timestamps).write_csv(out / "votes.csv")
    _participants_votes_frame(export).write_csv(out / "participants-votes.csv")
    summary = pl.DataFrame(
        {"key": list(export.summary), "value": list(export.summary.values())},
        schema={"key": pl.String, "value": pl.String},
    )
    summary.write_csv(out / "summary.csv", include_header=False)


def polis_csv_texts(export: PolisExport) -> dict[str, str]:
    """Return the export's CSV files as text, by file name, as ``write_polis_export`` writes them.

    votes.csv is left out when the export has no vote log.
    """
    texts = {"comments.csv": _comments_frame(export).write_csv()}
    if export.votes.timestamps is not None:
        texts["votes.csv"] = _votes_frame(export, export.votes.timestamps).write_csv()
    texts["participants-votes.csv"] = _participants_votes_frame(export).write_csv()
    summary = pl.DataFrame(
        {"key": list(export.summary), "value": list(export.summary.values())},
        schema={"key": pl.String, "value": pl.String},
    )
    texts["summary.csv"] = summary.write_csv(include_header=False)
    return texts


def _comments_frame(export: PolisExport) -> pl.DataFrame:
    st = export.statements
    n = len(st.ids)
    gic = st.group_informed_consensus
    frame = pl.DataFrame(
        {
            "timestamp": pl.Series(st.timestamps, dtype=pl.Int64),
            "comment-id": pl.Series(st.ids, dtype=pl.Int64),
            "author-id": pl.Series(st.author_ids, dtype=pl.Int64),
            "agrees": pl.Series(st.agrees, dtype=pl.Int64),
            "disagrees": pl.Series(st.disagrees, dtype=pl.Int64),
            "moderated": pl.Series(st.moderated, dtype=pl.Int64),
            "is-meta": pl.Series(st.is_meta, dtype=pl.Boolean),
            "is-seed": pl.Series(st.is_seed, dtype=pl.Boolean),
            "group-informed-consensus": pl.Series(
                np.full(n, np.nan) if gic is None else gic, dtype=pl.Float64
            ),
            "comment-body": pl.Series(st.texts, dtype=pl.String),
        }
    )
    missing = pl.col("timestamp", "author-id")
    return frame.with_columns(
        pl.when(missing >= 0).then(missing),
        pl.col("group-informed-consensus").fill_nan(None),
    ).select(COMMENTS_HEADER_NEWEST)


def _votes_frame(export: PolisExport, timestamps: NDArray[np.int64]) -> pl.DataFrame:
    v = export.votes
    ts = pl.Series("timestamp", timestamps, dtype=pl.Int64)
    return pl.DataFrame(
        {
            "timestamp": ts,
            "datetime": pl.from_epoch(ts, time_unit="ms").dt.strftime(_JAVA_DATE),
            "comment-id": pl.Series(v.statement_ids, dtype=pl.Int64),
            "voter-id": pl.Series(v.participant_ids, dtype=pl.Int64),
            "vote": pl.Series(v.values, dtype=pl.Int8),
        }
    ).select(VOTES_HEADER)


def _participants_votes_frame(export: PolisExport) -> pl.DataFrame:
    v, st = export.votes, export.statements
    pids, sids, vals = deduplicate_last_vote(
        v.participant_ids, v.statement_ids, v.values, timestamps=v.timestamps
    )
    final = pl.DataFrame(
        {
            "participant": pl.Series(pids, dtype=pl.Int64),
            "column": pl.Series(sids, dtype=pl.Int64).cast(pl.String),
            "vote": pl.Series(vals, dtype=pl.Int8),
        }
    )
    people = [pids]
    groups = pl.DataFrame(schema={"participant": pl.Int64, "group-id": pl.Int64})
    if export.polis_groups is not None:
        gp, gg = export.polis_groups
        people.append(gp)
        groups = pl.DataFrame(
            {
                "participant": pl.Series(gp, dtype=pl.Int64),
                "group-id": pl.Series(gg, dtype=pl.Int64),
            }
        )
    authors = st.author_ids[st.author_ids >= 0]
    rows = pl.DataFrame(
        {"participant": pl.Series(np.unique(np.concatenate(people)), dtype=pl.Int64)}
    )
    authored = (
        pl.DataFrame({"participant": pl.Series(authors, dtype=pl.Int64)})
        .group_by("participant")
        .agg(pl.len().cast(pl.Int64).alias("n-comments"))
    )
    counts = final.group_by("participant").agg(
        pl.len().cast(pl.Int64).alias("n-votes"),
        (pl.col("vote") == 1).sum().cast(pl.Int64).alias("n-agree"),
        (pl.col("vote") == -1).sum().cast(pl.Int64).alias("n-disagree"),
    )
    columns = [str(i) for i in st.ids]
    wide = (
        final.pivot(on="column", index="participant", values="vote")
        if final.height
        else pl.DataFrame(schema={"participant": pl.Int64})
    )
    wide = wide.with_columns(
        pl.lit(None, dtype=pl.Int8).alias(c) for c in columns if c not in wide.columns
    )
    return (
        rows.join(groups, on="participant", how="left")
        .join(authored, on="participant", how="left")
        .join(counts, on="participant", how="left")
        .join(wide, on="participant", how="left")
        .with_columns(pl.col("n-comments", "n-votes", "n-agree", "n-disagree").fill_null(0))
        .sort("participant")
        .select(*PARTICIPANTS_VOTES_FIXED, *columns)
    )
