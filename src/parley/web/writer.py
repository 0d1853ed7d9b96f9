"""The vote writer: one thread commits votes in batches (group commit), futures say when.

SQLite takes one writer at a time and every commit waits for an fsync. Fifty request
threads each committing their own vote would queue on the lock and pay one fsync per vote;
instead every vote goes into one queue, and a single thread takes whatever has queued up
(up to ``max_batch``) and commits it in one transaction. A batch that fails is recorded
again in halves, down to single votes, so that one bad vote fails only itself. A request
learns that its vote is durable when its future resolves, after the commit returned. While
one batch commits, the next one gathers, so batches grow with the load.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from parley.errors import ParleyError, UnavailableError
from parley.services.votes import VoteOutcome, VoteRequest

__all__ = ["RecordVotes", "VoteWriter"]

logger = logging.getLogger(__name__)

RecordVotes = Callable[[Sequence[VoteRequest]], list[VoteOutcome]]
_Item = tuple[VoteRequest, "Future[VoteOutcome]"]


class VoteWriter:
    """Serialise vote writes through one thread that commits them in batches."""

    def __init__(
        self,
        record: RecordVotes,
        *,
        max_batch: int = 512,
        on_commit: Callable[[], None] | None = None,
        name: str = "parley-vote-writer",
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch={max_batch} should be >= 1")
        self.record = record
        self.max_batch = max_batch
        self.on_commit = on_commit
        self.name = name
        self.n_batches = 0
        self.n_votes = 0
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._is_closed = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the writer thread (once)."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError(f"{self.name} was started already")
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, *, timeout: float = 30.0) -> None:
        """Commit what is queued, then stop; later votes are refused with UnavailableError."""
        with self._lock:
            self._is_closed = True
            self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, request: VoteRequest) -> Future[VoteOutcome]:
        """Queue a vote; the future resolves once its batch is committed."""
        future: Future[VoteOutcome] = Future()
        with self._lock:
            if self._is_closed or self._thread is None:
                raise UnavailableError("the server is not taking votes now; try again shortly")
            self._queue.put((request, future))
        return future

    async def cast(self, request: VoteRequest) -> VoteOutcome:
        """Queue a vote and wait, without blocking the event loop, until it is durable."""
        return await asyncio.wrap_future(self.submit(request))

    def _loop(self) -> None:
        is_stopping = False
        while not is_stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    is_stopping = True
                    break
                batch.append(following)
            self._commit(batch)

    def _commit(self, batch: list[_Item]) -> None:
        # a request whose client went away has a cancelled future: do not record it
        live = [(r, f) for r, f in batch if f.set_running_or_notify_cancel()]
        if not live:
            return
        started = time.perf_counter()
        if self._record(live):
            logger.debug(
                "%s: %d votes committed in %.1f ms",
                self.name,
                len(live),
                1000 * (time.perf_counter() - started),
            )
            return
        logger.warning(
            "%s: a batch of %d votes failed; it was recorded again in parts in %.1f ms",
            self.name,
            len(live),
            1000 * (time.perf_counter() - started),
        )

    def _record(self, items: list[_Item]) -> bool:
        """Record votes in one transaction; when that fails, each half apart; say if at once.

        Halving, rather than one vote at a time, finds a bad vote among n in about 2 log2(n)
        transactions instead of n, each waiting for its fsync; the order of the votes is kept.
        """
        try:
            outcomes = self.record([r for r, _ in items])
        except Exception as error:
            if len(items) == 1 or isinstance(error, UnavailableError):
                self._fail(items, error)
            else:
                middle = len(items) // 2
                self._record(items[:middle])
                self._record(items[middle:])
            return False
        self.n_batches += 1
        self.n_votes += len(items)
        for (_, future), outcome in zip(items, outcomes, strict=True):
            future.set_result(outcome)
        if self.on_commit is not None:
            self.on_commit()
        return True

    def _fail(self, items: list[_Item], error: Exception) -> None:
        if not isinstance(error, ParleyError):  # the request that gets it logs the traceback
            logger.error("%s: %d votes failed: %r", self.name, len(items), error)
        for _, future in items:
            future.set_exception(error)
