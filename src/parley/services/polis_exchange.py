"""Conversations in the database: import a Polis export, export one, load its votes.

An import creates a new conversation and writes it in one transaction: statements (with
their Polis comment ids as ``external_id``, moderation, is_meta and is_seed), participants
(Polis participant ids as ``external_id``), every vote event with its timestamp, and the
final vote per (participant, statement). If anything fails, nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from parley.db.bulk import DEFAULT_CHUNK_SIZE, Progress, insert_columns
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement, Vote, VoteEvent
from parley.db.queries import external_id_map, final_votes, vote_events
from parley.db.storable import check_text
from parley.db.types import datetimes_from_ms, ms_from_datetimes, utc_now
from parley.errors import InputError, NotFoundError
from parley.io.polis import (
    PolisExport,
    SignMode,
    StatementTable,
    VoteEvents,
    read_polis_export,
    write_polis_export,
)

from .polis_numbers import export_ids as _export_ids
from .polis_numbers import polis_numbers

__all__ = [
    "VoteTriples",
    "build_polis_export",
    "conversation_vote_matrix",
    "export_polis",
    "import_polis_export",
    "store_polis_export",
]

Ids = NDArray[np.int64]


class VoteTriples(NamedTuple):
    """Final votes as arrays, ready for ``build_vote_matrix(*triples)``; database ids."""

    participant_ids: Ids
    statement_ids: Ids
    values: NDArray[np.int8]


def import_polis_export(
    session_factory: SessionFactory,
    path: str | Path,
    *,
    signs: SignMode = "auto",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> int:
    """Read a Polis export (folder or .zip) into a new conversation; return its id."""
    export = read_polis_export(path, signs=signs)
    return store_polis_export(session_factory, export, chunk_size=chunk_size, progress=progress)


def store_polis_export(
    session_factory: SessionFactory,
    export: PolisExport,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
) -> int:
    """Write an export read into memory as a new conversation, in one transaction; return its id.

    ``progress(table, n_rows)`` is called after each chunk of rows; an exception it raises
    aborts the import and rolls everything back.
    """
    if chunk_size < 1:
        raise InputError(f"chunk_size={chunk_size} should be >= 1")
    _validate(export.statements, export.votes)
    for key, value in export.summary.items():  # kept in the conversation's origin (JSON)
        check_text(key, name="a summary.csv key")
        check_text(value, name=f"summary.csv {key!r}")
    now = utc_now()
    log = _vote_log(export.votes, now)
    people = _participants(export, log.participant_ids)
    first_vote = _first_occurrence(people, log.participant_ids)
    joined = [log.times[i] if i >= 0 else now for i in first_vote.tolist()]
    options: dict[str, Any] = {"chunk_size": chunk_size, "progress": progress}
    with session_factory.begin() as session:
        conversation = Conversation(
            topic=export.summary.get("topic", ""),
            description=export.summary.get("conversation-description", ""),
            origin={
                "format": "polis",
                "source": export.source,
                "vote_source": export.vote_source,
                "sign_flipped": export.sign_flipped,
                "summary": export.summary,
            },
        )
        session.add(conversation)
        session.flush()
        cid = conversation.id
        connection = session.connection()
        columns: dict[str, list[Any]] = {
            "conversation_id": [cid] * len(people),
            "external_id": people.tolist(),
            "created_at": joined,
        }
        insert_columns(connection, Participant, columns, **options)
        people_map = external_id_map(connection, Participant, cid)
        insert_columns(
            connection, Statement, _statement_columns(cid, export, people_map, now), **options
        )
        statement_map = external_id_map(connection, Statement, cid)
        if connection.dialect.name == "postgresql":
            # fresh statistics, so the foreign-key checks of the vote rows use the indexes
            connection.exec_driver_sql("ANALYZE participants, statements")
        p_rows = _lookup(*people_map, log.participant_ids)
        s_rows = _lookup(*statement_map, log.statement_ids)
        columns = {
            "conversation_id": [cid] * len(log.values),
            "participant_id": p_rows.tolist(),
            "statement_id": s_rows.tolist(),
            "value": log.values.tolist(),
            "created_at": log.times,
        }
        insert_columns(connection, VoteEvent, columns, **options)
        last = _last_per_pair(log.participant_ids, log.statement_ids)
        columns = {
            "conversation_id": [cid] * len(last),
            "participant_id": p_rows[last].tolist(),
            "statement_id": s_rows[last].tolist(),
            "value": log.values[last].tolist(),
            "updated_at": [log.times[i] for i in last.tolist()],
        }
        insert_columns(connection, Vote, columns, **options)
    return cid


class _VoteLog(NamedTuple):
    participant_ids: Ids
    statement_ids: Ids
    values: NDArray[np.int8]
    times: list[datetime]


def _vote_log(votes: VoteEvents, now: datetime) -> _VoteLog:
    """The vote events in time order (ties in file order); ``now`` when there are no times."""
    if votes.timestamps is None:
        return _VoteLog(
            votes.participant_ids, votes.statement_ids, votes.values, [now] * len(votes.values)
        )
    order = np.argsort(votes.timestamps, kind="stable")
    return _VoteLog(
        votes.participant_ids[order],
        votes.statement_ids[order],
        votes.values[order],
        datetimes_from_ms(votes.timestamps[order]),
    )


def _statement_columns(
    cid: int, export: PolisExport, people_map: tuple[Ids, Ids], now: datetime
) -> dict[str, list[Any]]:
    st = export.statements
    authors = _lookup(*people_map, st.author_ids)
    created = datetimes_from_ms(np.maximum(st.timestamps, 0))
    return {
        "conversation_id": [cid] * len(st.ids),
        "external_id": st.ids.tolist(),
        "text": list(st.texts),
        "author_id": [a if a >= 0 else None for a in authors.tolist()],
        "is_seed": st.is_seed.tolist(),
        "is_meta": st.is_meta.tolist(),
        "moderation_state": st.moderated.tolist(),
        "created_at": [
            t if ms >= 0 else now for t, ms in zip(created, st.timestamps.tolist(), strict=True)
        ],
    }


def _validate(st: StatementTable, votes: VoteEvents) -> None:
    """Check what the database cannot express as a constraint, before writing anything."""
    n = len(votes.values)
    lengths = {len(votes.participant_ids), len(votes.statement_ids)}
    if votes.timestamps is not None:
        lengths.add(len(votes.timestamps))
    if lengths != {n}:
        raise InputError(f"vote arrays differ in length: {sorted(lengths | {n})}")
    if (votes.participant_ids < 0).any() or (st.ids < 0).any():
        raise InputError("participant and statement ids should be >= 0")
    if len(np.unique(st.ids)) != len(st.ids):
        raise InputError("statement ids are not unique")
    unknown = np.setdiff1d(votes.statement_ids, st.ids)
    if len(unknown):
        raise InputError(f"votes on statement id(s) {unknown[:5].tolist()} not in the statements")
    bad = ~np.isin(votes.values, (-1, 0, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"vote {votes.values[i]} at position {i} should be -1, 0 or 1")
    bad = ~np.isin(st.moderated, (-1, 0, 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"statement {st.ids[i]}: moderated {st.moderated[i]} should be -1, 0 or 1")
    for statement_id, text in zip(st.ids.tolist(), st.texts, strict=True):
        check_text(text, name=f"statement {statement_id}: comment-body")


def _participants(export: PolisExport, pids: Ids) -> Ids:
    """Sorted Polis participant ids: voters, authors and grouped participants."""
    known = [pids, export.statements.author_ids[export.statements.author_ids >= 0]]
    if export.polis_groups is not None:
        known.append(export.polis_groups[0])
    return np.unique(np.concatenate(known)).astype(np.int64)


def _first_occurrence(people: Ids, pids: Ids) -> NDArray[np.int64]:
    """Index of each participant's first vote event (-1 for those who never voted)."""
    first = np.full(len(people), -1, dtype=np.int64)
    voters, index = np.unique(pids, return_index=True)
    first[np.searchsorted(people, voters)] = index
    return first


