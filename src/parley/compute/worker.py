"""The analysis worker: a thread that polls for changed conversations and re-analyses them.

It knows nothing about the database: a ``JobSource`` (``parley.services.refresh`` provides
one) says which conversations changed since their last stored analysis and runs one job.
A job that fails is logged and not retried until its conversation changes again, so one
bad conversation cannot keep the worker busy. The worker never runs in a request handler,
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

__all__ = ["AnalysisJob", "AnalysisWorker", "JobSource"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalysisJob:
    """Re-analyse one conversation as of these versions; ``is_full``: from scratch (cold)."""

    conversation_id: int
    votes_version: int
    moderation_version: int
    is_full: bool


class JobSource(Protocol):
    """Where the worker finds work and how it does it."""

    def pending(self) -> Sequence[AnalysisJob]:
        """Return the conversations whose stored analysis is out of date."""
        ...

    def run(self, job: AnalysisJob) -> None:
        """Analyse one conversation and store the result."""
        ...


class AnalysisWorker:
    """A daemon thread that keeps every conversation's stored analysis up to date."""

    def __init__(
        self, source: JobSource, *, interval: float = 0.5, name: str = "parley-analysis"
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval={interval} should be > 0 seconds")
        self.source = source
        self.interval = interval
        self.name = name
        self.n_runs = 0
        self.n_failures = 0
        self._failed: dict[int, tuple[int, int]] = {}  # conversation -> versions that failed
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
        try:
            jobs = self.source.pending()
        except Exception:
            logger.exception("worker %s: finding pending analyses failed", self.name)
            return 0
        n_done = 0
        for job in jobs:
            if self._stop.is_set():
                break
            versions = (job.votes_version, job.moderation_version)
            if self._failed.get(job.conversation_id) == versions:
                continue
            started = time.perf_counter()
            try:
                self.source.run(job)
            except Exception:
                self.n_failures += 1
                self._failed[job.conversation_id] = versions
                logger.exception(
                    "worker %s: analysing conversation %d failed; retried after its next change",
                    self.name,
                    job.conversation_id,
                )
                continue
            self._failed.pop(job.conversation_id, None)
            self.n_runs += 1
            n_done += 1
            logger.debug(
                "conversation %d analysed (%s) in %.3f s",
                job.conversation_id,
                "full" if job.is_full else "warm",
                time.perf_counter() - started,
            )
        return n_done

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()
