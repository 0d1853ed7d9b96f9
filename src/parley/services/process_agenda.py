"""A process's joint agenda: items from topic clustering, counts per format, exports.

Joint statements are the roots (statements not copied from another); a shared copy's votes
count for its root, attributed to the format of the voter's conversation. Agenda items are
clusters of the joint statements' stored embeddings across languages
(``parley.text.topics``). When the clustering is redone, an item keeps its id (and a label a
facilitator gave it) when it keeps most of its statements.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select, update

from parley.core.agenda import Agenda, build_agenda
from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.core.pca import fit_pca, project_participants
from parley.db.engine import SessionFactory
from parley.db.models import AgendaItem, Conversation, ProcessFormat, Statement
from parley.db.queries import current_votes
from parley.errors import InputError, NotFoundError
from parley.text.matching import OppositeTest, near_duplicates, tell_opposites
from parley.text.topics import cluster_topics, label_topics

from .agenda import agenda_csv, agenda_entries, agenda_markdown, bridging_scores
from .processes import ProcessInfo, process_info
from .sessions import read_session
from .statement_text import decode_vector, embed_missing, shared_embedder, usable

__all__ = [
    "MAX_LABEL_LENGTH",
    "DuplicatePair",
    "JointStatement",
    "ProcessAgenda",
    "duplicate_pairs",
    "joint_statements",
    "process_agenda",
    "refresh_agenda_items",
    "rename_item",
]

MAX_LABEL_LENGTH = 120
LABEL_CANDIDATES = 12  # keyword phrases embedded per item when labelling
JOINT_MAP_MIN_VOTES = 7  # as Polis: with fewer votes a member stays off the map


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
    """Return the process's visible joint statements in id order, with where each is held.

    Visible as on the joint agenda: not rejected, and accepted unless the format's
    conversation is moderated in open mode.
    """
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
                Statement.moderation_state,
                Conversation.moderation_mode,
                Statement.embedding_model,
                Statement.origin_id,
                ProcessFormat.position,
            )
            .join(ProcessFormat, ProcessFormat.conversation_id == Statement.conversation_id)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(ProcessFormat.process_id == process_id, Statement.moderation_state != -1)
            .order_by(Statement.id)
        ).all()
    holders: dict[int, dict[str, int]] = {}
    for r in rows:
        root = int(r[10]) if r[10] is not None else int(r[0])
        holders.setdefault(root, {})[str(r[3])] = int(r[11])
    return [
        JointStatement(
            int(r[0]),
            str(r[1]),
            r[2],
            str(r[3]),
            int(r[4]),
            r[5],
            usable(r[6], r[9]),
            tuple(sorted(holders[int(r[0])], key=holders[int(r[0])].__getitem__)),
        )
        for r in rows
        if r[10] is None and (r[7] == 1 or r[8] == "open")
    ]


def refresh_agenda_items(
    session_factory: SessionFactory, process_id: int, *, force: bool = False
) -> int:
    """Cluster the joint statements into agenda items when some have none; return the count.

    With ``force`` the clustering is redone even when every statement has an item.
    Embeddings missing so far are computed and stored first.
    """
    process_info(session_factory, process_id)
    joint = joint_statements(session_factory, process_id)
    if not joint:
        return 0
    if not force and all(s.agenda_item_id is not None for s in joint):
        return len({s.agenda_item_id for s in joint})
    if any(s.embedding is None for s in joint):
        embed_missing(session_factory, [s.id for s in joint if s.embedding is None])
        joint = joint_statements(session_factory, process_id)
    vectors = np.vstack([decode_vector(s.embedding) for s in joint if s.embedding is not None])
    languages = [s.language or "und" for s in joint]
    clusters = cluster_topics(vectors, languages)
    with read_session(session_factory) as session:
        old_items = {
            int(i): (str(label), bool(custom))
            for i, label, custom in session.execute(
                select(AgendaItem.id, AgendaItem.label, AgendaItem.is_custom).where(
                    AgendaItem.process_id == process_id
                )
            ).all()
        }
    # Each new cluster takes the old item most of its statements had (each item once).
    overlaps: list[tuple[int, int, int]] = []
    for cluster in sorted(set(clusters.tolist())):
        counts = Counter(
            joint[i].agenda_item_id
            for i in np.flatnonzero(clusters == cluster).tolist()
            if joint[i].agenda_item_id in old_items
        )
        overlaps += [(n, cluster, int(item)) for item, n in counts.items() if item is not None]
    reuse: dict[int, int] = {}
    for _, cluster, item in sorted(overlaps, key=lambda t: (-t[0], t[1], t[2])):
        if cluster not in reuse and item not in reuse.values():
            reuse[cluster] = item
    to_label = [
        c for c in sorted(set(clusters.tolist())) if c not in reuse or not old_items[reuse[c]][1]
    ]
    labels: dict[int, str] = {}
    if to_label:
        wanted = np.isin(clusters, to_label)
        rows = np.flatnonzero(wanted)
        topics = label_topics(
            [joint[i].text for i in rows.tolist()],
            [languages[i] for i in rows.tolist()],
            clusters[rows],
            vectors[rows],
            embedder=shared_embedder(),
            max_candidates=LABEL_CANDIDATES,
        )
        labels = {int(t.item): t.label[:MAX_LABEL_LENGTH] for t in topics}
    with session_factory.begin() as session:
        item_of_cluster: dict[int, int] = {}
        for cluster in sorted(set(clusters.tolist())):
            if cluster in reuse:
                item_id = reuse[cluster]
                if cluster in labels:
                    session.execute(
                        update(AgendaItem)
                        .where(AgendaItem.id == item_id)
                        .values(label=labels[cluster])
                    )
            else:
                row = AgendaItem(process_id=process_id, label=labels[cluster], is_custom=False)
                session.add(row)
                session.flush()
                item_id = row.id
            item_of_cluster[cluster] = item_id
        for statement, cluster in zip(joint, clusters.tolist(), strict=True):
            if statement.agenda_item_id != item_of_cluster[cluster]:
                session.execute(
                    update(Statement)
                    .where(Statement.id == statement.id)
                    .values(agenda_item_id=item_of_cluster[cluster])
                )
        unused = set(old_items) - set(item_of_cluster.values())
        if unused:
            session.execute(
                update(Statement)
                .where(Statement.agenda_item_id.in_(unused))
                .values(agenda_item_id=None)
            )
            session.execute(delete(AgendaItem).where(AgendaItem.id.in_(unused)))
    return len(item_of_cluster)


def rename_item(session_factory: SessionFactory, process_id: int, item_id: int, label: str) -> None:
    """Give an agenda item a facilitator's label (kept when the items are recomputed)."""
    cleaned = " ".join(label.split())
    if not cleaned:
        raise InputError("an agenda item's label cannot be empty")
    if len(cleaned) > MAX_LABEL_LENGTH:
        raise InputError(f"label has {len(cleaned)} characters; at most {MAX_LABEL_LENGTH}")
    with session_factory.begin() as session:
        item = session.get(AgendaItem, item_id)
        if item is None or item.process_id != process_id:
            raise NotFoundError(f"agenda item {item_id} is not in process {process_id}")
        item.label = cleaned
        item.is_custom = True


