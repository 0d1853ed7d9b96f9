"""Agenda items: the joint statements clustered into topics across languages, and their labels.

Items are clusters of the joint statements' stored embeddings (``parley.text.topics``),
labelled from keywords in each language its statements read in (as written or translated).
When the clustering is redone, an item keeps its id (and the labels a facilitator gave it,
per language) when it keeps most of its statements. Only the analysis worker clusters (it
runs the embedding model); pages and the API read what it stored.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Select, delete, select, update

from parley.db.engine import SessionFactory
from parley.db.models import AgendaItem, Process, Statement
from parley.errors import NotFoundError
from parley.text.embeddings import Embedder, Vectors
from parley.text.topics import cluster_topics, label_for, label_topics

from .embeddings import decode_vector, embed_missing, shared_embedder
from .formats import bump_process
from .inputs import clean_name, language_tag
from .joint import joint_statements
from .sessions import read_session
from .translations import translation_infos

__all__ = [
    "MAX_LABEL_LENGTH",
    "ItemLabels",
    "item_label_sets",
    "item_labels",
    "refresh_agenda_items",
    "rename_item",
]

MAX_LABEL_LENGTH = 120
LABEL_CANDIDATES = 8  # keyword phrases embedded per item and language when labelling
PHRASE_CACHE_SIZE = 50_000  # keyword phrases' vectors kept between reclusterings


class _CachedPhrases:
    """The shared embedder, remembering the vectors of the keyword phrases it embedded.

    Labelling embeds up to ``LABEL_CANDIDATES`` phrases per item and language each time the
    items are redone, mostly the same ones: they are embedded once per worker process.
    """

    _vectors: dict[tuple[str, str], Vectors] = {}  # noqa: RUF012 (one cache per process)
    _lock = threading.Lock()

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.match_threshold = embedder.match_threshold

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed the phrases not seen before, and return every phrase's vector."""
        if not texts:
            return self.embedder.embed([])
        with self._lock:
            missing = sorted({t for t in texts if (self.name, t) not in self._vectors})
            if missing:
                if len(self._vectors) + len(missing) > PHRASE_CACHE_SIZE:
                    self._vectors.clear()
                found = self.embedder.embed(missing)
                self._vectors.update(
                    {(self.name, t): v for t, v in zip(missing, found, strict=True)}
                )
            return np.asarray(
                [self._vectors[(self.name, t)] for t in texts], dtype=np.float32
            ).reshape(len(texts), -1)


@dataclass(frozen=True)
class ItemLabels:
    """An agenda item's labels: the one shown by default and one per language."""

    label: str
    labels: dict[str, str]


def _labels_of(process_id: int) -> Select[tuple[int, str, bool, Any, Any]]:
    """Select each item's id, label, rename flag, labels and renames per language."""
    return select(
        AgendaItem.id,
        AgendaItem.label,
        AgendaItem.is_custom,
        AgendaItem.labels,
        AgendaItem.custom_labels,
    ).where(AgendaItem.process_id == process_id)


def _effective(
    label: str, is_custom: bool, labels: Mapping[str, Any], custom: Mapping[str, Any]
) -> ItemLabels:
    """Combine the keyword labels with a facilitator's: theirs win, language by language.

    A rename from before labels per language (``is_custom`` without ``custom_labels``)
    stands for every language without a rename of its own.
    """
    merged = {str(k): str(v) for k, v in labels.items()}
    if is_custom and not custom:
        merged = dict.fromkeys(merged or ["en"], label)
    merged.update({str(k): str(v) for k, v in custom.items()})
    return ItemLabels(label_for(merged, "en", default=label), merged)


def _label_texts(
    session_factory: SessionFactory,
    joint: Sequence[Any],
    languages: Sequence[str],
    clusters: NDArray[np.int64],
) -> tuple[list[str], list[str], NDArray[np.int64], NDArray[np.int64]]:
    """The texts an item is labelled from: its statements and their shown translations.

    A translation counts in its own language, in its statement's item, with its statement's
    vector (row), so that an item has a label in every language its statements read in.
    """
    texts, tags = [s.text for s in joint], list(languages)
    of_item, rows = clusters.tolist(), list(range(len(joint)))
    with read_session(session_factory) as session:
        found = translation_infos(session, [s.id for s in joint])
    for row, statement in enumerate(joint):
        for info in found.get(statement.id, []):
            if info.is_shown and info.language != languages[row]:
                texts.append(info.text)
                tags.append(info.language)
                of_item.append(int(clusters[row]))
                rows.append(row)
    return texts, tags, np.asarray(of_item, dtype=np.int64), np.asarray(rows, dtype=np.int64)


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
            int(i): (str(label), bool(custom), dict(found or {}), dict(renamed or {}))
            for i, label, custom, found, renamed in session.execute(_labels_of(process_id)).all()
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
    texts, tags, of_item, rows = _label_texts(session_factory, joint, languages, clusters)
    topics = label_topics(
        texts,
        tags,
        of_item,
        vectors[rows],
        embedder=_CachedPhrases(shared_embedder()),
        max_candidates=LABEL_CANDIDATES,
    )
    found = {
        int(t.item): {tag: text[:MAX_LABEL_LENGTH] for tag, text in t.labels.items()}
        for t in topics
    }
    with session_factory.begin() as session:
        item_of_cluster: dict[int, int] = {}
        for cluster in sorted(set(clusters.tolist())):
            if cluster in reuse:
                item_id = reuse[cluster]
                label, custom, _, renamed = old_items[item_id]
                shown = _effective(label, custom, found[cluster], renamed)
                session.execute(
                    update(AgendaItem)
                    .where(AgendaItem.id == item_id)
                    .values(label=label if custom else shown.label, labels=found[cluster])
                )
            else:
                shown = _effective("", False, found[cluster], {})
                row = AgendaItem(
                    process_id=process_id,
                    label=shown.label,
                    is_custom=False,
                    labels=found[cluster],
                    custom_labels={},
                )
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


def rename_item(
    session_factory: SessionFactory,
    process_id: int,
    item_id: int,
    label: str,
    *,
    language: str = "en",
) -> None:
    """Give an agenda item a facilitator's label in ``language`` (kept when items recompute)."""
    cleaned = clean_name(label, "an agenda item's label", max_length=MAX_LABEL_LENGTH)
    tag = language_tag(language.strip())
    with session_factory.begin() as session:
        item = session.get(AgendaItem, item_id)
        if item is None or item.process_id != process_id:
            raise NotFoundError(f"agenda item {item_id} is not in process {process_id}")
        renamed = dict(item.custom_labels or {})
        if item.is_custom and not renamed:  # a rename from before labels per language
            renamed = dict.fromkeys(item.labels or ["en"], item.label)
        renamed[tag] = cleaned
        item.custom_labels = renamed
        item.label = _effective(item.label, False, item.labels or {}, renamed).label
        item.is_custom = False
        bump_process(session, process_id)


def item_label_sets(session_factory: SessionFactory, process_id: int) -> dict[int, ItemLabels]:
    """Return the labels of a process's agenda items (default and per language) by item id."""
    with read_session(session_factory) as session:
        rows = session.execute(_labels_of(process_id)).all()
    return {
        int(i): _effective(str(label), bool(custom), found or {}, renamed or {})
        for i, label, custom, found, renamed in rows
    }


def item_labels(session_factory: SessionFactory, process_id: int) -> dict[int, str]:
    """Return the default labels of a process's agenda items by item id."""
    return {
        item: shown.label for item, shown in item_label_sets(session_factory, process_id).items()
    }
