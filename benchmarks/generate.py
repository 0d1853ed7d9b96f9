"""Write a seeded synthetic Polis export with planted opinion groups and consensus statements.

The output folder looks like a Polis openData export (comments.csv, votes.csv, summary.csv) plus
votes.parquet (optional) and planted.json, which holds the truth a run can be scored against:
the latent group of every participant and the planted consensus statement ids.

Votes are generated and written in chunks of participants, each chunk with its own
``numpy.random.Generator`` seeded from ``(seed, chunk index)``, so memory stays bounded and the
output depends only on the arguments (the chunk size is fixed on purpose).

Run with the project venv (numpy and pyarrow)::

    .venv/bin/python benchmarks/generate.py OUT_DIR --participants 5000 --statements 500 \
        --votes 200000 --groups 3 --seed 0
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

GENERATOR_VERSION = 2  # bump when the same arguments would produce different data
CHUNK_PARTICIPANTS = 50_000
T0_MS = 1_700_000_000_000  # conversation opens 2023-11-14 22:13:20 UTC
STATEMENT_SPACING_MS = 1_000  # statements are all seeded before voting opens
PARTICIPANT_SPACING_MS = 2_000
VOTE_GAP_MAX_MS = 20_000
JAVA_DATE_FORMAT = "%a %b %d %H:%M:%S UTC %Y"  # as in the exports: "Wed Jun 18 08:16:54 WIB 2014"

# Plain CSV like the exports: no value written here contains a comma, quote or newline.
CSV_OPTIONS = pacsv.WriteOptions(quoting_style="none", quoting_header="none")

VOTES_SCHEMA = pa.schema(
    [
        ("participant_id", pa.int64()),
        ("statement_id", pa.int64()),
        ("vote", pa.int8()),
        ("timestamp", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Config:
    """Parameters of one synthetic conversation."""

    n_participants: int
    n_statements: int
    n_votes: int
    n_groups: int
    seed: int
    n_consensus: int = 5
    divisive_fraction: float = 0.4
    moderated_fraction: float = 0.03
    pass_probability: float = 0.15
    revote_fraction: float = 0.01
    votes_dispersion: float = 4.0


@dataclass(frozen=True)
class Plant:
    """The hidden structure of a conversation: group sizes and per-group agree probabilities."""

    group_weights: NDArray[np.float64]  # shape (n_groups,)
    agree_probability: NDArray[np.float64]  # shape (n_groups, n_statements)
    kind: NDArray[np.int8]  # shape (n_statements,): 0 background, 1 consensus, 2 divisive
    moderated_out: NDArray[np.bool_]  # shape (n_statements,)


def validate(config: Config) -> None:
    """Raise ValueError when the parameters cannot describe a conversation."""
    if config.n_participants < 1 or config.n_statements < 1 or config.n_groups < 1:
        raise ValueError("participants, statements and groups must all be >= 1")
    if config.n_votes < config.n_participants:
        raise ValueError(
            f"votes={config.n_votes} should be >= participants={config.n_participants}"
        )
    if config.n_votes > config.n_participants * config.n_statements:
        raise ValueError(
            f"votes={config.n_votes} exceeds participants x statements="
            f"{config.n_participants * config.n_statements}"
        )
    if config.n_consensus + 1 > config.n_statements:
        raise ValueError(f"consensus={config.n_consensus} leaves no other statement")


def plant_structure(config: Config) -> Plant:
    """Draw group sizes, statement kinds and each group's agree probability per statement."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 0]))
    k, m = config.n_groups, config.n_statements
    # Unequal groups: weights 1, 0.6, 0.36, ... (k=3 gives about 51% / 31% / 18%).
    weights = 0.6 ** np.arange(k, dtype=np.float64)
    weights /= weights.sum()

    kind = np.zeros(m, dtype=np.int8)
    order = rng.permutation(m)
    n_divisive = min(round(config.divisive_fraction * m), m - config.n_consensus)
    kind[order[: config.n_consensus]] = 1
    if k > 1:
        kind[order[config.n_consensus : config.n_consensus + n_divisive]] = 2

    # Background statements: one shared lean, small group-specific jitter.
    base = rng.uniform(0.40, 0.72, size=m)
    agree = np.clip(base[None, :] + rng.uniform(-0.08, 0.08, size=(k, m)), 0.02, 0.98)
    consensus = kind == 1
    agree[:, consensus] = rng.uniform(0.85, 0.97, size=(k, int(consensus.sum())))
    divisive = np.flatnonzero(kind == 2)
    if divisive.size:
        # Each divisive statement splits the groups into a random non-empty proper subset that
        # agrees and the rest that disagrees; bit patterns 1 .. 2^k - 2 enumerate those subsets.
        pattern = rng.integers(1, 2**k - 1, size=divisive.size)
        agrees = ((pattern[None, :] >> np.arange(k)[:, None]) & 1).astype(bool)
        high = rng.uniform(0.75, 0.92, size=(k, divisive.size))
        low = rng.uniform(0.08, 0.30, size=(k, divisive.size))
        agree[:, divisive] = np.where(agrees, high, low)

    candidates = np.flatnonzero(kind == 0)
    n_moderated = min(round(config.moderated_fraction * m), candidates.size)
    moderated_out = np.zeros(m, dtype=bool)
    moderated_out[rng.choice(candidates, size=n_moderated, replace=False)] = True
    return Plant(weights, agree, kind, moderated_out)