@dataclass(frozen=True, eq=False)
class _Votes:
    """A process's current votes: voter, joint statement (root), value, voter's format."""

    participants: NDArray[np.int64]
    statements: NDArray[np.int64]
    values: NDArray[np.int8]
    formats: NDArray[np.int64]  # position of the voter's format


def _process_votes(session_factory: SessionFactory, process_id: int) -> _Votes:
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
                select(Statement.id, func.coalesce(Statement.origin_id, Statement.id)).where(
                    Statement.conversation_id.in_(conversation_ids),
                    Statement.moderation_state != -1,
                )
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
    return _Votes(
        participants[known],
        roots[at[known]],
        values[known].astype(np.int8),
        where[known],
    )


@dataclass(frozen=True, eq=False)
class ProcessAgenda:
    """A process's joint agenda with what the pages and exports show."""

    process: ProcessInfo
    agenda: Agenda
    statement_ids: NDArray[np.int64]
    statements: dict[int, JointStatement]
    item_labels: dict[int, str]
    n_participants: int
    votes: VoteMatrix  # participants x joint statements, every format's members
    participant_formats: NDArray[np.int64]  # format position of each row

    def joint_map(self, *, min_votes: int = JOINT_MAP_MIN_VOTES) -> dict[str, Any]:
        """Place every member of every format on one opinion map of the joint statements.

        Polis's PCA and sparsity-aware projection on the joint statements; members with
        fewer than ``min_votes`` votes are left out, as Polis leaves them out of its map.
        Returns ``{"participants": [{x, y, group}], "groups": [{id, name}]}`` with the
        format positions as groups.
        """
        values = self.votes.values
        zeroed = np.zeros(values.shape[1], dtype=bool)
        counts = np.diff(values.indptr)
        keep = counts >= min_votes
        if values.shape[1] < 2 or int(keep.sum()) < 2:
            return {"participants": [], "groups": []}
        pca = fit_pca(values, zeroed_columns=zeroed)
        xy = project_participants(values[np.flatnonzero(keep)], pca, zeroed_columns=zeroed)
        rows = np.flatnonzero(keep)
        return {
            "participants": [
                {"x": float(x), "y": float(y), "group": int(self.participant_formats[r])}
                for (x, y), r in zip(xy.tolist(), rows.tolist(), strict=True)
            ],
            "groups": [
                {"id": position, "name": name} for position, name in enumerate(self.format_names)
            ],
        }

    @property
    def format_names(self) -> list[str]:
        """Format names in the process's order."""
        return [f.name for f in self.process.formats]

    def _describe(self, statement_id: int) -> dict[str, Any]:
        statement = self.statements[statement_id]
        return {
            "text": statement.text,
            "language": statement.language,
            "format": statement.format_name,
        }

    def to_list(self) -> list[dict[str, Any]]:
        """Return the items best first, as ``parley agenda --json`` plus text and origin."""
        return agenda_entries(
            self.agenda, self.statement_ids, self.format_names, self.item_labels, self._describe
        )

    def document(self) -> dict[str, Any]:
        """Return the agenda as one JSON document: the process, its formats, the items.

        The web page's JSON export and the API answer with this same document.
        """
        info = self.process
        return {
            "process": {
                "id": info.id,
                "name": info.name,
                "description": info.description,
                "min_votes": info.min_votes,
                "n_participants": self.n_participants,
            },
            "formats": [
                {"name": f.name, "n_members": f.n_members, "n_statements": f.n_statements}
                for f in info.formats
            ],
            "items": self.to_list(),
        }

    def to_csv(self) -> str:
        """Return one CSV row per statement, items best first, counts per format."""
        return agenda_csv(self.to_list(), self.format_names)

    def to_markdown(self) -> str:
        """Return the agenda as a Markdown document: items best first, stances per format."""
        return agenda_markdown(
            self.to_list(),
            self.format_names,
            title=self.process.name,
            min_votes=self.process.min_votes,
        )


