"""Run red-dwarf 0.4.0's Polis pipeline on a Polis export folder and write participant labels.

Runs under the separate red-dwarf venv (``.rdvenv``), never the project venv::

    .rdvenv/bin/python benchmarks/run_reddwarf.py EXPORT_DIR --out labels.csv [--json run.json]

Votes come from votes.csv (an event log: the last vote per participant and statement wins) or,
when that file is absent, from participants-votes.csv. Statements with ``moderated == -1`` in
comments.csv are moderated out. The call is ``reddwarf.implementations.polis.run_pipeline(
votes=..., mod_out_statement_ids=..., random_state=0)``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd
from reddwarf.implementations import polis


def seconds_since_process_start() -> float:
    """Return how long ago this process started, from /proc (10 ms resolution)."""
    with open("/proc/uptime", encoding="ascii") as handle:
        uptime = float(handle.read().split()[0])
    with open("/proc/self/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])  # field 22 of stat(5), counted after the command name
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


STARTUP_SECONDS = seconds_since_process_start()  # interpreter start and imports
IMPORTED = time.perf_counter()
WIDE_META_COLUMNS = {"participant", "xid", "group-id", "n-comments", "n-votes", "n-agree"}
WIDE_META_COLUMNS |= {"n-disagree"}


def votes_from_log(path: Path) -> pd.DataFrame:
    """Read votes.csv and keep the last vote of every (participant, statement) pair."""
    log = pd.read_csv(path, usecols=["timestamp", "comment-id", "voter-id", "vote"])
    log = log.sort_values("timestamp", kind="stable")
    last = log.drop_duplicates(subset=["voter-id", "comment-id"], keep="last")
    return pd.DataFrame(
        {
            "participant_id": last["voter-id"].to_numpy(),
            "statement_id": last["comment-id"].to_numpy(),
            "vote": last["vote"].to_numpy(),
            "modified": last["timestamp"].to_numpy(),
        }
    )


def votes_from_wide(path: Path) -> pd.DataFrame:
    """Read participants-votes.csv (one row per participant, one column per statement)."""
    wide = pd.read_csv(path)
    statement_columns = [c for c in wide.columns if c not in WIDE_META_COLUMNS]
    long = wide.melt(
        id_vars=["participant"],
        value_vars=statement_columns,
        var_name="statement_id",
        value_name="vote",
    ).dropna(subset=["vote"])
    return pd.DataFrame(
        {
            "participant_id": long["participant"].astype("int64").to_numpy(),
            "statement_id": long["statement_id"].astype("int64").to_numpy(),
            "vote": long["vote"].astype("int64").to_numpy(),
            "modified": 0,
        }
    )


def load_votes(export_dir: Path) -> pd.DataFrame:
    """Load final votes from an export folder, preferring votes.csv."""
    if (export_dir / "votes.csv").exists():
        return votes_from_log(export_dir / "votes.csv")
    if (export_dir / "participants-votes.csv").exists():
        return votes_from_wide(export_dir / "participants-votes.csv")
    raise SystemExit(f"{export_dir}: neither votes.csv nor participants-votes.csv")


def moderated_out_ids(export_dir: Path) -> list[int]:
    """Return the ids of statements rejected by moderators (moderated == -1)."""
    comments = pd.read_csv(export_dir / "comments.csv", usecols=["comment-id", "moderated"])
    return sorted(int(i) for i in comments.loc[comments["moderated"] == -1, "comment-id"])


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("labels.csv"))
    parser.add_argument("--json", type=Path, help="also write k, consensus ids and timings here")
    return parser.parse_args()


def main() -> int:
    """Load the export, run the pipeline and write labels."""
    args = parse_args()
    frame = load_votes(args.export_dir)
    mod_out = moderated_out_ids(args.export_dir)
    votes = frame.to_dict("records")  # red-dwarf takes a list of vote dicts
    loaded = time.perf_counter()

    result = polis.run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=0)
    finished = time.perf_counter()

    participants = result.participants_df
    labels = participants["cluster_id"]
    out = pd.DataFrame({"participant": participants.index.astype("int64"), "group": labels})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)

    if args.json:
        summary = {
            "tool": "red-dwarf",
            "n_participants": int(participants.shape[0]),
            "n_statements": int(result.raw_vote_matrix.shape[1]),
            "n_votes": len(votes),
            "n_clustered": int(labels.notna().sum()),
            "k": int(labels.dropna().nunique()),
            "consensus_agree_ids": [int(s["tid"]) for s in result.consensus["agree"]],
            "consensus_disagree_ids": [int(s["tid"]) for s in result.consensus["disagree"]],
            "seconds": {
                "startup_and_import": round(STARTUP_SECONDS, 3),
                "load": round(loaded - IMPORTED, 3),
                "pipeline": round(finished - loaded, 3),
            },
        }
        args.json.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
