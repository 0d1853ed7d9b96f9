"""How closely parley's opinion groups reproduce Polis's own, on the 17 openData conversations.

For every conversation whose export has a vote matrix (participants-votes.csv), parley is run

* once on the final votes (a cold analysis, as ``parley analyze`` does), and
* for the 14 exports that also have the timestamped vote log (votes.csv), by replaying the
  log with one warm update per ``--replay-seconds`` of log time (as Polis's math worker
  updated a conversation while it ran), the in-conv rule applied at every
  ``--in-conv-poll`` seconds in between, a modelled worker restart after every quiet
  ``--restart-after`` seconds, and rejected comments zeroed from their last vote
  (``--moderation``); see docs/conformance.md.

Each result is compared with the ``group-id`` that Polis wrote to participants-votes.csv, on
the participants that both grouped: adjusted Rand index (sklearn), number of groups, and
accuracy after matching the labels one to one (Hungarian). red-dwarf's ARI and the 2-level
re-implementation's from docs/polis-math.md (section 3.3) are printed beside each row.

Run from the repository root::

    .venv/bin/python benchmarks/conformance.py [--replay-seconds 3600] [--json out.json]

The exports are looked up in ``$PARLEY_OPENDATA`` or ``../shared/polis-opendata``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score

from parley.core.matrix import build_vote_matrix
from parley.core.pipeline import Analysis, Params, analyze
from parley.core.replay import last_vote_times, replay
from parley.io.polis import PolisExport, read_polis_export

ROOT = Path(__file__).resolve().parents[1]
OPENDATA = Path(os.environ.get("PARLEY_OPENDATA", ROOT / ".." / "shared" / "polis-opendata"))

#: red-dwarf 0.4.0 ARI and the 2-level re-implementation's ARI (docs/polis-math.md, 3.3).
REFERENCE: dict[str, tuple[float, float]] = {
    "15-per-hour-seattle": (0.459, 0.563),
    "american-assembly.bowling-green": (0.424, 0.558),
    "austria-climate.2vkxcncppn.2022-07-07": (0.967, 0.971),
    "austria-climate.5twd2jsnkf.2022-08-08": (0.954, 0.977),
    "austria-climate.7z7ejpbmv5.2022-08-08": (0.830, 0.887),
    "bg2050-volunteers": (0.194, 1.000),
    "brexit-consensus": (0.636, 0.560),
    "canadian-electoral-reform": (1.000, 0.174),
    "football-concussions": (0.200, -0.07),
    "london.youth.policing": (0.122, -0.02),
    "scoop-hivemind.affordable-housing": (0.117, 0.101),
    "scoop-hivemind.biodiversity": (0.954, 0.989),
    "scoop-hivemind.freshwater": (0.132, 0.157),
    "scoop-hivemind.taxes": (0.910, 0.814),
    "scoop-hivemind.ubi": (0.095, 0.062),
    "ssis.land-bank-farmland.2rumnecbeh.2021-08-01": (0.742, 0.941),
    "vtaiwan.uberx": (0.826, 0.929),
}


@dataclass(frozen=True)
class Score:
    """Agreement of parley's groups with Polis's on the participants both grouped."""

    ari: float
    k: int
    polis_k: int
    accuracy: float
    n_both: int
    n_parley: int
    n_polis: int
    seconds: float


@dataclass(frozen=True)
class Row:
    """One conversation: the cold score and, when the export has votes.csv, the replay."""

    name: str
    cold: Score
    replayed: Score | None

    @property
    def best(self) -> Score:
        """The replay when there is one (it is the more faithful), else the cold analysis."""
        return self.replayed if self.replayed is not None else self.cold


def matched_accuracy(truth: np.ndarray, found: np.ndarray) -> float:
    """Share of points whose label agrees after the best one-to-one matching of labels."""
    t_names, t = np.unique(truth, return_inverse=True)
    f_names, f = np.unique(found, return_inverse=True)
    table = np.zeros((len(t_names), len(f_names)), dtype=np.int64)
    np.add.at(table, (t, f), 1)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / max(len(truth), 1))


def score(analysis: Analysis, export: PolisExport, seconds: float) -> Score:
    """Compare ``analysis.labels`` with Polis's group-id."""
    assert export.polis_groups is not None
    pids, gids = export.polis_groups
    rows = analysis.matrix.row_of(pids)
    labels = np.where(rows >= 0, analysis.labels[np.maximum(rows, 0)], -1)
    both = labels >= 0
    return Score(
        ari=float(adjusted_rand_score(gids[both], labels[both])),
        k=int(analysis.k),
        polis_k=len(np.unique(gids)),
        accuracy=matched_accuracy(gids[both], labels[both]),
        n_both=int(both.sum()),
        n_parley=int((analysis.labels >= 0).sum()),
        n_polis=len(pids),
        seconds=seconds,
    )