def _last_per_pair(pids: Ids, sids: Ids) -> NDArray[np.int64]:
    """Indices of the last event per (participant, statement), sorted by that pair.

    Events are in time order (ties in input order), as in
    ``parley.core.matrix.deduplicate_last_vote``.
    """
    if len(pids) == 0:
        return np.zeros(0, dtype=np.int64)
    _, rows = np.unique(pids, return_inverse=True)
    columns, cols = np.unique(sids, return_inverse=True)
    key = rows.astype(np.int64) * len(columns) + cols
    _, first_in_reverse = np.unique(key[::-1], return_index=True)
    last: NDArray[np.int64] = (len(key) - 1 - first_in_reverse).astype(np.int64)
    return last


def _lookup(sorted_keys: Ids, values: Ids, keys: Ids) -> Ids:
    """Map keys through (sorted_keys -> values); negative keys (missing) map to -1."""
    out = np.full(len(keys), -1, dtype=np.int64)
    present = keys >= 0
    out[present] = values[np.searchsorted(sorted_keys, keys[present])]
    return out


def build_polis_export(session: Session, conversation_id: int) -> PolisExport:
    """Build the in-memory Polis export of a stored conversation (votes with agree = +1)."""
    conversation = _conversation(session, conversation_id)
    connection = session.connection()
    p_db, p_out = polis_numbers(session, Participant, conversation_id)  # the one numbering rule
    rows = (
        session.execute(
            select(Statement)
            .where(Statement.conversation_id == conversation_id)
            .order_by(Statement.id)
        )
        .scalars()
        .all()
    )
    s_db = np.asarray([s.id for s in rows], dtype=np.int64).reshape(-1)
    s_out = _export_ids([s.external_id for s in rows])
    order = np.argsort(s_out, kind="stable")
    ordered = [rows[i] for i in order.tolist()]
    authors = np.asarray(
        [-1 if s.author_id is None else s.author_id for s in ordered], dtype=np.int64
    ).reshape(-1)
    author_out = _lookup(p_db, p_out, authors)
    ev_p, ev_s, ev_v, ev_t = vote_events(connection, conversation_id)
    column = np.searchsorted(s_db, ev_s)  # s_db is sorted: statements by id
    agrees = np.bincount(column[ev_v == 1], minlength=len(s_db))[order]
    disagrees = np.bincount(column[ev_v == -1], minlength=len(s_db))[order]
    statements = StatementTable(
        ids=s_out[order],
        texts=[s.text for s in ordered],
        author_ids=author_out,
        moderated=np.asarray([s.moderation_state for s in ordered], dtype=np.int8).reshape(-1),
        is_meta=np.asarray([s.is_meta for s in ordered], dtype=np.bool_).reshape(-1),
        is_seed=np.asarray([s.is_seed for s in ordered], dtype=np.bool_).reshape(-1),
        timestamps=ms_from_datetimes([s.created_at for s in ordered]),
        agrees=agrees.astype(np.int64),
        disagrees=disagrees.astype(np.int64),
        group_informed_consensus=None,
    )
    events = VoteEvents(
        participant_ids=_lookup(p_db, p_out, ev_p),
        statement_ids=_lookup(s_db, s_out, ev_s),
        values=ev_v,
        timestamps=ms_from_datetimes(ev_t),
    )
    return PolisExport(
        source=f"parley conversation {conversation_id}",
        statements=statements,
        votes=events,
        vote_source="votes.csv",
        polis_groups=None,
        summary=_summary(conversation, statements, events),
        sign_flipped=False,
    )


