"""Taking part: create a conversation, join it, write statements, vote, get the next statement.

A participant is known by a random token (stored as a hash). Statements by facilitators
(seeds) are accepted at once; participants' statements start unmoderated (0): in an "open"
conversation they are shown at once and moderated afterwards, in a "strict" one they wait
for a moderator. The next statement is drawn as Polis draws it: a weighted random choice
among the visible statements the participant has not voted on, weighted by the latest
analysis's routing priorities.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import (
    MODERATION_MODES,
    AnalysisResult,
    Conversation,
    Participant,
    Statement,
    Vote,
)
from parley.db.storable import check_text
from parley.db.tokens import hash_token, new_participant_token
from parley.errors import ConflictError, InputError, NotFoundError

from . import statement_text
from .sessions import read_session
from .votes import cast_vote

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_STATEMENT_LENGTH",
    "MAX_TOPIC_LENGTH",
    "NEW_STATEMENT_PRIORITY",
    "Progress",
    "StatementInfo",
    "add_statement",
    "cast_vote",
    "correct_language",
    "create_conversation",
    "join_conversation",
    "new_conversation",
    "next_statement",
    "participant_for_token",
    "participant_progress",
    "participant_vote",
    "participant_votes",
    "statement_info",
    "visible_statements",
]

MAX_STATEMENT_LENGTH = 1_000
MAX_TOPIC_LENGTH = 1_000
MAX_DESCRIPTION_LENGTH = 50_000  # as Polis
MAX_XID_LENGTH = 256
#: priority of a statement the analysis has not seen: Polis's formula with no votes at all,
#: ((1 - 1/2) * (0 + 1) * 1/2 * (1 + 8 * 2^0))^2 (parley.core.routing)
NEW_STATEMENT_PRIORITY = (0.5 * 1.0 * 0.5 * 9.0) ** 2
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class StatementInfo:
    """A statement as the web layer shows it."""

    id: int
    conversation_id: int
    text: str
    moderation_state: int  # -1 rejected, 0 unmoderated, 1 accepted
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


@dataclass(frozen=True)
class Progress:
    """How far a participant got: votes cast on the statements they can see, of how many."""

    n_voted: int
    n_total: int


def _language(tag: str) -> str:
    if not _LANGUAGE_TAG.match(tag):
        raise InputError(f"language {tag!r} is not a language tag such as 'en' or 'de-CH'")
    return tag


def _text(value: str, *, name: str, max_length: int, allow_empty: bool = False) -> str:
    cleaned = check_text(value, name=name).strip()
    if not cleaned and not allow_empty:
        raise InputError(f"{name} cannot be empty")
    if len(cleaned) > max_length:
        raise InputError(f"{name} has {len(cleaned)} characters; at most {max_length}")
    return cleaned


def new_conversation(
    *,
    facilitator_id: int | None,
    topic: str,
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = "open",
) -> Conversation:
    """Return a validated, not yet stored conversation (to add in the caller's transaction)."""
    if moderation_mode not in MODERATION_MODES:
        raise InputError(f"moderation_mode={moderation_mode!r} should be one of {MODERATION_MODES}")
    if isinstance(languages, str) or not languages:
        raise InputError(f"languages={languages!r} should be a non-empty list of language tags")
    return Conversation(
        topic=_text(topic, name="topic", max_length=MAX_TOPIC_LENGTH),
        description=_text(
            description, name="description", max_length=MAX_DESCRIPTION_LENGTH, allow_empty=True
        ),
        languages=[_language(tag) for tag in languages],
        moderation_mode=moderation_mode,
        settings={},
        facilitator_id=facilitator_id,
    )


def create_conversation(
    session_factory: SessionFactory,
    *,
    facilitator_id: int | None,
    topic: str,
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = "open",
) -> int:
    """Create a conversation owned by a facilitator; return its id."""
    conversation = new_conversation(
        facilitator_id=facilitator_id,
        topic=topic,
        description=description,
        languages=languages,
        moderation_mode=moderation_mode,
    )
    with session_factory.begin() as session:
        session.add(conversation)
        session.flush()
        return conversation.id


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} does not exist")
    return conversation


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
    text = _text(text, name="statement text", max_length=MAX_STATEMENT_LENGTH)
    if language is not None:
        language = _language(language)
        source = "facilitator" if participant_id is None else "author"
    else:
        language, source = statement_text.detect(text), "detected"
    if vector is None:
        vector = statement_text.embed_texts([text])[0]
    with session_factory.begin() as session:
        _conversation(session, conversation_id)
        if participant_id is not None:
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
            embedding=statement_text.encode_vector(vector),
            embedding_model=statement_text.model_name(),
            author_id=participant_id,
            is_seed=is_seed,
            moderation_state=1 if is_seed else 0,
        )
        session.add(statement)
        session.flush()
        return StatementInfo.of(statement)


def correct_language(
    session_factory: SessionFactory, statement_id: int, participant_id: int, language: str
) -> StatementInfo:
    """Let a statement's author correct its language; copies shared elsewhere follow."""
    language = _language(language)
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


