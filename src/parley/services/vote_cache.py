"""The worker's copy of each conversation's current votes, kept between updates.

Reading a conversation's every current vote costs about a second at 10^6 votes; between two
updates only a few hundred arrive. So the worker keeps, per conversation, the final votes
as arrays sorted by (participant, statement) and the id of the newest vote event they
reflect, and on the next update reads only the events after it, in id order, and applies
them (the last vote per pair wins). ``record_votes`` locks the conversation's row before its
events get their ids, so one conversation's event ids grow in commit order and no event can
appear later below the id already read.

A full read happens for a conversation not in the cache, for a full (cold) analysis (a
moderation change or a merge, which moves votes without events) and every
``FULL_READ_EVERY`` seconds as a safety net. The newest id is read *before* the full read:
events that land in between are applied again on the next update, which changes nothing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from parley.db.models import VoteEvent
from parley.db.queries import current_votes

__all__ = ["FULL_READ_EVERY", "VoteCache"]

FULL_READ_EVERY = 600.0  # seconds
_SHIFT = np.int64(32)  # a pair's key: participant id << 32 | statement id
_LOW = np.int64(0xFFFFFFFF)

Votes = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int8]]


@dataclass
class _Entry:
    keys: NDArray[np.int64]  # sorted pair keys
    values: NDArray[np.int8]
    last_event: int  # the newest vote event reflected
    read_at: float  # monotonic time of the last full read


def _keys(pids: NDArray[np.int64], sids: NDArray[np.int64]) -> NDArray[np.int64]:
    if len(pids) and (int(pids.max()) > 0x7FFFFFFF or int(sids.max()) > 0xFFFFFFFF):
        raise OverflowError("ids too large for the vote cache")
    return (pids.astype(np.int64) << _SHIFT) | sids.astype(np.int64)


class VoteCache:
    """Current votes per conversation (the ``max_conversations`` used last), thread-safe."""

    def __init__(
        self, *, max_conversations: int = 8, full_read_every: float = FULL_READ_EVERY
    ) -> None:
        self.max_conversations = max_conversations
        self.full_read_every = full_read_every
        self.n_full_reads = 0
        self.n_updates = 0
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def forget(self, conversation_id: int) -> None:
        """Drop a conversation: its next read is a full one."""
        with self._lock:
            self._entries.pop(conversation_id, None)

    def votes(self, connection: Connection, conversation_id: int, *, full: bool = False) -> Votes:
        """Return the conversation's final votes (pids, sids, values), sorted by pair."""
        with self._lock:
            entry = self._entries.pop(conversation_id, None)
        is_old = entry is not None and time.monotonic() - entry.read_at > self.full_read_every
        if entry is None or full or is_old:
            entry = self._full_read(connection, conversation_id)
        else:
            self._apply_new(connection, conversation_id, entry)
        with self._lock:
            self._entries[conversation_id] = entry
            while len(self._entries) > self.max_conversations:
                self._entries.popitem(last=False)
        return entry.keys >> _SHIFT, entry.keys & _LOW, entry.values.copy()

    def _full_read(self, connection: Connection, conversation_id: int) -> _Entry:
        newest = connection.execute(
            select(func.max(VoteEvent.id)).where(VoteEvent.conversation_id == conversation_id)
        ).scalar()
        pids, sids, values = current_votes(connection, conversation_id)
        keys = _keys(pids, sids)
        order = np.argsort(keys, kind="stable")
        self.n_full_reads += 1
        return _Entry(keys[order], values[order], int(newest or 0), time.monotonic())

    def _apply_new(self, connection: Connection, conversation_id: int, entry: _Entry) -> None:
        marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        cursor = connection.connection.cursor()
        try:
            # "+conversation_id": no index on that term, so the primary key's range (the few
            # events after the last one read) is what the database scans
            cursor.execute(
                "SELECT id, participant_id, statement_id, value FROM vote_events "
                f"WHERE id > {marker} AND +conversation_id = {marker} ORDER BY id",
                (entry.last_event, conversation_id),
            )
            rows = cursor.fetchall()
        finally:
            cursor.close()
        self.n_updates += 1
        if not rows:
            return
        events = np.asarray(rows, dtype=np.int64).reshape(-1, 4)
        entry.last_event = int(events[-1, 0])
        keys = _keys(events[:, 1], events[:, 2])[::-1]  # newest first: unique keeps the last
        new_keys, first = np.unique(keys, return_index=True)
        new_values = events[::-1, 3][first].astype(np.int8)
        at = np.searchsorted(entry.keys, new_keys)
        found = at < len(entry.keys)
        found[found] = entry.keys[at[found]] == new_keys[found]
        entry.values[at[found]] = new_values[found]
        if (~found).any():
            entry.keys = np.insert(entry.keys, at[~found], new_keys[~found])
            entry.values = np.insert(entry.values, at[~found], new_values[~found])
