"""Formats of a process: add a new one, or make an existing conversation (an import) one.

Each format has a conversation of its own, whose participants are the format's members, so
every vote stays attributed to its voter's format and each format keeps its own analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Process, ProcessFormat, Statement
from parley.errors import ConflictError, InputError, NotFoundError

from .access import join_path, set_visibility
from .conversations import new_conversation
from .embeddings import embed_conversation
from .inputs import clean_name
from .rules import ModerationMode, Visibility, check_can_manage
from .sessions import read_session

__all__ = [
    "MAX_FORMATS",
    "FormatInfo",
    "add_format",
    "attach_conversation",
    "bump_process",
    "format_rows",
    "free_conversations",
    "new_format",
    "statement_in_process",
]

MAX_FORMATS = 20


@dataclass(frozen=True)
class FormatInfo:
    """A format as the pages show it."""

    id: int
    name: str
    conversation_id: int
    position: int
    n_members: int = 0
    n_statements: int = 0  # visible statements (rules.visible), shared copies included
    join_path: str = ""  # the members' join link: /c/{id}, with ?key=... when members-only


def bump_process(session: Session, process_id: int) -> None:
    """Mark a process changed in itself (formats, settings, labels): its agenda is redone."""
    session.execute(
        update(Process).where(Process.id == process_id).values(version=Process.version + 1)
    )


def statement_in_process(
    session: Session, statement_id: int, process_id: int | None = None
) -> tuple[Statement, int]:
    """Return a statement of a process's format and the process (else 404 or 422).

    With ``process_id`` the statement must be in that process.
    """
    statement = session.get(Statement, statement_id)
    found = None
    if statement is not None:
        found = session.scalar(
            select(ProcessFormat.process_id).where(
                ProcessFormat.conversation_id == statement.conversation_id
            )
        )
    if statement is None:
        raise NotFoundError(f"statement {statement_id} does not exist")
    if process_id is not None and found != process_id:
        raise NotFoundError(f"statement {statement_id} is not in process {process_id}")
    if found is None:
        raise InputError(f"statement {statement_id} is not in a process's format")
    return statement, int(found)


def format_rows(session: Session, process_id: int) -> list[ProcessFormat]:
    """Return a process's formats in order."""
    return list(
        session.scalars(
            select(ProcessFormat)
            .where(ProcessFormat.process_id == process_id)
            .order_by(ProcessFormat.position, ProcessFormat.id)
        ).all()
    )


def new_format(
    session: Session,
    process: Process,
    name: str,
    position: int,
    languages: Sequence[str],
    moderation_mode: str,
) -> ProcessFormat:
    """Add a format and its new conversation to a process, in the caller's transaction."""
    conversation = new_conversation(
        facilitator_id=process.facilitator_id,
        topic=f"{process.name}: {name}",
        description=process.description,
        languages=languages,
        moderation_mode=moderation_mode,
    )
    set_visibility(session, conversation, Visibility.MEMBERS)  # a process's formats: private
    session.add(conversation)
    session.flush()
    row = ProcessFormat(
        process_id=process.id,
        name=name,
        conversation_id=conversation.id,
        position=position,
    )
    session.add(row)
    session.flush()
    bump_process(session, process.id)
    return row


def _free_slot(session: Session, process_id: int, name: str) -> tuple[Process, int]:
    """Check a new format's name is free in the process; return the process and position."""
    process = session.get(Process, process_id)
    if process is None:
        raise NotFoundError(f"process {process_id} does not exist")
    taken = session.scalars(
        select(ProcessFormat.name).where(ProcessFormat.process_id == process_id)
    ).all()
    if name in taken:
        raise ConflictError(f"process {process_id} has a format {name!r} already")
    if len(taken) >= MAX_FORMATS:
        raise InputError(f"process {process_id} has {MAX_FORMATS} formats; no more")
    return process, len(taken)


def add_format(
    session_factory: SessionFactory,
    process_id: int,
    name: str,
    *,
    languages: Sequence[str] = ("en",),
    moderation_mode: str = ModerationMode.OPEN,
) -> FormatInfo:
    """Add a format (and its conversation) to a process, in one transaction."""
    name = clean_name(name, "format name")
    try:
        with session_factory.begin() as session:
            process, position = _free_slot(session, process_id, name)
            row = new_format(session, process, name, position, languages, moderation_mode)
            key = session.scalar(
                select(Conversation.join_key).where(Conversation.id == row.conversation_id)
            )
            path = join_path(row.conversation_id, key)
            return FormatInfo(row.id, name, row.conversation_id, row.position, join_path=path)
    except IntegrityError:  # a concurrent add of the same name
        raise ConflictError(f"process {process_id} has a format {name!r} already") from None


def attach_conversation(
    session_factory: SessionFactory,
    process_id: int,
    conversation_id: int,
    name: str,
    *,
    facilitator_id: int | None = None,
    embed: bool = True,
) -> FormatInfo:
    """Make an existing conversation (an imported Polis export, say) a format of a process.

    Its participants become the format's members and its statements stay where they are:
    the statements page then suggests look-alikes across formats to merge into joint
    statements. A conversation can be a format of one process only; with
    ``facilitator_id`` it must be theirs or have no owner. With ``embed``, its statements
    that lack an embedding get one now (about 40 a second), so that look-alikes across
    formats can be found at once.
    """
    info = _attach(session_factory, process_id, conversation_id, name, facilitator_id)
    if embed:
        while embed_conversation(session_factory, conversation_id):
            pass
    return info


def _attach(
    session_factory: SessionFactory,
    process_id: int,
    conversation_id: int,
    name: str,
    facilitator_id: int | None,
) -> FormatInfo:
    name = clean_name(name, "format name")
    try:
        with session_factory.begin() as session:
            _, position = _free_slot(session, process_id, name)
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} does not exist")
            if facilitator_id is not None:
                check_can_manage(
                    conversation.facilitator_id, facilitator_id, f"conversation {conversation_id}"
                )
            in_use = session.scalar(
                select(ProcessFormat.process_id).where(
                    ProcessFormat.conversation_id == conversation_id
                )
            )
            if in_use is not None:
                raise ConflictError(
                    f"conversation {conversation_id} is a format of process {in_use} already"
                )
            row = ProcessFormat(
                process_id=process_id,
                name=name,
                conversation_id=conversation_id,
                position=position,
            )
            session.add(row)
            session.flush()
            bump_process(session, process_id)
            path = join_path(conversation_id, conversation.join_key)
            return FormatInfo(row.id, name, conversation_id, row.position, join_path=path)
    except IntegrityError:
        raise ConflictError(
            f"conversation {conversation_id} or the name {name!r} is taken in this process"
        ) from None


def free_conversations(
    session_factory: SessionFactory, facilitator_id: int | None
) -> list[tuple[int, str]]:
    """Return (id, topic) of the conversations a facilitator may attach: in no process yet."""
    with read_session(session_factory) as session:
        query = (
            select(Conversation.id, Conversation.topic)
            .where(Conversation.id.not_in(select(ProcessFormat.conversation_id)))
            .order_by(Conversation.id.desc())
        )
        if facilitator_id is not None:
            query = query.where(
                (Conversation.facilitator_id == facilitator_id)
                | Conversation.facilitator_id.is_(None)
            )
        return [(int(cid), str(topic)) for cid, topic in session.execute(query).all()]
