"""Statements: write one (a facilitator's seed or a participant's), correct its language, list.

Seeds are accepted at once; participants' statements start pending: in an open conversation
they are shown at once and moderated afterwards, in a strict one they wait for a moderator
(``rules``). A statement's language is detected unless given, and its sentence embedding is
computed once and stored with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select, update

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement
from parley.errors import ConflictError, NotFoundError

from . import embeddings
from .conversations import get_conversation
from .inputs import MAX_STATEMENT_LENGTH, clean_text, language_tag
from .rules import ModerationState, check_open, visible
from .sessions import read_session

__all__ = [
    "StatementInfo",
    "add_statement",
    "correct_language",
    "statement_info",
    "visible_statements",
]


@dataclass(frozen=True)
class StatementInfo:
    """A statement as the web layer shows it."""

    id: int
    conversation_id: int
    text: str
    moderation_state: int  # rules.ModerationState
    is_seed: bool
    is_meta: bool
    language: str | None
    author_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: Statement) -> StatementInfo:
        """Copy the fields of a statement row."""
        return cls(
            row.id,
            row.conversation_id,
            row.text,
            row.moderation_state,
            row.is_seed,
            row.is_meta,
            row.language,
            row.author_id,
            row.created_at,
        )


def add_statement(
    session_factory: SessionFactory,
    conversation_id: int,
    text: str,
    *,
    participant_id: int | None = None,
    is_seed: bool = False,
    language: str | None = None,
    vector: NDArray[np.float32] | None = None,
) -> StatementInfo:
    """Add a statement: a facilitator's seed (accepted) or a participant's (unmoderated).

    Without ``language`` it is detected from the text; the sentence embedding is computed
    now (or ``vector``, already computed for this text, is used) and stored with it.
    """
    text = clean_text(text, name="statement text", max_length=MAX_STATEMENT_LENGTH)
    if language is not None:
        language = language_tag(language)
        source = "facilitator" if participant_id is None else "author"
    else:
        language, source = embeddings.detect(text), "detected"
    if vector is None:
        vector = embeddings.embed_texts([text])[0]
    with session_factory.begin() as session:
        conversation = get_conversation(session, conversation_id)
        if participant_id is not None:
            check_open(conversation_id, conversation.closed_at)
            author = session.get(Participant, participant_id)
            if author is None or author.conversation_id != conversation_id:
                raise NotFoundError(
                    f"participant {participant_id} is not in conversation {conversation_id}"
                )
        duplicate = session.scalar(
            select(Statement.id).where(
                Statement.conversation_id == conversation_id, Statement.text == text
            )
        )
        if duplicate is not None:  # Polis blocks exact duplicates too (polis#132)
            raise ConflictError(f"statement {duplicate} says exactly this already")
        statement = Statement(
            conversation_id=conversation_id,
            text=text,
            language=language,
            language_source=source,
            embedding=embeddings.encode_vector(vector),
            embedding_model=embeddings.model_name(),
            author_id=participant_id,
            is_seed=is_seed,
            moderation_state=ModerationState.ACCEPTED if is_seed else ModerationState.PENDING,
        )
        session.add(statement)
        session.flush()
        return StatementInfo.of(statement)


def correct_language(
    session_factory: SessionFactory, statement_id: int, participant_id: int, language: str
) -> StatementInfo:
    """Let a statement's author correct its language; copies shared elsewhere follow."""
    language = language_tag(language)
    with session_factory.begin() as session:
        statement = session.get(Statement, statement_id)
        if statement is None or statement.author_id != participant_id:
            raise NotFoundError(f"statement {statement_id} is not one of yours")
        statement.language = language
        statement.language_source = "author"
        session.execute(
            update(Statement)
            .where(Statement.origin_id == statement_id)
            .values(language=language, language_source="author")
        )
        return StatementInfo.of(statement)


def statement_info(session_factory: SessionFactory, statement_id: int) -> StatementInfo:
    """Return one statement."""
    with read_session(session_factory) as session:
        statement = session.get(Statement, statement_id)
        if statement is None:
            raise NotFoundError(f"statement {statement_id} does not exist")
        return StatementInfo.of(statement)


def visible_statements(
    session_factory: SessionFactory, conversation_id: int
) -> list[StatementInfo]:
    """Return the statements participants see (``rules.visible``), in id order."""
    with read_session(session_factory) as session:
        get_conversation(session, conversation_id)
        rows = session.scalars(
            select(Statement)
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(Statement.conversation_id == conversation_id, visible())
            .order_by(Statement.id)
        ).all()
        return [StatementInfo.of(row) for row in rows]