def join_conversation(
    session_factory: SessionFactory, conversation_id: int, *, xid: str | None = None
) -> tuple[int, str]:
    """Add a participant; return (participant id, token). The token is shown only this once."""
    if xid is not None:
        xid = _text(xid, name="xid", max_length=MAX_XID_LENGTH)
    token, token_hash = new_participant_token()
    try:
        with session_factory.begin() as session:
            _conversation(session, conversation_id)
            participant = Participant(
                conversation_id=conversation_id, token_hash=token_hash, xid=xid
            )
            session.add(participant)
            session.flush()
            return participant.id, token
    except IntegrityError:
        raise ConflictError(
            f"xid {xid!r} has joined conversation {conversation_id} already"
        ) from None


def participant_for_token(
    session_factory: SessionFactory, conversation_id: int, token: str
) -> int | None:
    """Return the id of the conversation's participant holding this token, or None."""
    if not token:
        return None
    with read_session(session_factory) as session:
        return session.scalar(
            select(Participant.id).where(
                Participant.token_hash == hash_token(token),
                Participant.conversation_id == conversation_id,
            )
        )


def participant_vote(
    session_factory: SessionFactory, participant_id: int, statement_id: int
) -> int | None:
    """Return a participant's current vote on a statement (-1, 0, 1), or None."""
    with read_session(session_factory) as session:
        return session.scalar(
            select(Vote.value).where(
                Vote.participant_id == participant_id, Vote.statement_id == statement_id
            )
        )


def participant_votes(session_factory: SessionFactory, participant_id: int) -> dict[int, int]:
    """Return a participant's current votes, statement id -> value, in one query."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Vote.statement_id, Vote.value).where(Vote.participant_id == participant_id)
        ).all()
    return {int(sid): int(value) for sid, value in rows}


def _visible(conversation: Conversation) -> list[int]:
    return [1, 0] if conversation.moderation_mode == "open" else [1]


def visible_statements(
    session_factory: SessionFactory, conversation_id: int
) -> list[StatementInfo]:
    """Return the statements participants see (accepted; unmoderated too in open mode)."""
    with read_session(session_factory) as session:
        conversation = _conversation(session, conversation_id)
        rows = session.scalars(
            select(Statement)
            .where(
                Statement.conversation_id == conversation_id,
                Statement.moderation_state.in_(_visible(conversation)),
            )
            .order_by(Statement.id)
        ).all()
        return [StatementInfo.of(row) for row in rows]


def participant_progress(
    session_factory: SessionFactory, conversation_id: int, participant_id: int
) -> Progress:
    """Return how many visible statements the participant voted on, of how many."""
    with read_session(session_factory) as session:
        conversation = _conversation(session, conversation_id)
        visible = Statement.moderation_state.in_(_visible(conversation))
        n_total = session.scalar(
            select(func.count())
            .select_from(Statement)
            .where(Statement.conversation_id == conversation_id, visible)
        )
        n_voted = session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Statement, Statement.id == Vote.statement_id)
            .where(Vote.participant_id == participant_id, visible)
        )
        return Progress(int(n_voted or 0), int(n_total or 0))


def next_statement(
    session_factory: SessionFactory, conversation_id: int, participant_id: int
) -> StatementInfo | None:
    """Draw the next statement to show, by priority (Polis routing); None when all are voted.

    The draw is seeded by (conversation, participant, number of votes so far): the same
    participant in the same state always gets the same statement, which keeps tests stable
    and makes a reload show the same statement.
    """
    with read_session(session_factory) as session:
        conversation = _conversation(session, conversation_id)
        voted = select(Vote.statement_id).where(Vote.participant_id == participant_id)
        candidates = session.scalars(
            select(Statement)
            .where(
                Statement.conversation_id == conversation_id,
                Statement.moderation_state.in_(_visible(conversation)),
                Statement.id.not_in(voted),
            )
            .order_by(Statement.id)
        ).all()
        if not candidates:
            return None
        priorities = session.scalar(
            select(AnalysisResult.priorities)
            .where(AnalysisResult.conversation_id == conversation_id)
            .order_by(AnalysisResult.id.desc())
            .limit(1)
        )
        n_voted = session.scalar(
            select(func.count()).select_from(Vote).where(Vote.participant_id == participant_id)
        )
        weights = _weights([s.id for s in candidates], priorities or {})
        rng = np.random.default_rng([conversation_id, participant_id, int(n_voted or 0)])
        choice = int(rng.choice(len(candidates), p=weights / weights.sum()))
        return StatementInfo.of(candidates[choice])


def _weights(statement_ids: list[int], priorities: dict[str, Any]) -> NDArray[np.float64]:
    """Priorities of the candidates; unseen (or unusable) ones get NEW_STATEMENT_PRIORITY."""
    weights = np.array(
        [priorities.get(str(sid), NEW_STATEMENT_PRIORITY) for sid in statement_ids],
        dtype=np.float64,
    )
    weights[~np.isfinite(weights) | (weights < 0)] = NEW_STATEMENT_PRIORITY
    if weights.sum() <= 0:
        weights[:] = 1.0
    return weights
