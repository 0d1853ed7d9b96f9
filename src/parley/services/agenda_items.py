"""Agenda items: the joint statements clustered into topics across languages, and their labels.

Items are clusters of the joint statements' stored embeddings (``parley.text.topics``),
labelled from keywords. When the clustering is redone, an item keeps its id (and a label a
facilitator gave it) when it keeps most of its statements. Only the analysis worker
clusters (it runs the embedding model); pages and the API read what it stored.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlalchemy import delete, select, update

from parley.db.engine import SessionFactory
from parley.db.models import AgendaItem, Process, Statement
from parley.errors import NotFoundError
from parley.text.topics import cluster_topics, label_topics

from .embeddings import decode_vector, embed_missing, shared_embedder
from .formats import bump_process
from .inputs import clean_name
from .joint import joint_statements
from .sessions import read_session

__all__ = ["MAX_LABEL_LENGTH", "item_labels", "refresh_agenda_items", "rename_item"]

MAX_LABEL_LENGTH = 120
LABEL_CANDIDATES = 12  # keyword phrases embedded per item when labelling


def refresh_agenda_items(
    session_factory: SessionFactory, process_id: int, *, force: bool = False
) -> int:
    """Cluster the joint statements into agenda items when some have none; return the count.

    With ``force`` the clustering is redone even when every statement has an item.
    Embeddings missing so far are computed and stored first.
    """
    with read_session(session_factory) as session:
        if session.get(Process, process_id) is None:
            raise NotFoundError(f"process {process_id} does not exist")
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
    cleaned = clean_name(label, "an agenda item's label", max_length=MAX_LABEL_LENGTH)
    with session_factory.begin() as session:
        item = session.get(AgendaItem, item_id)
        if item is None or item.process_id != process_id:
            raise NotFoundError(f"agenda item {item_id} is not in process {process_id}")
        item.label = cleaned
        item.is_custom = True
        bump_process(session, process_id)


def item_labels(session_factory: SessionFactory, process_id: int) -> dict[int, str]:
    """Return the labels of a process's agenda items by item id."""
    with read_session(session_factory) as session:
        return {
            int(i): str(label)
            for i, label in session.execute(
                select(AgendaItem.id, AgendaItem.label).where(AgendaItem.process_id == process_id)
            ).all()
        }
