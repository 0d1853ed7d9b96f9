"""A process's joint agenda: computed by the analysis worker, stored, and read by everyone.

The worker computes the agenda when a process's fingerprint changes (its own version and
each format's ``votes_version`` and ``moderation_version``): it clusters new joint
statements into items, counts every format's votes on the joint statements (every format
weighing the same, ``parley.core.agenda``), fits the bridging model and the joint map, and
stores the result in one row. The pages, the observers, the exports and the API only read
that row: a GET never clusters, embeds, fits or writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Text, cast, select

from parley.core.agenda import build_agenda
from parley.core.pca import fit_pca, project_participants
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Process, ProcessFormat, StoredAgenda
from parley.db.types import utc_now
from parley.errors import NotFoundError

from .agenda_document import (
    AgendaDocument,
    AgendaFormat,
    AgendaProcess,
    JointMap,
    MapGroup,
    StatementText,
    agenda_items,
)
from .agenda_items import item_label_sets, refresh_agenda_items
from .agenda_reading import agenda_in
from .joint import bridging_scores, joint_statements, process_votes
from .numbers import number_documents, statement_numbers
from .processes import ProcessInfo, process_info
from .sessions import read_session

__all__ = [
    "JOINT_MAP_MIN_VOTES",
    "AgendaView",
    "compute_agenda",
    "empty_document",
    "fingerprints",
    "read_agenda",
    "refresh_agenda",
]

JOINT_MAP_MIN_VOTES = 7  # as Polis: with fewer votes a member stays off the map
LABEL_LENGTH = 60  # a statement without an item is labelled with its opening words


@dataclass(frozen=True)
class AgendaView:
    """A stored agenda as read: the document and the joint map (empty before the first)."""

    document: AgendaDocument
    joint_map: JointMap

    @property
    def is_computed(self) -> bool:
        """Return True once the worker has computed the agenda."""
        return self.document.computed_at is not None


def fingerprints(
    session_factory: SessionFactory, *, process_id: int | None = None
) -> dict[int, tuple[str, str | None]]:
    """Return, per process (or for ``process_id``), its fingerprint and the stored agenda's."""
    query = (
        select(
            Process.id,
            Process.version,
            ProcessFormat.conversation_id,
            Conversation.votes_version,
            Conversation.moderation_version,
        )
        .outerjoin(ProcessFormat, ProcessFormat.process_id == Process.id)
        .outerjoin(Conversation, Conversation.id == ProcessFormat.conversation_id)
        .order_by(Process.id, ProcessFormat.conversation_id)
    )
    stored_query = select(StoredAgenda.process_id, StoredAgenda.fingerprint)
    if process_id is not None:
        query = query.where(Process.id == process_id)
        stored_query = stored_query.where(StoredAgenda.process_id == process_id)
    with read_session(session_factory) as session:
        rows = session.execute(query).all()
        stored = {int(pid): str(fp) for pid, fp in session.execute(stored_query).all()}
    parts: dict[int, list[str]] = {}
    for pid, version, cid, votes_version, moderation_version in rows:
        parts.setdefault(int(pid), [f"v{version}"])
        if cid is not None:
            parts[int(pid)].append(f"{cid}:{votes_version}:{moderation_version}")
    return {
        pid: (hashlib.sha256(";".join(p).encode()).hexdigest(), stored.get(pid))
        for pid, p in parts.items()
    }


def _fingerprint(session_factory: SessionFactory, process_id: int) -> str:
    found = fingerprints(session_factory, process_id=process_id).get(process_id)
    if found is None:
        raise NotFoundError(f"process {process_id} does not exist")
    return found[0]


def _joint_map(values: Any, formats: np.ndarray, names: list[str]) -> JointMap:
    """Place every member on one opinion map of the joint statements (Polis's PCA)."""
    counts = np.diff(values.indptr)
    rows = np.flatnonzero(counts >= JOINT_MAP_MIN_VOTES)
    if values.shape[1] < 2 or len(rows) < 2:
        return JointMap()
    zeroed = np.zeros(values.shape[1], dtype=bool)
    pca = fit_pca(values, zeroed_columns=zeroed)
    xy = project_participants(values[rows], pca, zeroed_columns=zeroed)
    return JointMap(
        x=xy[:, 0].tolist(),
        y=xy[:, 1].tolist(),
        group=formats[rows].tolist(),
        groups=[MapGroup(id=i, name=name) for i, name in enumerate(names)],
    )


