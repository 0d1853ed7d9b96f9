"""Time reading statements and the stored agenda in a reader's language (translations).

Builds a SQLite database in a temporary folder: one process with two formats, ``S`` joint
statements written in the first format and shared into the second, each with a translation
into six languages (rows written with SQLAlchemy ORM, no embeddings), and the agenda stored
as the worker would (``compute_agenda(..., bridging=False, refresh_items=False)``). Then
times, median of ``--repeat`` runs each: ``visible_statements`` of the second format alone,
``readings`` for those statements in Russian (what ``GET .../statements?lang=ru`` adds),
``read_agenda`` without a language and with ``languages=("ru",)``.

    python benchmarks/translations.py --statements 1000 5000 --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.models import Statement, StoredAgenda
from parley.db.translation_models import StatementTranslation
from parley.services.agenda import compute_agenda, read_agenda
from parley.services.processes import create_process, process_info
from parley.services.rules import ModerationState
from parley.services.statements import visible_statements
from parley.services.translations import readings

LANGUAGES = ("ru", "ar", "tr", "fr", "de", "fa")


def _median(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(n_statements: int, repeat: int) -> dict[str, float]:
    """Build the database for ``n_statements`` joint statements and time the reads (ms)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_for(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade_database(engine)
        sf = create_session_factory(engine)
        pid = create_process(sf, facilitator_id=None, name="Bench", formats=["A", "B"])
        a, b = (f.conversation_id for f in process_info(sf, pid).formats)
        accepted = int(ModerationState.ACCEPTED)
        with sf.begin() as session:
            roots = [
                Statement(
                    conversation_id=a,
                    text=f"Statement {n}",
                    language="en",
                    moderation_state=accepted,
                )
                for n in range(n_statements)
            ]
            session.add_all(roots)
            session.flush()
            session.add_all(
                Statement(
                    conversation_id=b,
                    text=r.text,
                    language="en",
                    origin_id=r.id,
                    moderation_state=accepted,
                )
                for r in roots
            )
            session.add_all(
                StatementTranslation(
                    statement_id=r.id,
                    language=lang,
                    text=f"{lang} {r.text}",
                    source="facilitator",
                    moderation_state=accepted,
                )
                for r in roots
                for lang in LANGUAGES
            )
        view = compute_agenda(sf, pid, bridging=False, refresh_items=False)
        with sf.begin() as session:
            session.add(
                StoredAgenda(
                    process_id=pid,
                    fingerprint="bench",
                    document=view.document.model_dump(mode="json"),
                    joint_map={},
                )
            )
        infos = visible_statements(sf, b)
        ids = [i.id for i in infos]
        out = {
            "visible_statements": _median(lambda: visible_statements(sf, b), repeat),
            "readings ru": _median(lambda: readings(sf, ids, ("ru",)), repeat),
            "read_agenda": _median(lambda: read_agenda(sf, pid), repeat),
            "read_agenda ru": _median(lambda: read_agenda(sf, pid, languages=("ru",)), repeat),
        }
        engine.dispose()
        return out


def main() -> None:
    """Parse the options, measure each size, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, nargs="+", default=[1000])
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    results = {s: measure(s, options.repeat) for s in options.statements}
    names = list(next(iter(results.values())))
    print("| operation (median ms) | " + " | ".join(f"S = {s}" for s in results) + " |")
    print("|---|" + "---:|" * len(results))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{results[s][name]:.1f}" for s in results) + " |")


if __name__ == "__main__":
    main()
