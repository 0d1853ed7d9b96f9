"""The analysis worker: a thread that keeps stored analyses and joint agendas up to date.

It knows nothing about the database: a ``JobSource`` (``parley.services.refresh`` provides
one) says which conversations changed since their last stored analysis, and which processes
since their last stored joint agenda, and runs one job. ``wake`` (called when votes are
committed) starts a poll at once instead of at the end of the interval. After a poll that
found work, the worker rests ``settle`` seconds before the next: while votes stream in,
every committed batch wakes it, and the wake-ups of the rest are folded into one poll, so
that a conversation is analysed about once per ``settle`` instead of back to back (each
analysis takes CPU, and in a web process the GIL, from the votes).
A job that fails is logged and not retried until its conversation changes again, so one
bad conversation cannot keep the worker busy. Any number of workers (threads in web
processes, or ``parley worker`` processes) may poll the same source: the source claims a
lease on each job before running it (``parley.services.job_leases``) and answers False when
another worker holds it. The worker never runs in a request handler,
and a job only reads a snapshot and then writes its result in one short transaction, so
voting goes on while it computes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "SETTLE_SECONDS",
    "AgendaJob",
    "AnalysisJob",
    "AnalysisWorker",
    "EmbedJob",
    "Job",
    "JobSource",
]

logger = logging.getLogger(__name__)

#: seconds a worker rests after a poll that found work, before a wake-up starts the next
SETTLE_SECONDS = 0.25


@dataclass(frozen=True)
class AnalysisJob:
    """Re-analyse one conversation as of these versions; ``is_full``: from scratch (cold)."""

    conversation_id: int
    votes_version: int
    moderation_version: int
    is_full: bool

    @property
    def key(self) -> tuple[str, int]:
        """What the job keeps current: one conversation's analysis."""
        return ("conversation", self.conversation_id)

    @property
    def version(self) -> str:
        """The versions the job brings the result up to."""
        return f"{self.votes_version}:{self.moderation_version}"


@dataclass(frozen=True)
class AgendaJob:
    """Recompute one process's stored joint agenda, as of this fingerprint of its versions."""

    process_id: int
    fingerprint: str

    @property
    def key(self) -> tuple[str, int]:
        """What the job keeps current: one process's joint agenda."""
        return ("process", self.process_id)

    @property
    def version(self) -> str:
        """The versions the job brings the result up to."""
        return self.fingerprint


@dataclass(frozen=True)
class EmbedJob:
    """Embed a conversation's statements that lack an embedding (a batch at a time)."""

    conversation_id: int
    missing: str  # a version of what is missing: "count:newest id:model"

    @property
    def key(self) -> tuple[str, int]:
        """What the job keeps current: one conversation's statement embeddings."""
        return ("embeddings", self.conversation_id)

    @property
    def version(self) -> str:
        """The versions the job brings the result up to."""
        return self.missing


Job = AnalysisJob | AgendaJob | EmbedJob


class JobSource(Protocol):
    """Where the worker finds work and how it does it."""

    def pending(self) -> Sequence[Job]:
        """Return the jobs whose stored result is out of date."""
        ...

    def run(self, job: Job) -> bool | None:
        """Run one job and store its result; False when another worker has it."""
        ...


class AnalysisWorker:
    """A daemon thread that keeps every conversation's stored analysis up to date."""

    def __init__(
        self,
        source: JobSource,
        *,
        interval: float = 0.5,
        settle: float = SETTLE_SECONDS,
        name: str = "parley-analysis",
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval={interval} should be > 0 seconds")
        if settle < 0:
            raise ValueError(f"settle={settle} should be >= 0 seconds")
        self.source = source
        self.interval = interval
        self.settle = settle
        self.name = name
        self.n_runs = 0
        self.n_failures = 0
        self._failed: dict[tuple[str, int], str] = {}  # job key -> version that failed
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_running(self) -> bool:
        """Return True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"worker {self.name} was started already")
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, *, timeout: float = 30.0) -> None:
        """Ask the thread to stop after its current job and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # pragma: no cover - a job longer than the timeout
                logger.warning("worker %s still busy after %.0f s", self.name, timeout)

    def wake(self) -> None:
        """Poll now instead of at the end of the interval."""
        self._wake.set()

    def run_once(self) -> int:
        """Poll once and run every pending job; return the number of jobs run successfully."""
        return self._poll()[1]

    def _poll(self) -> tuple[bool, int]:
        """Poll once; return whether any job was pending, and how many ran successfully."""
        try:
            jobs = self.source.pending()
        except Exception:
            logger.exception("worker %s: finding pending analyses failed", self.name)
            return False, 0
        n_done = 0
        for job in jobs:
            if self._stop.is_set():
                break
            if self._failed.get(job.key) == job.version:
                continue
            started = time.perf_counter()
            try:
                is_run = self.source.run(job)
            except Exception:
                self.n_failures += 1
                self._failed[job.key] = job.version
                logger.exception(
                    "worker %s: job on %s %d failed; retried after its next change",
                    self.name,
                    *job.key,
                )
                continue
            self._failed.pop(job.key, None)
            if is_run is not False:
                self.n_runs += 1
                n_done += 1
                logger.debug(
                    "%s %d brought up to date in %.3f s", *job.key, time.perf_counter() - started
                )
            if isinstance(job, EmbedJob) and self._wake.is_set():
                break  # new votes came in meanwhile: poll again, analyses first
        return bool(jobs), n_done

    def _loop(self) -> None:
        while not self._stop.is_set():
            found_work, _ = self._poll()
            if found_work and self.settle > 0:
                # wake-ups while resting are folded into the next poll (one per burst);
                # one that comes after a quiet spell, with no work found, polls at once
                self._stop.wait(self.settle)
            self._wake.wait(self.interval)
            self._wake.clear()