def run_one(
    name: str,
    *,
    replay_seconds: float | None,
    replay_votes: int | None,
    restart_after: float | None,
    moderation: str,
    params: Params,
    in_conv_poll: float | None = 1.0,
) -> Row:
    """Analyse one conversation cold and (when it has a vote log) by replay."""
    export = read_polis_export(OPENDATA / name)
    st = export.statements
    moderated_out = st.ids[st.moderated == -1]
    meta = st.ids[st.is_meta]
    ev = export.votes
    start = time.perf_counter()
    matrix = build_vote_matrix(
        ev.participant_ids, ev.statement_ids, ev.values, timestamps=ev.timestamps
    )
    cold = analyze(matrix, moderated_out=moderated_out, meta=meta, params=params)
    cold_score = score(cold, export, time.perf_counter() - start)
    replayed = None
    if ev.timestamps is not None and (replay_seconds is not None or replay_votes is not None):
        start = time.perf_counter()
        analysis = replay(
            ev.participant_ids,
            ev.statement_ids,
            ev.values,
            ev.timestamps,
            every_seconds=replay_seconds,
            every_votes=replay_votes,
            moderated_out=moderated_out,
            meta=meta,
            params=params,
            restart_after_seconds=restart_after,
            in_conv_poll_seconds=in_conv_poll,
            moderation_times=(
                last_vote_times(ev.statement_ids, ev.timestamps, moderated_out)
                if moderation == "last-vote"
                else None
            ),
        )
        replayed = score(analysis, export, time.perf_counter() - start)
    return Row(name, cold_score, replayed)


def conversations() -> list[str]:
    """Names of the exports that hold a vote matrix, sorted."""
    return sorted(d.name for d in OPENDATA.iterdir() if (d / "participants-votes.csv").exists())


def markdown(rows: list[Row], replay_label: str) -> str:
    """The results as a Markdown table followed by the medians."""
    lines = [
        f"| conversation | k parley/Polis | ARI cold (acc) | ARI replay {replay_label} (acc) "
        "| red-dwarf ARI | 2-level ARI |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        rd, two = REFERENCE.get(row.name, (float("nan"), float("nan")))
        c, r = row.cold, row.replayed
        ks = f"{c.k}/{c.polis_k}" if r is None else f"{c.k}, {r.k} replayed/{c.polis_k}"
        replay_cell = "-" if r is None else f"{r.ari:.3f} ({r.accuracy:.2f})"
        lines.append(
            f"| {row.name} | {ks} | {c.ari:.3f} ({c.accuracy:.2f}) | {replay_cell} "
            f"| {rd:.3f} | {two:.3f} |"
        )
    cold = [row.cold.ari for row in rows]
    best = [row.best.ari for row in rows]
    replayed = [row.replayed.ari for row in rows if row.replayed is not None]
    rd_all = [REFERENCE[row.name][0] for row in rows if row.name in REFERENCE]
    two_all = [REFERENCE[row.name][1] for row in rows if row.name in REFERENCE]
    lines += [
        "",
        f"Median ARI over {len(rows)} conversations: parley cold {statistics.median(cold):.3f}; "
        f"parley replay where a vote log exists, cold elsewhere {statistics.median(best):.3f}; "
        f"red-dwarf {statistics.median(rd_all):.3f}; 2-level {statistics.median(two_all):.3f}.",
    ]
    if replayed:
        lines.append(
            f"Median ARI of the {len(replayed)} replays: {statistics.median(replayed):.3f}."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replay-seconds",
        type=float,
        default=3600.0,
        help="one warm update per this much log time (default 3600)",
    )
    parser.add_argument(
        "--replay-votes", type=int, default=None, help="or one update every this many vote events"
    )
    parser.add_argument(
        "--restart-after",
        type=float,
        default=86400.0,
        help="model a worker restart after a gap of this many seconds in the "
        "log (default 86400; 0 for never)",
    )
    parser.add_argument(
        "--moderation",
        choices=("last-vote", "start"),
        default="last-vote",
        help="when a rejected comment is zeroed in a replay: from its last vote (default) "
        "or from the start",
    )
    parser.add_argument(
        "--in-conv-poll",
        type=float,
        default=1.0,
        help="in a replay, apply the in-conv rule every this many seconds of log time "
        "(default 1, Polis's poll interval; 0 for only at the ends of the updates)",
    )
    parser.add_argument("--no-replay", action="store_true", help="cold analyses only")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only conversations whose name contains this (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    if not OPENDATA.is_dir():
        print(f"no openData folder at {OPENDATA} (set PARLEY_OPENDATA)", file=sys.stderr)
        return 2
    seconds = None if args.no_replay or args.replay_votes else args.replay_seconds
    votes = None if args.no_replay else args.replay_votes
    restart = args.restart_after or None
    label = "-" if args.no_replay else (f"{votes} votes" if votes else f"{seconds:g} s")
    if restart and not args.no_replay:
        label += f", restart after {restart:g} s"
    if not args.no_replay:
        label += f", moderation from {args.moderation}"
        label += f", in-conv every {args.in_conv_poll:g} s" if args.in_conv_poll else ""
    rows = []
    for name in conversations():
        if args.only and not any(part in name for part in args.only):
            continue
        row = run_one(
            name,
            replay_seconds=seconds,
            replay_votes=votes,
            restart_after=restart,
            moderation=args.moderation,
            params=Params(),
            in_conv_poll=args.in_conv_poll or None,
        )
        rows.append(row)
        r = row.replayed
        print(
            f"{name}: cold {row.cold.ari:.3f} k={row.cold.k}"
            + ("" if r is None else f", replay {r.ari:.3f} k={r.k} ({r.seconds:.0f} s)"),
            file=sys.stderr,
            flush=True,
        )
    print(markdown(rows, label))
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
