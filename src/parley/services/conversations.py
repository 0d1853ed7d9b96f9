"""Conversations: create them, list them with their counts, check who may manage one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement, Vote
from parley.db.types import utc_now
from parley.errors import InputError, NotFoundError

from . import rules
from .access import join_path, new_join_key, set_visibility
from .inputs import MAX_DESCRIPTION_LENGTH, MAX_TOPIC_LENGTH, clean_text, language_tag
from .process_texts import format_heading
from .rules import ModerationMode, Visibility, check_can_manage
from .sessions import read_session
from .shown import min_group_size_of

__all__ = [
    "ConversationInfo",
    "Privacy",
    "conversation_summary",
    "create_conversation",
    "ensure_can_manage",
    "get_conversation",
    "list_conversations",
    "new_conversation",
    "privacy_of",
    "set_closed",
]


@dataclass(frozen=True)
class ConversationInfo:
    """A conversation with its counts."""

    id: int
    topic: str
    description: str
    languages: list[str]
    moderation_mode: str
    facilitator_id: int | None
    created_at: datetime
    n_participants: int
    n_statements: int
    n_votes: int
    closed_at: datetime | None = None
    visibility: str = "public"  # ``rules.Visibility``
    #: a process format's name (in the reader's language, from ``conversation_summary``)
    format_name: str | None = None


def new_conversation(
    *,
    facilitator_id: int | None,
    topic: str,
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = ModerationMode.OPEN,
    visibility: str = Visibility.PUBLIC,
    min_group_size: int | None = None,
) -> Conversation:
    """Return a validated, not yet stored conversation (to add in the caller's transaction).

    ``min_group_size`` (``rules.min_group_size``) is stored in its settings; without it a
    format takes its process's, any other conversation the default.
    """
    mode = rules.moderation_mode(moderation_mode)
    seen_by = rules.visibility(visibility)
    if isinstance(languages, str) or not languages:
        raise InputError(f"languages={languages!r} should be a non-empty list of language tags")
    return Conversation(
        topic=clean_text(topic, name="topic", max_length=MAX_TOPIC_LENGTH),
        description=clean_text(
            description, name="description", max_length=MAX_DESCRIPTION_LENGTH, allow_empty=True
        ),
        languages=[language_tag(tag) for tag in languages],
        moderation_mode=mode.value,
        settings=(
            {}
            if min_group_size is None
            else {"min_group_size": rules.min_group_size(min_group_size)}
        ),
        facilitator_id=facilitator_id,
        visibility=seen_by.value,
        join_key=new_join_key() if seen_by == Visibility.MEMBERS else None,
    )


def create_conversation(
    session_factory: SessionFactory,
    *,
    facilitator_id: int | None,
    topic: str,
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = ModerationMode.OPEN,
    visibility: str = Visibility.PUBLIC,
    min_group_size: int | None = None,
) -> int:
    """Create a conversation owned by a facilitator; return its id."""
    conversation = new_conversation(
        facilitator_id=facilitator_id,
        topic=topic,
        description=description,
        languages=languages,
        moderation_mode=moderation_mode,
        visibility=visibility,
        min_group_size=min_group_size,
    )
    with session_factory.begin() as session:
        session.add(conversation)
        session.flush()
        return conversation.id


def get_conversation(session: Session, conversation_id: int) -> Conversation:
    """Return the conversation in this session, else raise NotFoundError."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFoundError(f"conversation {conversation_id} does not exist")
    return conversation


def _counts(session: Session, model: Any, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(model.conversation_id, func.count())
        .where(model.conversation_id.in_(ids))
        .group_by(model.conversation_id)
    ).all()
    return {int(cid): int(n) for cid, n in rows}


def _infos(session: Session, conversations: list[Conversation]) -> list[ConversationInfo]:
    ids = [c.id for c in conversations]
    participants = _counts(session, Participant, ids)
    statements = _counts(session, Statement, ids)
    votes = _counts(session, Vote, ids)
    return [
        ConversationInfo(
            id=c.id,
            topic=c.topic,
            description=c.description,
            languages=list(c.languages),
            moderation_mode=c.moderation_mode,
            facilitator_id=c.facilitator_id,
            created_at=c.created_at,
            n_participants=participants.get(c.id, 0),
            n_statements=statements.get(c.id, 0),
            n_votes=votes.get(c.id, 0),
            closed_at=c.closed_at,
            visibility=c.visibility,
        )
        for c in conversations
    ]


def conversation_summary(
    session_factory: SessionFactory, conversation_id: int, languages: Sequence[str] = ()
) -> ConversationInfo:
    """Return a conversation with its numbers of participants, statements and votes.

    With ``languages`` (the reader's), a process format's name, topic and description come in
    the first of them that the process has translations in (``process_texts.format_heading``).
    """
    with read_session(session_factory) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFoundError(f"conversation {conversation_id} does not exist")
        info = _infos(session, [conversation])[0]
        heading = format_heading(session, conversation_id, languages)
    if heading is None:
        return info
    if heading.topic is None or heading.description is None:
        return replace(info, format_name=heading.format_name)
    return replace(
        info,
        format_name=heading.format_name,
        topic=heading.topic,
        description=heading.description,
    )


def list_conversations(
    session_factory: SessionFactory, facilitator_id: int
) -> list[ConversationInfo]:
    """Return the conversations a facilitator may manage (theirs and unowned ones), newest first."""
    with read_session(session_factory) as session:
        conversations = session.scalars(
            select(Conversation)
            .where(
                or_(
                    Conversation.facilitator_id == facilitator_id,
                    Conversation.facilitator_id.is_(None),
                )
            )
            .order_by(Conversation.id.desc())
        ).all()
        return _infos(session, list(conversations))


def ensure_can_manage(
    session_factory: SessionFactory, facilitator_id: int, conversation_id: int
) -> None:
    """Raise unless the facilitator owns the conversation (or it has no owner, e.g. an import)."""
    with read_session(session_factory) as session:
        owner = session.execute(
            select(Conversation.facilitator_id).where(Conversation.id == conversation_id)
        ).first()
    if owner is None:
        raise NotFoundError(f"conversation {conversation_id} does not exist")
    check_can_manage(owner[0], facilitator_id, f"conversation {conversation_id}")


def set_closed(session_factory: SessionFactory, conversation_id: int, *, closed: bool) -> None:
    """Close a conversation (it takes no more votes or statements) or open it again."""
    with session_factory.begin() as session:
        conversation = get_conversation(session, conversation_id)
        if closed and conversation.closed_at is None:
            conversation.closed_at = utc_now()
        elif not closed:
            conversation.closed_at = None


def set_privacy(
    session_factory: SessionFactory,
    conversation_id: int,
    *,
    visibility: str,
    min_group_size: int | None,
) -> None:
    """Set who may read a conversation and its smallest group shown (None: the default).

    A members-only conversation gets a join key (``access.set_visibility``); a format
    without its own size follows its process's.
    """
    chosen = rules.visibility(visibility)
    size = None if min_group_size is None else rules.min_group_size(min_group_size)
    with session_factory.begin() as session:
        conversation = get_conversation(session, conversation_id)
        set_visibility(session, conversation, chosen)
        settings = dict(conversation.settings or {})
        settings.pop("min_group_size", None)
        if size is not None:
            settings["min_group_size"] = size
        conversation.settings = settings  # read when shown: nothing to recompute


def group_size_settings(
    session_factory: SessionFactory, conversation_id: int
) -> tuple[int | None, int]:
    """Return the conversation's own minimum group size (None: not set) and the one shown."""
    with read_session(session_factory) as session:
        own = (get_conversation(session, conversation_id).settings or {}).get("min_group_size")
        return (None if own is None else int(own)), min_group_size_of(session, conversation_id)


@dataclass(frozen=True)
class Privacy:
    """Who may read a conversation and the smallest opinion group it shows."""

    visibility: str  # ``rules.Visibility``
    min_group_size: int | None  # its own; None: it follows its process's (or the default)
    min_group_size_shown: int
    join_path: str  # the join link's path; a members-only one carries the key


def privacy_of(session_factory: SessionFactory, conversation_id: int) -> Privacy:
    """Return a conversation's privacy settings and join link (for its facilitator)."""
    with read_session(session_factory) as session:
        conversation = get_conversation(session, conversation_id)
        own = (conversation.settings or {}).get("min_group_size")
        return Privacy(
            visibility=conversation.visibility,
            min_group_size=None if own is None else int(own),
            min_group_size_shown=min_group_size_of(session, conversation_id),
            join_path=join_path(conversation.id, conversation.join_key),
        )