def compute_agenda(
    session_factory: SessionFactory,
    process_id: int,
    *,
    bridging: bool = True,
    refresh_items: bool = True,
) -> AgendaView:
    """Compute a process's joint agenda from the votes stored now (the worker's job).

    With ``refresh_items`` new joint statements are clustered into agenda items first
    (which embeds those that lack a vector); without, a statement with no item is an item of
    its own. A statement ranks once every format cast ``settings.agenda_min_votes`` votes.
    """
    info = process_info(session_factory, process_id)
    if refresh_items:
        refresh_agenda_items(session_factory, process_id)
    joint = joint_statements(session_factory, process_id)
    label_sets = item_label_sets(session_factory, process_id)
    labels = {item: shown.label for item, shown in label_sets.items()}
    ids = np.asarray([s.id for s in joint], dtype=np.int64)
    matrix, participant_formats = process_votes(session_factory, process_id).matrix(ids)
    by_id = {s.id: s for s in joint}
    items = np.asarray(
        [
            by_id[int(s)].agenda_item_id if by_id[int(s)].agenda_item_id in labels else -int(s)
            for s in matrix.statement_ids.tolist()
        ],
        dtype=np.int64,
    )
    for s in joint:
        if s.agenda_item_id not in labels:
            labels[-s.id] = s.text[:LABEL_LENGTH]
    agenda = build_agenda(
        matrix.values,
        participant_formats,
        n_formats=max(len(info.formats), 1),
        items=items,
        min_votes=info.settings.agenda_min_votes,
        bridging=bridging_scores(matrix) if bridging else None,
    )
    names = [f.name for f in info.formats]
    with read_session(session_factory) as session:
        numbers = statement_numbers(session, matrix.statement_ids.tolist())

    def describe(sid: int) -> StatementText:
        s = by_id[sid]
        return StatementText(
            text=s.text, language=s.language, format=s.format_name, held_by=list(s.format_names)
        )

    document = _header(info, matrix.n_participants).model_copy(
        update={
            "items": agenda_items(
                agenda,
                matrix.statement_ids,
                names,
                labels,
                describe,
                {item: shown.labels for item, shown in label_sets.items()},
                min_group_size=info.settings.min_group_size,
                numbers=numbers,
            ),
            "computed_at": utc_now(),
        }
    )
    return AgendaView(document, _joint_map(matrix.values, participant_formats, names))


def _header(info: ProcessInfo, n_participants: int) -> AgendaDocument:
    return AgendaDocument(
        process=AgendaProcess(
            id=info.id,
            name=info.name,
            description=info.description,
            min_votes=info.settings.agenda_min_votes,
            n_participants=n_participants,
            min_group_size=info.settings.min_group_size,
        ),
        formats=[
            AgendaFormat(name=f.name, n_members=f.n_members, n_statements=f.n_statements)
            for f in info.formats
        ],
        items=[],
    )


def empty_document(info: ProcessInfo) -> AgendaDocument:
    """Return the agenda document of a process whose agenda is not computed yet."""
    return _header(info, 0)


def refresh_agenda(session_factory: SessionFactory, process_id: int) -> AgendaView:
    """Compute a process's agenda and store it with the fingerprint it reflects."""
    fingerprint = _fingerprint(session_factory, process_id)  # read before the votes
    view = compute_agenda(session_factory, process_id)
    with session_factory.begin() as session:
        row = session.get(StoredAgenda, process_id)
        if row is None:
            row = StoredAgenda(process_id=process_id)
            session.add(row)
        row.fingerprint = fingerprint
        row.computed_at = view.document.computed_at or utc_now()
        row.document = view.document.model_dump(mode="json")
        row.joint_map = view.joint_map.model_dump(mode="json")
    return view


def read_agenda(
    session_factory: SessionFactory,
    process_id: int,
    *,
    with_map: bool = False,
    languages: Sequence[str] = (),
) -> AgendaView:
    """Return the stored agenda of a process (an empty one before the worker's first).

    The joint map is read only ``with_map`` (the agenda page shows it; the API and the
    exports do not). The stored JSON is validated as text by pydantic, without building
    Python dicts first. Item labels (per language too) are read now, so that a
    facilitator's rename shows at once; texts and labels come in the reader's ``languages``
    where translated.
    """
    columns = [cast(StoredAgenda.document, Text)]
    if with_map:
        columns.append(cast(StoredAgenda.joint_map, Text))
    with read_session(session_factory) as session:
        row = session.execute(select(*columns).where(StoredAgenda.process_id == process_id)).first()
    labels = item_label_sets(session_factory, process_id)
    if row is None:
        document = empty_document(process_info(session_factory, process_id))
        return AgendaView(agenda_in(session_factory, process_id, document, languages), JointMap())
    document = AgendaDocument.model_validate_json(row[0])
    number_documents(session_factory, [document])
    joint_map = JointMap.model_validate_json(row[1]) if with_map else JointMap()
    for item in document.items:
        shown = labels.get(item.item)
        if shown is not None:
            item.label, item.labels = shown.label, dict(shown.labels)
    return AgendaView(agenda_in(session_factory, process_id, document, languages), joint_map)
