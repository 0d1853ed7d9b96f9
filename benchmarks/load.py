"""Load benchmark: many participants vote as fast as they can against ``parley serve``.

Starts ``parley serve`` on 127.0.0.1 (on a SQLite file, or on a throwaway PostgreSQL server
started here with fsync on), creates a conversation with statements and N participants through
the JSON API, then lets N threads (one HTTP connection each) vote back to back for a bounded
time. It reports acknowledged votes per second and the latency of acknowledged votes (p50,
p99), the CPU time the server and the load generator used, and checks afterwards that the
database holds every acknowledged vote. Traffic goes to 127.0.0.1 only. Run from the
repository root::

    .venv/bin/python benchmarks/load.py                       # SQLite and PostgreSQL, 50 x 20 s
    .venv/bin/python benchmarks/load.py --backend sqlite --participants 20 --duration 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from parley_server import (  # noqa: E402  (tests/support, put on the path just above)
    ParleyServer,
    create_facilitator,
    seed_conversation,
    serve_unavailable_reason,
    start_server,
)
from throwaway_postgres import postgres_unavailable_reason, throwaway_postgres  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
REQUEST_TIMEOUT = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class LoadResult:
    """The outcome of one run on one backend."""

    backend: str
    client: str
    participants: int
    statements: int
    duration_s: float
    acknowledged: int
    failed: int
    votes_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_s: float
    client_cpu_s: float
    n_lost: int
    n_stored_events: int
    load_average: float  # the machine's 1-minute load average before the run
    errors: list[str] = field(default_factory=list)


class TransportFailure(Exception):
    """The request got no HTTP answer (connection refused, reset or timed out)."""


class HttpxSender:
    """Send requests over one keep-alive connection with httpx."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT)

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
        """POST JSON; return the status and the body text."""
        try:
            response = self._client.post(path, json=body, headers=headers)
        except self._httpx.TransportError as error:
            raise TransportFailure(f"{type(error).__name__}: {error}") from error
        return response.status_code, response.text

    def close(self) -> None:
        """Close the connection."""
        self._client.close()


class PlainSender:
    """Send requests over one keep-alive connection with the standard library's http.client.

    It costs the load generator about a quarter of httpx's CPU per request, which leaves more
    of the shared machine to the server.
    """

    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        self._address = (host, int(port))
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
        """POST JSON; return the status and the body text."""
        if self._connection is None:
            self._connection = http.client.HTTPConnection(*self._address, timeout=REQUEST_TIMEOUT)
        payload = json.dumps(body).encode()
        try:
            self._connection.request(
                "POST", path, payload, {**headers, "Content-Type": "application/json"}
            )
            response = self._connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise TransportFailure(f"{type(error).__name__}: {error}") from error
        return response.status, text

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


SENDERS: dict[str, type[HttpxSender] | type[PlainSender]] = {
    "httpx": HttpxSender,
    "http.client": PlainSender,
}