def draw_vote_counts(rng: np.random.Generator, config: Config, size: int) -> NDArray[np.int64]:
    """Draw votes per participant: negative binomial around votes/participants, in [1, M]."""
    mean = config.n_votes / config.n_participants
    extra = max(mean - 1.0, 1e-9)  # everyone casts at least one vote
    r = config.votes_dispersion
    counts = 1 + rng.negative_binomial(r, r / (r + extra), size=size)
    return np.minimum(counts, config.n_statements).astype(np.int64)


def sample_statements(
    rng: np.random.Generator, counts: NDArray[np.int64], n_statements: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pick counts[i] distinct statements for each participant i; return (owner, statement)."""
    n = counts.size
    # Oversample with replacement, drop repeated pairs, then keep a random counts[i] of the
    # distinct draws: given its size, the set of distinct draws is a uniform random subset.
    draws = np.ceil(counts * 1.5).astype(np.int64) + 8
    owner = np.repeat(np.arange(n, dtype=np.int64), draws)
    statement = rng.integers(0, n_statements, size=owner.size, dtype=np.int64)
    pairs = np.sort(owner * n_statements + statement)  # a plain sort beats np.unique's hashing
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
    owner, statement = pairs // n_statements, pairs % n_statements
    # Shuffle within each participant: sort by (owner, 40 random bits) packed in one int64
    # (owner < CHUNK_PARTICIPANTS < 2**23), much faster than a lexsort.
    order = np.argsort((owner << 40) | rng.integers(0, 1 << 40, size=owner.size))
    owner, statement = owner[order], statement[order]
    starts = np.searchsorted(owner, np.arange(n))
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < counts[owner]
    owner, statement = owner[keep], statement[keep]

    # Participants with too few distinct draws (only when counts[i] is close to M): redo exactly.
    short = np.flatnonzero(np.bincount(owner, minlength=n) < counts)
    if short.size:
        extra_owner = [np.full(counts[i], i, dtype=np.int64) for i in short]
        extra_statement = [rng.choice(n_statements, counts[i], replace=False) for i in short]
        drop = np.isin(owner, short)
        owner = np.concatenate([owner[~drop], *extra_owner])
        statement = np.concatenate([statement[~drop], *extra_statement]).astype(np.int64)
        regroup = np.argsort(owner, kind="stable")  # callers rely on owner being sorted
        owner, statement = owner[regroup], statement[regroup]
    return owner, statement


def draw_votes(
    rng: np.random.Generator,
    groups: NDArray[np.int8],
    statement: NDArray[np.int64],
    plant: Plant,
    pass_probability: float,
) -> NDArray[np.int8]:
    """Draw +1 / -1 / 0 for each (participant group, statement) pair."""
    u = rng.random(statement.size)
    p_agree = plant.agree_probability[groups, statement] * (1.0 - pass_probability)
    vote = np.where(u < p_agree, 1, np.where(u < 1.0 - pass_probability, -1, 0))
    return vote.astype(np.int8)


def make_chunk(
    config: Config, plant: Plant, chunk_index: int, first: int, size: int
) -> tuple[pa.Table, NDArray[np.int8], int]:
    """Generate one chunk of participants; return its vote events, their groups, final votes."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 1, chunk_index]))
    groups = rng.choice(config.n_groups, size=size, p=plant.group_weights).astype(np.int8)
    counts = draw_vote_counts(rng, config, size)
    owner, statement = sample_statements(rng, counts, config.n_statements)
    vote = draw_votes(rng, groups[owner], statement, plant, config.pass_probability)

    # Time: participant i arrives at T0 + i * spacing and votes every few seconds.
    arrival = T0_MS + (first + np.arange(size, dtype=np.int64)) * PARTICIPANT_SPACING_MS
    gaps = rng.integers(1_000, VOTE_GAP_MAX_MS, size=owner.size, dtype=np.int64)
    owner_starts = np.searchsorted(owner, np.arange(size))
    cumulative = np.cumsum(gaps)
    before_owner = np.where(owner_starts > 0, cumulative[owner_starts - 1], 0)
    timestamp = arrival[owner] + cumulative - before_owner[owner]

    # Re-votes: an earlier, superseded event with a different value for a few pairs.
    revoted = np.flatnonzero(rng.random(owner.size) < config.revote_fraction)
    old_vote = (vote[revoted] + 1 + rng.integers(1, 3, size=revoted.size)) % 3 - 1
    old_time = timestamp[revoted] - rng.integers(1, 60_000, size=revoted.size)
    all_owner = np.concatenate([owner, owner[revoted]])
    all_statement = np.concatenate([statement, statement[revoted]])
    all_vote = np.concatenate([vote, old_vote.astype(np.int8)])
    all_time = np.concatenate([timestamp, old_time])
    order = np.lexsort((all_time, all_owner))
    table = pa.table(
        {
            "participant_id": all_owner[order] + first,
            "statement_id": all_statement[order],
            "vote": all_vote[order],
            "timestamp": all_time[order],
        },
        schema=VOTES_SCHEMA,
    )
    return table, groups, int(owner.size)


def java_dates(milliseconds: NDArray[np.int64]) -> pa.Array:
    """Format epoch milliseconds as the exports' Java date strings, to the second."""
    seconds = milliseconds // 1000
    first = int(seconds.min())
    # A chunk spans a short stretch of time: format every second in it once, then look up.
    span = np.arange(first, int(seconds.max()) + 1, dtype=np.int64)
    stamps = pa.array(span, type=pa.int64()).cast(pa.timestamp("s", tz="UTC"))
    texts = pc.strftime(stamps, format=JAVA_DATE_FORMAT, locale="C")
    return texts.take(pa.array(seconds - first))


def to_export_table(table: pa.Table) -> pa.Table:
    """Turn a chunk of vote events into the votes.csv columns of a Polis export."""
    return pa.table(
        {
            "timestamp": table["timestamp"],
            "datetime": java_dates(table["timestamp"].to_numpy()),
            "comment-id": table["statement_id"],
            "voter-id": table["participant_id"],
            "vote": table["vote"],
        }
    )


def write_comments(
    path: Path,
    config: Config,
    plant: Plant,
    agrees: NDArray[np.int64],
    disagrees: NDArray[np.int64],
) -> int:
    """Write comments.csv with vote tallies; return the number of distinct authors."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 2]))
    m = config.n_statements
    ids = np.arange(m, dtype=np.int64)
    authors = rng.integers(0, config.n_participants, size=m, dtype=np.int64)
    stamps = T0_MS - (m - ids) * STATEMENT_SPACING_MS
    table = pa.table(
        {
            "timestamp": stamps,
            "datetime": java_dates(stamps),
            "comment-id": ids,
            "author-id": authors,
            "agrees": agrees,
            "disagrees": disagrees,
            "moderated": np.where(plant.moderated_out, -1, 1).astype(np.int64),
            "comment-body": [f"Synthetic statement {i}" for i in range(m)],
        }
    )
    pacsv.write_csv(table, path, CSV_OPTIONS)
    return int(np.unique(authors).size)


def write_summary(path: Path, config: Config, n_commenters: int) -> None:
    """Write summary.csv as the key,value rows of a Polis export."""
    rows = [
        ("topic", f"Synthetic conversation (seed {config.seed})"),
        ("url", "https://example.invalid/synthetic"),
        ("views", str(config.n_participants)),
        ("voters", str(config.n_participants)),
        ("voters-in-conv", str(config.n_participants)),
        ("commenters", str(n_commenters)),
        ("comments", str(config.n_statements)),
        ("groups", str(config.n_groups)),
        ("conversation-description", "Generated by parley benchmarks/generate.py"),
    ]
    path.write_text("".join(f"{key},{value}\n" for key, value in rows), encoding="utf-8")


def generate(
    out_dir: Path, config: Config, *, write_csv: bool = True, write_parquet: bool = False
) -> dict[str, object]:
    """Generate the export into out_dir and return the planted.json content."""
    validate(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    # planted.json marks a complete folder; stale vote files from an earlier run must not survive.
    for name in ("planted.json", "votes.csv", "votes.parquet"):
        (out_dir / name).unlink(missing_ok=True)
    plant = plant_structure(config)
    m = config.n_statements
    agrees = np.zeros(m, dtype=np.int64)
    disagrees = np.zeros(m, dtype=np.int64)
    groups = np.empty(config.n_participants, dtype=np.int8)
    n_rows = n_final = 0

    csv_writer = parquet_writer = None
    try:
        for index, first in enumerate(range(0, config.n_participants, CHUNK_PARTICIPANTS)):
            size = min(CHUNK_PARTICIPANTS, config.n_participants - first)
            table, chunk_groups, chunk_final = make_chunk(config, plant, index, first, size)
            groups[first : first + size] = chunk_groups
            n_rows += table.num_rows
            n_final += chunk_final
            statement = table["statement_id"].to_numpy()
            vote = table["vote"].to_numpy()
            # Like the exports, tallies count every event, superseded ones included.
            agrees += np.bincount(statement[vote == 1], minlength=m)
            disagrees += np.bincount(statement[vote == -1], minlength=m)
            if write_csv:
                export = to_export_table(table)
                if csv_writer is None:
                    csv_writer = pacsv.CSVWriter(
                        out_dir / "votes.csv", export.schema, write_options=CSV_OPTIONS
                    )
                csv_writer.write_table(export)
            if write_parquet:
                if parquet_writer is None:
                    parquet_writer = pq.ParquetWriter(out_dir / "votes.parquet", VOTES_SCHEMA)
                parquet_writer.write_table(table)
    finally:
        if csv_writer is not None:
            csv_writer.close()
        if parquet_writer is not None:
            parquet_writer.close()

    n_commenters = write_comments(out_dir / "comments.csv", config, plant, agrees, disagrees)
    write_summary(out_dir / "summary.csv", config, n_commenters)
    planted: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "config": asdict(config),
        "n_participants": config.n_participants,
        "n_statements": m,
        "n_vote_rows": n_rows,
        "n_final_votes": n_final,
        "group_sizes": np.bincount(groups, minlength=config.n_groups).tolist(),
        "consensus_statement_ids": np.flatnonzero(plant.kind == 1).tolist(),
        "divisive_statement_ids": np.flatnonzero(plant.kind == 2).tolist(),
        "moderated_out_statement_ids": np.flatnonzero(plant.moderated_out).tolist(),
        "participant_groups": groups.tolist(),  # index = participant id
    }
    # json.dumps encodes in C; json.dump to a file would iterate in Python.
    text = json.dumps(planted, separators=(",", ":"))
    (out_dir / "planted.json").write_text(text, encoding="utf-8")
    return planted


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--participants", type=int, required=True)
    parser.add_argument("--statements", type=int, required=True)
    parser.add_argument("--votes", type=int, required=True, help="target number of final votes")
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--consensus", type=int, default=5, help="planted consensus statements")
    parser.add_argument("--divisive-fraction", type=float, default=0.4)
    parser.add_argument("--pass-probability", type=float, default=0.15)
    parser.add_argument("--revote-fraction", type=float, default=0.01)
    parser.add_argument("--parquet", action="store_true", help="also write votes.parquet")
    parser.add_argument(
        "--parquet-only", action="store_true", help="write votes.parquet instead of votes.csv"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate one conversation and report its size, time and peak memory."""
    args = parse_args(argv)
    config = Config(
        n_participants=args.participants,
        n_statements=args.statements,
        n_votes=args.votes,
        n_groups=args.groups,
        seed=args.seed,
        n_consensus=args.consensus,
        divisive_fraction=args.divisive_fraction,
        pass_probability=args.pass_probability,
        revote_fraction=args.revote_fraction,
    )
    start = time.perf_counter()
    try:
        planted = generate(
            args.out_dir,
            config,
            write_csv=not args.parquet_only,
            write_parquet=args.parquet or args.parquet_only,
        )
    except ValueError as error:
        print(f"generate.py: {error}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"wrote {args.out_dir}: {config.n_participants:,} participants x {config.n_statements:,} "
        f"statements, {planted['n_final_votes']:,} final votes ({planted['n_vote_rows']:,} rows), "
        f"groups {planted['group_sizes']}; {seconds:.1f} s, peak RSS {peak_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
