"""What one app instance holds: settings, session factory, vote writer, worker, limits, caches."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from parley.compute.worker import AnalysisWorker
from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.services.database import Database

from .limits import Limiter, RateLimiter
from .wake import Waker
from .writer import VoteWriter

__all__ = ["ParticipantCache", "Runtime", "runtime_of"]


class ParticipantCache:
    """Token -> participant id per conversation, so that votes skip a database read.

    Tokens never change owner, so an entry never goes stale; the cache is emptied when full.
    """

    def __init__(self, *, max_entries: int = 200_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def get(self, conversation_id: int, token: str) -> int | None:
        """Return the cached participant id, or None."""
        return self._entries.get((conversation_id, token))

    def put(self, conversation_id: int, token: str, participant_id: int) -> None:
        """Remember a token's participant."""
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[(conversation_id, token)] = participant_id


@dataclass(eq=False)
class Runtime:
    """The app's moving parts, hung off ``app.state.parley``; built by ``create_app``."""

    settings: Settings
    session_factory: SessionFactory
    writer: VoteWriter
    worker: AnalysisWorker | None
    limiter: Limiter = field(default_factory=RateLimiter)  # votes: this process's
    #: the costly paths' buckets (``costly.py``): the database's when processes share them
    shared_limiter: Limiter | None = None
    participants: ParticipantCache = field(default_factory=ParticipantCache)
    database: Database | None = None  # closed at shutdown when create_app opened it
    waker: Waker | None = None  # wakes this process's worker and the others' (PostgreSQL)
    #: listens for other processes' wake-ups until the event is set (PostgreSQL LISTEN)
    listen: Callable[[threading.Event], None] | None = None
    _stop_listening: threading.Event = field(default_factory=threading.Event)
    _listener: threading.Thread | None = None

    @property
    def costly_limiter(self) -> Limiter:
        """Return the limiter of the costly paths: shared by every process when there is one."""
        return self.limiter if self.shared_limiter is None else self.shared_limiter

    def start(self) -> None:
        """Start the vote writer, the analysis worker and the threads that wake workers."""
        self.writer.start()
        if self.waker is not None:
            self.waker.start()
        if self.worker is not None:
            self.worker.start()
            if self.listen is not None:
                self._listener = threading.Thread(
                    target=self.listen,
                    args=(self._stop_listening,),
                    name="parley-listen",
                    daemon=True,
                )
                self._listener.start()

    def stop(self) -> None:
        """Commit queued votes, stop the threads, close the engine if it is ours."""
        self.writer.stop()
        self._stop_listening.set()
        if self._listener is not None:
            self._listener.join(5)
        if self.waker is not None:
            self.waker.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.database is not None:
            self.database.close()


def runtime_of(connection: HTTPConnection) -> Runtime:
    """Return the Runtime of the app serving this request."""
    found = getattr(connection.app.state, "parley", None)
    if not isinstance(found, Runtime):  # pragma: no cover - an app not built by create_app
        raise RuntimeError("this app was not built by parley.web.create_app")
    return found