def process_agenda(
    session_factory: SessionFactory,
    process_id: int,
    *,
    bridging: bool = True,
    refresh_items: bool = True,
) -> ProcessAgenda:
    """Compute a process's joint agenda from the votes stored now.

    Every format weighs the same (``parley.core.agenda``); a statement ranks once every
    format has cast the process's ``min_votes`` on it. Joint statements without an agenda
    item (``refresh_items=False``) are items of their own.
    """
    info = process_info(session_factory, process_id)
    joint = joint_statements(session_factory, process_id)
    if refresh_items and any(s.agenda_item_id is None for s in joint):
        refresh_agenda_items(session_factory, process_id)
        joint = joint_statements(session_factory, process_id)
    with read_session(session_factory) as session:
        labels = {
            int(i): str(label)
            for i, label in session.execute(
                select(AgendaItem.id, AgendaItem.label).where(AgendaItem.process_id == process_id)
            ).all()
        }
    votes = _process_votes(session_factory, process_id)
    ids = np.asarray([s.id for s in joint], dtype=np.int64)
    keep = np.isin(votes.statements, ids)
    matrix = build_vote_matrix(
        votes.participants[keep], votes.statements[keep], votes.values[keep], all_statement_ids=ids
    )
    participant_formats = np.full(matrix.n_participants, -1, dtype=np.int64)
    participant_formats[matrix.row_of(votes.participants[keep])] = votes.formats[keep]
    by_id = {s.id: s for s in joint}
    items = np.asarray(
        [
            by_id[int(s)].agenda_item_id if by_id[int(s)].agenda_item_id is not None else -int(s)
            for s in matrix.statement_ids.tolist()
        ],
        dtype=np.int64,
    )
    for s in joint:
        if s.agenda_item_id is None or s.agenda_item_id not in labels:
            labels.setdefault(-s.id, s.text[:60])
    agenda = build_agenda(
        matrix.values,
        participant_formats,
        n_formats=max(len(info.formats), 1),
        items=items,
        min_votes=info.min_votes,
        bridging=bridging_scores(matrix) if bridging else None,
    )
    return ProcessAgenda(
        process=info,
        agenda=agenda,
        statement_ids=matrix.statement_ids,
        statements=by_id,
        item_labels=labels,
        n_participants=matrix.n_participants,
        votes=matrix,
        participant_formats=participant_formats,
    )


@dataclass(frozen=True)
class DuplicatePair:
    """Two joint statements that look alike, and what their votes say about them."""

    a: JointStatement
    b: JointStatement
    score: float
    votes: OppositeTest | None  # None until people voted on both


def duplicate_pairs(
    session_factory: SessionFactory, process_id: int, *, limit: int = 50
) -> list[DuplicatePair]:
    """List look-alike joint statements of a process, with the vote test once there are votes.

    The vote test compares the votes of people who voted on both (in any format): agreeing
    with one and disagreeing with the other says they are opposites, not duplicates.
    """
    joint = [s for s in joint_statements(session_factory, process_id) if s.embedding]
    if len(joint) < 2:
        return []
    vectors = np.vstack([decode_vector(s.embedding) for s in joint if s.embedding is not None])
    pairs = near_duplicates(
        vectors,
        [s.language or "und" for s in joint],
        threshold=shared_embedder().match_threshold,
    )[:limit]
    if not pairs:
        return []
    votes = _process_votes(session_factory, process_id)
    ids = np.asarray([s.id for s in joint], dtype=np.int64)
    keep = np.isin(votes.statements, ids)
    matrix = build_vote_matrix(
        votes.participants[keep], votes.statements[keep], votes.values[keep], all_statement_ids=ids
    )
    columns = matrix.values.tocsc()
    result = []
    for pair in pairs:
        assert pair.b is not None
        a, b = joint[pair.a], joint[pair.b]
        test = tell_opposites(
            columns[:, [int(matrix.column_of([a.id])[0])]],
            columns[:, [int(matrix.column_of([b.id])[0])]],
        )
        result.append(DuplicatePair(a, b, pair.score, None if test.n_co_voters == 0 else test))
    return result