def _summary(conversation: Conversation, st: StatementTable, votes: VoteEvents) -> dict[str, str]:
    """summary.csv: what the import kept, with the topic, description and counts of now."""
    origin = conversation.origin or {}
    kept = origin.get("summary", {}) if origin.get("format") == "polis" else {}
    summary = {str(k): str(v) for k, v in kept.items()}
    summary["topic"] = conversation.topic
    summary["voters"] = str(len(np.unique(votes.participant_ids)))
    summary["commenters"] = str(len(np.unique(st.author_ids[st.author_ids >= 0])))
    summary["comments"] = str(len(st.ids))
    summary["conversation-description"] = conversation.description
    return summary


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} does not exist")
    return conversation


def export_polis(
    session_factory: SessionFactory, conversation_id: int, directory: str | Path
) -> PolisExport:
    """Write a stored conversation as a Polis export folder; return what was written.

    Only reads the database: give it a ``mode="read"`` factory so that it never holds the
    SQLite write lock.
    """
    with session_factory.begin() as session:
        export = build_polis_export(session, conversation_id)
    write_polis_export(export, directory)
    return export


def conversation_vote_matrix(session: Session, conversation_id: int) -> VoteTriples:
    """Return the current votes of a conversation for ``build_vote_matrix(*triples)``."""
    _conversation(session, conversation_id)
    return VoteTriples(*final_votes(session.connection(), conversation_id))
