"""Run parley and red-dwarf side by side on the same inputs and print time, memory and accuracy.

Each tool runs as its own process under ``/usr/bin/time -v``, so the wall time includes
interpreter start and imports, and the peak RSS is the whole process's. Run with the project
venv from the repository root::

    .venv/bin/python benchmarks/compare.py --opendata --scale small --scale 20k [--markdown]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generate import GENERATOR_VERSION
from measure import Measurement, have_gnu_time, run_measured, summarise
from scoring import (
    Labels,
    ari,
    consensus_recall,
    parley_consensus,
    parley_labels,
    planted_labels,
    polis_labels,
    reddwarf_consensus,
    reddwarf_labels,
)

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
PROJECT_PYTHON = ROOT / ".venv" / "bin" / "python"
PARLEY = ROOT / ".venv" / "bin" / "parley"
REDDWARF_PYTHON = ROOT / ".rdvenv" / "bin" / "python"
OPENDATA = ROOT.parent / "shared" / "polis-opendata"
OPENDATA_INPUTS = ("vtaiwan.uberx", "american-assembly.bowling-green")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Scale:
    """A synthetic input size and how to run it."""

    participants: int
    statements: int
    votes: int
    run_reddwarf: bool = True
    parquet: bool = False


SCALES = {
    "small": Scale(5_000, 500, 200_000),
    "20k": Scale(20_000, 1_000, 800_000),
    "1m": Scale(1_000_000, 10_000, 10_000_000, run_reddwarf=False, parquet=True),
}
REDDWARF_SKIP_NOTE = (
    "red-dwarf pivots votes into dense pandas float64 matrices "
    "(10^6 x 10^4 would need ~80 GB); pass --force-reddwarf to try"
)


@dataclass(frozen=True)
class RunOptions:
    """How each tool is run: repetitions, time limit and environment."""

    repeat: int
    timeout: float
    env: dict[str, str] | None = None


@dataclass
class Input:
    """One input conversation and everything measured on it."""

    name: str
    kind: str  # "opendata" or "synthetic"
    path: Path
    parquet: Path | None = None
    run_reddwarf: bool = True
    n_participants: int = 0
    n_statements: int = 0
    n_votes: int = 0
    reference: Labels | None = None
    planted_consensus: list[int] | None = None
    generation: Measurement | None = None
    load_before: float | None = None  # 1-minute load average when its runs started
    tools: dict[str, Measurement] = field(default_factory=dict)
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)


def shape_of_export(export_dir: Path) -> tuple[int, int, int]:
    """Count participants, statements and final votes of a Polis export folder."""
    with open(export_dir / "comments.csv", newline="", encoding="utf-8") as handle:
        n_statements = sum(1 for _ in csv.DictReader(handle))
    votes_csv = export_dir / "votes.csv"
    if votes_csv.exists():
        with open(votes_csv, newline="", encoding="utf-8") as handle:
            pairs = {(row["voter-id"], row["comment-id"]) for row in csv.DictReader(handle)}
        return len({p for p, _ in pairs}), n_statements, len(pairs)
    with open(export_dir / "participants-votes.csv", newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        first_vote = header.index("n-disagree") + 1
        n_participants = n_votes = 0
        for row in reader:
            n_participants += 1
            n_votes += sum(1 for cell in row[first_vote:] if cell.strip())
    return n_participants, n_statements, n_votes


def opendata_input(name: str) -> Input | None:
    """Describe one openData conversation, or None when it is not on this machine."""
    path = OPENDATA / name
    if not (path / "comments.csv").exists():
        return None
    item = Input(name=name, kind="opendata", path=path)
    item.n_participants, item.n_statements, item.n_votes = shape_of_export(path)
    item.reference = polis_labels(path)
    return item


def read_planted(path: Path) -> dict[str, Any] | None:
    """Read planted.json, which generate.py writes last, so it marks a complete folder."""
    planted_json = path / "planted.json"
    if not planted_json.exists():
        return None
    planted: dict[str, Any] = json.loads(planted_json.read_text(encoding="utf-8"))
    return planted


def matches(planted: dict[str, Any], scale: Scale, seed: int) -> bool:
    """Tell whether cached data was made by this generator version with these arguments."""
    config = planted.get("config", {})
    wanted = {
        "n_participants": scale.participants,
        "n_statements": scale.statements,
        "n_votes": scale.votes,
        "n_groups": 3,
        "seed": seed,
    }
    return planted.get("generator_version") == GENERATOR_VERSION and all(
        config.get(key) == value for key, value in wanted.items()
    )


def synthetic_input(scale_name: str, seed: int, timeout: float) -> Input:
    """Generate (or reuse from benchmarks/data) one synthetic scale and describe it."""
    scale = SCALES[scale_name]
    path = DATA / f"{scale_name}-seed{seed}"
    item = Input(
        name=f"synthetic-{scale_name}", kind="synthetic", path=path, run_reddwarf=scale.run_reddwarf
    )
    planted = read_planted(path)
    if planted is None or not matches(planted, scale, seed):
        command = [
            str(PROJECT_PYTHON), str(BENCH / "generate.py"), str(path),
            "--participants", str(scale.participants), "--statements", str(scale.statements),
            "--votes", str(scale.votes), "--groups", "3", "--seed", str(seed),
        ]  # fmt: skip
        if scale.parquet:
            command.append("--parquet")
        print(f"generating {path.relative_to(ROOT)} ...", file=sys.stderr, flush=True)
        path.mkdir(parents=True, exist_ok=True)
        item.generation = run_measured(command, log_path=path / "generate.log", timeout=timeout)
        planted = read_planted(path)
        if not item.generation.ok or planted is None:
            raise SystemExit(f"generate.py failed: {item.generation.note}")
    item.n_participants = planted["n_participants"]
    item.n_statements = planted["n_statements"]
    item.n_votes = planted["n_final_votes"]
    item.reference = planted_labels(planted)
    item.planted_consensus = planted["consensus_statement_ids"]
    if scale.parquet and (path / "votes.parquet").exists():
        item.parquet = path / "votes.parquet"
    return item


def parley_help(parley: Path) -> str | None:
    """Return the help text of ``parley analyze``, or None when that command is not there yet."""
    if not parley.exists():
        return None
    try:
        done = subprocess.run(
            [str(parley), "analyze", "--help"], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def run_reddwarf(item: Input, out_dir: Path, options: RunOptions) -> None:
    """Time red-dwarf on one input and score its labels and consensus."""
    if not REDDWARF_PYTHON.exists():
        item.tools["red-dwarf"] = Measurement("n/a", note=f"{REDDWARF_PYTHON} is missing")
        return
    labels_csv, summary_json = out_dir / "reddwarf-labels.csv", out_dir / "reddwarf.json"
    command = [
        str(REDDWARF_PYTHON), str(BENCH / "run_reddwarf.py"), str(item.path),
        "--out", str(labels_csv), "--json", str(summary_json),
    ]  # fmt: skip
    runs = [
        run_measured(
            command,
            log_path=out_dir / f"reddwarf-{i}.log",
            timeout=options.timeout,
            env=options.env,
        )
        for i in range(options.repeat)
    ]
    item.tools["red-dwarf"] = summarise(runs)
    if item.tools["red-dwarf"].ok:
        score, n_scored = ari(reddwarf_labels(labels_csv), item.reference)
        found = reddwarf_consensus(summary_json)
        item.scores["red-dwarf"] = {
            "ari": score,
            "n_scored": n_scored,
            "consensus_recall": consensus_recall(found, item.planted_consensus),
        }


def run_parley(
    item: Input, out_dir: Path, parley: Path, help_text: str | None, options: RunOptions
) -> None:
    """Time ``parley analyze`` on one input and score its labels and consensus."""
    if help_text is None:
        item.tools["parley"] = Measurement("n/a", note="`parley analyze` is not available yet")
        return
    source = item.path
    if item.parquet is not None and "parquet" in help_text.lower():
        source = item.parquet
    out_json = out_dir / "parley.json"
    command = [str(parley), "analyze", str(source), "--out", str(out_json)]
    runs = [
        run_measured(
            command, log_path=out_dir / f"parley-{i}.log", timeout=options.timeout, env=options.env
        )
        for i in range(options.repeat)
    ]
    item.tools["parley"] = summarise(runs)
    if item.tools["parley"].ok and out_json.exists():
        result = json.loads(out_json.read_text(encoding="utf-8"))
        score, n_scored = ari(parley_labels(result), item.reference)
        found = parley_consensus(result)
        item.scores["parley"] = {
            "ari": score,
            "n_scored": n_scored,
            "consensus_recall": consensus_recall(found, item.planted_consensus),
            "source": source.name,
        }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Return numerator / denominator when both are known and the denominator is positive."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def fmt_seconds(m: Measurement | None) -> str:
    """Format a wall time, or the status when there is none."""
    if m is None or not m.ok or m.wall_seconds is None:
        return m.status if m else "n/a"
    return f"{m.wall_seconds:.2f} s"


def fmt_memory(m: Measurement | None) -> str:
    """Format a peak RSS in MB or GB, or the status when there is none."""
    if m is None or not m.ok or m.peak_rss_mb is None:
        return m.status if m else "n/a"
    if m.peak_rss_mb >= 1024:
        return f"{m.peak_rss_mb / 1024:.2f} GB"
    return f"{m.peak_rss_mb:.0f} MB"


def fmt_number(value: float | None, digits: int = 3, suffix: str = "") -> str:
    """Format an optional number."""
    return "n/a" if value is None else f"{value:.{digits}f}{suffix}"


def row_of(item: Input) -> dict[str, str]:
    """Build one display row for an input."""
    rd, pl = item.tools.get("red-dwarf"), item.tools.get("parley")
    wall_ratio = rss_ratio = None
    if rd is not None and pl is not None and rd.ok and pl.ok:
        wall_ratio = ratio(rd.wall_seconds, pl.wall_seconds)
        rss_ratio = ratio(rd.peak_rss_mb, pl.peak_rss_mb)
    rd_score, pl_score = item.scores.get("red-dwarf", {}), item.scores.get("parley", {})
    recall = ""
    if item.planted_consensus:
        recall = (
            f"{fmt_number(rd_score.get('consensus_recall'), 2)} / "
            f"{fmt_number(pl_score.get('consensus_recall'), 2)}"
        )
    return {
        "input": item.name,
        "participants x statements x votes": (
            f"{item.n_participants:,} x {item.n_statements:,} x {item.n_votes:,}"
        ),
        "red-dwarf wall": fmt_seconds(rd),
        "red-dwarf RSS": fmt_memory(rd),
        "parley wall": fmt_seconds(pl),
        "parley RSS": fmt_memory(pl),
        "wall rd/parley": fmt_number(wall_ratio, 1, "x"),
        "RSS rd/parley": fmt_number(rss_ratio, 1, "x"),
        "ARI red-dwarf": fmt_number(rd_score.get("ari")),
        "ARI parley": fmt_number(pl_score.get("ari")),
        "consensus recall rd / parley": recall or "-",
    }


def print_text_table(rows: list[dict[str, str]]) -> None:
    """Print rows as an aligned plain-text table."""
    headers = list(rows[0])
    widths = [max(len(h), *(len(r[h]) for r in rows)) for h in headers]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(row[h].ljust(w) for h, w in zip(headers, widths, strict=True)))


def print_markdown_table(rows: list[dict[str, str]]) -> None:
    """Print rows as a Markdown table for docs/performance.md."""
    headers = list(rows[0])
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(row[h] for h in headers) + " |")


def machine_facts() -> dict[str, Any]:
    """Collect what a reader needs to compare numbers across machines."""
    facts: dict[str, Any] = {
        "load_average_1min": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_with": "/usr/bin/time -v",
    }
    with open("/proc/meminfo", encoding="ascii") as handle:
        facts["memory_gb"] = round(int(handle.readline().split()[1]) / 1024**2, 1)
    try:
        facts["git_commit"] = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        facts["git_commit"] = None
    if REDDWARF_PYTHON.exists():
        version = "import importlib.metadata as m; print(m.version('red-dwarf'))"
        facts["red_dwarf"] = subprocess.run(
            [str(REDDWARF_PYTHON), "-c", version], capture_output=True, text=True
        ).stdout.strip()
    return facts


def record_of(item: Input, facts: dict[str, Any], stamp: str) -> dict[str, Any]:
    """Build the JSON-lines record of one input."""
    return {
        "run": stamp,
        "input": item.name,
        "kind": item.kind,
        "path": str(item.path),
        "n_participants": item.n_participants,
        "n_statements": item.n_statements,
        "n_votes": item.n_votes,
        "generation": item.generation.to_dict() if item.generation else None,
        "load_average_before": item.load_before,
        "tools": {name: m.to_dict() for name, m in item.tools.items()},
        "scores": item.scores,
        "machine": facts,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--opendata", action="store_true", help="vtaiwan and bowling-green from shared/"
    )
    parser.add_argument(
        "--scale", action="append", choices=list(SCALES), default=[], help="repeatable"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool (median reported)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per process")
    parser.add_argument(
        "--threads", type=int, help="set OMP/OpenBLAS/MKL thread counts for both tools"
    )
    parser.add_argument("--force-reddwarf", action="store_true", help="run red-dwarf at 1m too")
    parser.add_argument("--skip-reddwarf", action="store_true")
    parser.add_argument("--skip-parley", action="store_true")
    parser.add_argument("--parley", type=Path, default=PARLEY, help="parley executable to time")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    if not args.opendata and not args.scale:
        args.opendata, args.scale = True, ["small"]
    return args


def run_options(args: argparse.Namespace) -> RunOptions:
    """Build the run options; --threads caps the BLAS and OpenMP pools of both tools alike."""
    env = None
    if args.threads:
        env = dict(os.environ)
        for name in THREAD_VARIABLES:
            env[name] = str(args.threads)
    return RunOptions(repeat=args.repeat, timeout=args.timeout, env=env)


def measure_input(
    item: Input, args: argparse.Namespace, help_text: str | None, run_dir: Path
) -> None:
    """Run both tools on one input, one after the other, and score them."""
    out_dir = run_dir / item.name
    options = run_options(args)
    print(f"running {item.name} ...", file=sys.stderr, flush=True)
    item.load_before = os.getloadavg()[0]
    if args.skip_reddwarf:
        item.tools["red-dwarf"] = Measurement("skipped", note="--skip-reddwarf")
    elif item.run_reddwarf or args.force_reddwarf:
        run_reddwarf(item, out_dir, options)
    else:
        item.tools["red-dwarf"] = Measurement("skipped", note=REDDWARF_SKIP_NOTE)
    if args.skip_parley:
        item.tools["parley"] = Measurement("skipped", note="--skip-parley")
    else:
        run_parley(item, out_dir, args.parley, help_text, options)


def notes_of(item: Input) -> list[str]:
    """List what a reader of the table should know about one input."""
    notes = [
        f"{item.name} / {tool}: {m.status}: {m.note}"
        for tool, m in item.tools.items()
        if m.note and not m.ok
    ]
    if item.generation is not None:
        g = item.generation
        notes.append(f"{item.name}: generated in {fmt_seconds(g)}, peak RSS {fmt_memory(g)}")
    return notes


def main(argv: list[str] | None = None) -> int:
    """Measure every requested input and print and save the results."""
    args = parse_args(argv)
    if not have_gnu_time():
        print(
            "compare.py needs /usr/bin/time: apt-get update && apt-get install -y time",
            file=sys.stderr,
        )
        return 2
    facts = machine_facts()
    facts["threads"] = args.threads
    if facts["load_average_1min"] > 0.5:
        print(
            f"warning: load average {facts['load_average_1min']:.1f} at start: other work on "
            "this machine inflates wall times; --threads 1 makes runs steadier",
            file=sys.stderr,
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = RESULTS / stamp
    help_text = None if args.skip_parley else parley_help(args.parley)

    inputs: list[Input] = []
    if args.opendata:
        for name in OPENDATA_INPUTS:
            item = opendata_input(name)
            if item is None:
                print(f"skipping {name}: not found under {OPENDATA}", file=sys.stderr)
            else:
                inputs.append(item)
    inputs += [synthetic_input(name, args.seed, args.timeout) for name in dict.fromkeys(args.scale)]
    if not inputs:
        print("no inputs", file=sys.stderr)
        return 1

    RESULTS.mkdir(parents=True, exist_ok=True)
    results_path = RESULTS / f"compare-{stamp}.jsonl"
    for item in inputs:
        measure_input(item, args, help_text, run_dir)
        with open(results_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record_of(item, facts, stamp)) + "\n")

    rows = [row_of(item) for item in inputs]
    print()
    print_text_table(rows)
    print()
    print(
        f"{facts['cpus']} CPUs, {facts['memory_gb']} GB, Python {facts['python']}, "
        f"red-dwarf {facts.get('red_dwarf', 'n/a')}, parley commit {facts['git_commit']}; "
        f"wall and peak RSS per process ({facts['measured_with']}), imports included. "
        "ARI against planted groups (synthetic) or Polis's group-id (openData)."
    )
    for item in inputs:
        for note in notes_of(item):
            print(f"- {note}")
    if args.markdown:
        print()
        print_markdown_table(rows)
    print(f"\nresults: {results_path.relative_to(ROOT)}")
    print(f"outputs and logs: {run_dir.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