@dataclass
class Participant:
    """One simulated participant: its token, the statements to vote on, and what it saw."""

    participant_id: int
    token: str
    statement_ids: list[int]
    # (start time, latency s, participant, statement, value) for every acknowledged vote
    acknowledged: list[tuple[float, float, int, int, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def vote_loop(
        self, base_url: str, conversation_id: int, stop: threading.Event, client: str
    ) -> None:
        """Vote back to back until ``stop`` is set.

        The n-th pass over the statements changes each vote's value, so every request
        writes a new vote event.
        """
        path = f"/api/v1/conversations/{conversation_id}/votes"
        headers = {"Authorization": f"Bearer {self.token}"}
        n_statements = len(self.statement_ids)
        count = 0
        sender = SENDERS[client](base_url)
        try:
            while not stop.is_set():
                statement_id = self.statement_ids[count % n_statements]
                value = (count // n_statements + self.participant_id + statement_id) % 3 - 1
                count += 1
                body = {
                    "statement_id": statement_id,
                    "vote": value,
                    "idempotency_key": uuid.uuid4().hex,
                }
                started = time.perf_counter()
                try:
                    status, text = sender.post(path, body, headers)
                except TransportFailure as error:
                    self.failures.append(str(error))
                    continue
                latency = time.perf_counter() - started
                if 200 <= status < 300:
                    self.acknowledged.append(
                        (started, latency, self.participant_id, statement_id, value)
                    )
                else:
                    self.failures.append(f"{status} {text[:200]}")
                if len(self.failures) > 100:
                    return  # something is broken: don't spin
        finally:
            sender.close()


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of already sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _process_cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU seconds, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _set_up(
    server: ParleyServer, api_key: str, *, n_participants: int, n_statements: int, seed: int
) -> tuple[int, list[Participant]]:
    """Create the conversation, its statements and the participants through the API."""
    import random

    conversation_id, statement_ids, joined = seed_conversation(
        server,
        api_key,
        topic="Load test",
        n_statements=n_statements,
        n_participants=n_participants,
        timeout=REQUEST_TIMEOUT,
    )
    rng = random.Random(seed)
    participants = []
    for participant_id, token in joined:
        order = statement_ids.copy()
        rng.shuffle(order)
        participants.append(Participant(participant_id, token, order))
    return conversation_id, participants


def _stored_events(database_url: str, conversation_id: int) -> Counter[tuple[int, int, int]]:
    """Count the vote events of a conversation by (participant, statement, value)."""
    from sqlalchemy import text

    from parley.db import create_engine_for

    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT participant_id, statement_id, value, count(*) FROM vote_events "
                    "WHERE conversation_id = :cid GROUP BY participant_id, statement_id, value"
                ),
                {"cid": conversation_id},
            ).all()
    finally:
        engine.dispose()
    return Counter({(int(p), int(s), int(v)): int(n) for p, s, v, n in rows})


@contextmanager
def _profiled(
    server: ParleyServer, duration: float, profile: Path | None, backend: str
) -> Iterator[None]:
    """Sample the server's stacks with py-spy while the block runs, when asked to."""
    if profile is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    output = profile.with_name(f"{profile.stem}-{backend}{profile.suffix or '.txt'}")
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(server.process.pid), "--duration", str(int(duration))]
    command += ["--rate", "250", "--format", "raw", "--threads", "--nonblocking"]
    command += ["--output", str(output)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        try:
            recorder.wait(timeout=duration + 30)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait(timeout=10)
        print(f"{backend}: py-spy stacks in {output}", file=sys.stderr)


@contextmanager
def _database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database on the backend, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'load.db'}"
        return
    with throwaway_postgres(database="parley_load", durable=True) as server:
        yield server.url


def run_load(
    backend: str,
    *,
    n_participants: int,
    n_statements: int,
    duration: float,
    warmup: float,
    seed: int,
    serve_args: list[str],
    keep_logs: Path | None,
    profile: Path | None = None,
    client: str = "httpx",
    vote_rate: str = "0",
) -> LoadResult:
    """Run the load on one backend and return what was measured."""
    load_average = os.getloadavg()[0]
    with (
        tempfile.TemporaryDirectory(prefix="parley-load-") as tmp,
        _database(backend, Path(tmp)) as database_url,
    ):
        folder = Path(tmp)
        api_key = create_facilitator(database_url, "load")
        # the per-participant vote limit (PARLEY_VOTE_RATE, 10/s) guards against abuse;
        # here each simulated participant votes as fast as it can, so it is off by default
        environment = {"PARLEY_VOTE_RATE": vote_rate}
        # several web processes (--serve-arg=--processes ...) each start the app: allow longer
        server = start_server(
            database_url, folder / "serve.log", extra_args=serve_args, env=environment, timeout=300
        )
        try:
            conversation_id, participants = _set_up(
                server, api_key, n_participants=n_participants, n_statements=n_statements,
                seed=seed,
            )  # fmt: skip
            stop = threading.Event()
            threads = [
                threading.Thread(
                    target=participant.vote_loop,
                    args=(server.url, conversation_id, stop, client),
                    daemon=True,
                )
                for participant in participants
            ]
            client_cpu_start = time.process_time()
            for thread in threads:
                thread.start()
            time.sleep(warmup)
            window_start = time.perf_counter()
            server_cpu_start = _process_cpu_seconds(server.process.pid)
            with _profiled(server, duration, profile, backend):
                time.sleep(duration)
            window_end = time.perf_counter()
            server_cpu = _process_cpu_seconds(server.process.pid) - server_cpu_start
            stop.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT + 5)
            client_cpu = time.process_time() - client_cpu_start
            if any(thread.is_alive() for thread in threads):
                raise RuntimeError("a load thread did not stop within its request timeout")
        finally:
            server.stop()
            if keep_logs is not None:
                keep_logs.mkdir(parents=True, exist_ok=True)
                (keep_logs / f"serve-{backend}.log").write_text(server.log())

        acknowledged = [row for p in participants for row in p.acknowledged]
        failures = [failure for p in participants for failure in p.failures]
        in_window = sorted(
            latency
            for started, latency, *_ in acknowledged
            if window_start <= started and started + latency <= window_end
        )
        sent = Counter((p, s, v) for _, _, p, s, v in acknowledged)
        stored = _stored_events(database_url, conversation_id)
        lost = sum(max(0, n - stored[key]) for key, n in sent.items())
        measured = window_end - window_start
        return LoadResult(
            backend=backend,
            client=client,
            participants=n_participants,
            statements=n_statements,
            duration_s=round(measured, 2),
            acknowledged=len(in_window),
            failed=len(failures),
            votes_per_s=round(len(in_window) / measured, 1),
            p50_ms=round(1000 * _percentile(in_window, 0.50), 1),
            p90_ms=round(1000 * _percentile(in_window, 0.90), 1),
            p99_ms=round(1000 * _percentile(in_window, 0.99), 1),
            max_ms=round(1000 * (in_window[-1] if in_window else 0.0), 1),
            server_cpu_s=round(server_cpu, 1),
            client_cpu_s=round(client_cpu, 1),
            n_lost=lost,
            n_stored_events=sum(stored.values()),
            load_average=round(load_average, 2),
            errors=sorted(set(failures))[:5],
        )


