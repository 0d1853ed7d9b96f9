"""Shared helpers for the parley.core tests: seeded synthetic conversations.

The helpers are handed out through session-scoped fixtures (the test run uses
``--import-mode=importlib``, so test modules cannot import each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from parley.core.types import IntArray


@dataclass(frozen=True)
class Conversation:
    """A synthetic vote log with planted opinion groups.

    ``truth[i]`` is the planted group of participant id ``i`` (ids are 0..n-1, shuffled
    before the events are emitted, so that groups are not contiguous in id order).
    Statements ``0..n_consensus-1`` are agreed with by everybody.
    """

    participant_ids: IntArray
    statement_ids: IntArray
    votes: IntArray
    timestamps: IntArray
    truth: IntArray
    n_statements: int
    n_consensus: int


def planted_conversation(
    seed: int,
    group_sizes: tuple[int, ...] = (40, 40),
    *,
    n_statements: int = 30,
    n_consensus: int = 3,
    p_vote: float = 0.8,
    noise: float = 0.1,
) -> Conversation:
    """Generate a conversation whose groups are well separated on the non-consensus statements.

    Non-consensus statement ``j`` belongs to block ``j % k``; group ``g`` agrees with its own
    block and disagrees with the others. Each cell is voted with probability ``p_vote``; a
    fraction ``noise`` of the non-consensus votes is replaced by a uniform random vote.
    """
    rng = np.random.default_rng(seed)
    k = len(group_sizes)
    block = np.arange(n_statements - n_consensus) % k
    prefs = np.where(block[None, :] == np.arange(k)[:, None], 1, -1)
    prefs = np.concatenate([np.ones((k, n_consensus), dtype=np.int64), prefs], axis=1)
    truth_by_row = np.repeat(np.arange(k), group_sizes)
    n = len(truth_by_row)
    cast = rng.random((n, n_statements)) < p_vote
    values = prefs[truth_by_row].copy()
    flip = rng.random((n, n_statements)) < noise
    flip[:, :n_consensus] = False
    values[flip] = rng.choice([-1, 0, 1], size=int(flip.sum()))
    rows, cols = np.nonzero(cast)
    ids = rng.permutation(n)  # row r becomes participant id ids[r]
    truth = np.empty(n, dtype=np.int64)
    truth[ids] = truth_by_row
    order = rng.permutation(len(rows))  # events arrive in random order
    rows, cols = rows[order], cols[order]
    return Conversation(
        participant_ids=ids[rows].astype(np.int64),
        statement_ids=cols.astype(np.int64),
        votes=values[rows, cols].astype(np.int64),
        timestamps=np.arange(len(rows), dtype=np.int64) * 1000 + 1_700_000_000_000,
        truth=truth,
        n_statements=n_statements,
        n_consensus=n_consensus,
    )


@pytest.fixture(scope="session")
def synth() -> SimpleNamespace:
    """Helpers for synthetic conversations (session-scoped, so Hypothesis may use it)."""
    return SimpleNamespace(planted=planted_conversation, Conversation=Conversation)
