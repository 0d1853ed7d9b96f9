"""A process's joint statements and its votes across formats, copies counted as their root.

Joint statements are the roots (statements not copied from another); a shared copy's votes
count for its root, attributed to the format of the voter's conversation. Only visible
statements (``rules.visible``) are joint statements: one that awaits moderation stays in
its format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select

from parley.core.bridging import BridgingModel
from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement
from parley.db.queries import current_votes

from .embeddings import usable
from .rules import visible
from .sessions import read_session

__all__ = [
    "JointStatement",
    "ProcessVotes",
    "bridging_scores",
    "joint_statements",
    "process_votes",
]


@dataclass(frozen=True)
class JointStatement:
    """A joint statement: its text in the original language, where it was written."""

    id: int
    text: str
    language: str | None
    format_name: str
    conversation_id: int
    agenda_item_id: int | None
    embedding: bytes | None
    format_names: tuple[str, ...] = ()  # the formats holding it (itself or a copy), in order


def joint_statements(session_factory: SessionFactory, process_id: int) -> list[JointStatement]:
    """Return the process's visible joint statements in id order, with where each is held."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(
                Statement.id,
                Statement.text,
                Statement.language,
                ProcessFormat.name,
                Statement.conversation_id,
                Statement.agenda_item_id,
                Statement.embedding,
                Statement.embedding_model,
                Statement.origin_id,
                ProcessFormat.position,
            )
            .join(ProcessFormat, ProcessFormat.conversation_id == Statement.conversation_id)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(ProcessFormat.process_id == process_id, visible())
            .order_by(Statement.id)
        ).all()
    holders: dict[int, dict[str, int]] = {}
    for r in rows:
        root = int(r[8]) if r[8] is not None else int(r[0])
        holders.setdefault(root, {})[str(r[3])] = int(r[9])
    return [
        JointStatement(
            int(r[0]),
            str(r[1]),
            r[2],
            str(r[3]),
            int(r[4]),
            r[5],
            usable(r[6], r[7]),
            tuple(sorted(holders[int(r[0])], key=holders[int(r[0])].__getitem__)),
        )
        for r in rows
        if r[8] is None
    ]


@dataclass(frozen=True, eq=False)
class ProcessVotes:
    """A process's current votes: voter, joint statement (root), value, voter's format."""

    participants: NDArray[np.int64]
    statements: NDArray[np.int64]
    values: NDArray[np.int8]
    formats: NDArray[np.int64]  # position of the voter's format

    def matrix(self, statement_ids: NDArray[np.int64]) -> tuple[VoteMatrix, NDArray[np.int64]]:
        """Return the votes on these joint statements as a matrix, and each row's format."""
        keep = np.isin(self.statements, statement_ids)
        matrix = build_vote_matrix(
            self.participants[keep],
            self.statements[keep],
            self.values[keep],
            all_statement_ids=statement_ids,
        )
        formats = np.full(matrix.n_participants, -1, dtype=np.int64)
        formats[matrix.row_of(self.participants[keep])] = self.formats[keep]
        return matrix, formats


def process_votes(session_factory: SessionFactory, process_id: int) -> ProcessVotes:
    """Every current vote on a visible statement of the process, copies mapped to roots."""
    parts: list[tuple[NDArray[np.int64], ...]] = []
    with read_session(session_factory) as session:
        formats = session.execute(
            select(ProcessFormat.conversation_id, ProcessFormat.position).where(
                ProcessFormat.process_id == process_id
            )
        ).all()
        conversation_ids = [int(cid) for cid, _ in formats]
        links = np.asarray(
            session.execute(
                select(Statement.id, func.coalesce(Statement.origin_id, Statement.id))
                .join(Conversation, Conversation.id == Statement.conversation_id)
                .where(Statement.conversation_id.in_(conversation_ids), visible())
            ).all(),
            dtype=np.int64,
        ).reshape(-1, 2)
        for conversation_id, position in formats:
            voters, voted, cast = current_votes(session.connection(), int(conversation_id))
            in_format = np.full(len(cast), int(position), dtype=np.int64)
            parts.append((voters, voted, cast.astype(np.int64), in_format))
    order = np.argsort(links[:, 0])
    ids, roots = links[order, 0], links[order, 1]
    participants, statements, values, where = (
        np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        for k in range(4)
    )
    at = np.minimum(np.searchsorted(ids, statements), max(len(ids) - 1, 0))
    known = (ids[at] == statements) if len(ids) else np.zeros(len(statements), dtype=bool)
    return ProcessVotes(
        participants[known],
        roots[at[known]],
        values[known].astype(np.int8),
        where[known],
    )


def bridging_scores(matrix: VoteMatrix) -> NDArray[np.float64]:
    """Fit the bridging model on all votes; NaN for statements with no agree or disagree."""
    scores: NDArray[np.float64] = np.full(matrix.n_statements, np.nan)
    if not matrix.n_votes:
        return scores
    scores = BridgingModel().fit(matrix.values).statement_intercepts_.copy()
    values = matrix.values
    rated = np.bincount(values.indices[values.data != 0], minlength=matrix.n_statements)
    scores[rated == 0] = np.nan  # only passes or no votes: no bridging score
    return scores