def markdown_table(results: list[LoadResult]) -> str:
    """Return the results as a Markdown table for docs/performance.md."""
    columns = {
        "backend": lambda r: r.backend,
        "client": lambda r: r.client,
        "participants": lambda r: f"{r.participants}",
        "seconds": lambda r: f"{r.duration_s:g}",
        "acknowledged votes/s": lambda r: f"{r.votes_per_s:,.0f}",
        "p50 ms": lambda r: f"{r.p50_ms:g}",
        "p90 ms": lambda r: f"{r.p90_ms:g}",
        "p99 ms": lambda r: f"{r.p99_ms:g}",
        "max ms": lambda r: f"{r.max_ms:g}",
        "server CPU s": lambda r: f"{r.server_cpu_s:g}",
        "load generator CPU s": lambda r: f"{r.client_cpu_s:g}",
        "failed": lambda r: f"{r.failed}",
        "lost": lambda r: f"{r.n_lost}",
    }
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join("---" if n < 2 else "---:" for n in range(len(columns))) + "|",
    ]
    lines += ["| " + " | ".join(cell(r) for cell in columns.values()) + " |" for r in results]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the load on each backend asked for, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--participants", type=int, default=50, help="concurrent voters")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--statements", type=int, default=50, help="votes cycle over them")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--vote-rate",
        default="0",
        help="the server's PARLEY_VOTE_RATE (votes/s per participant); default 0: no limit",
    )
    parser.add_argument(
        "--client", choices=sorted(SENDERS), default="httpx", help="HTTP client of the voters"
    )
    parser.add_argument("--serve-arg", action="append", default=[], help="extra serve option")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--logs", type=Path, help="keep the server logs in this folder")
    parser.add_argument(
        "--profile", type=Path, help="sample the server with py-spy into FILE-BACKEND.txt"
    )
    options = parser.parse_args(argv)
    if not 1 <= options.participants <= 1000 or not 0 < options.duration <= 600:
        parser.error("--participants should be 1..1000 and --duration 0..600 seconds")
    reason = serve_unavailable_reason()
    if reason is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 1
    backends = ["sqlite", "postgres"] if options.backend == "both" else [options.backend]
    results: list[LoadResult] = []
    for backend in backends:
        if backend == "postgres" and (why := postgres_unavailable_reason()) is not None:
            print(f"postgres: skipped ({why})", file=sys.stderr)
            continue
        result = run_load(
            backend,
            n_participants=options.participants,
            n_statements=options.statements,
            duration=options.duration,
            warmup=options.warmup,
            seed=options.seed,
            serve_args=options.serve_arg,
            keep_logs=options.logs,
            profile=options.profile,
            client=options.client,
            vote_rate=options.vote_rate,
        )
        results.append(result)
        print(json.dumps(asdict(result)), flush=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"load-{stamp}.jsonl").open("w") as out:
        for result in results:
            record = {**asdict(result), "machine": f"{platform.node()} {os.cpu_count()} cores"}
            out.write(json.dumps(record) + "\n")
    if options.markdown:
        print(markdown_table(results))
    return 0 if all(r.n_lost == 0 for r in results) else 2


if __name__ == "__main__":
    sys.exit(main())
