"""Processes: formats deliberating in parallel, statements shared between them, duplicates merged.

A process holds formats; each format has a conversation of its own, whose participants are
the format's members, so every vote stays attributed to its voter's format and each format
keeps its own Polis analysis. A statement shared into another format is copied into that
format's conversation as an accepted statement whose ``origin_id`` names the *joint
statement* (the root) it copies; the joint agenda counts the root and its copies as one.
Observers belong to no format: they read the agenda through the process's observer key.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import (
    Conversation,
    ModerationLog,
    Participant,
    Process,
    ProcessFormat,
    Statement,
    Vote,
    VoteEvent,
)
from parley.db.storable import check_text
from parley.db.types import utc_now
from parley.errors import ConflictError, ForbiddenError, InputError, NotFoundError

from .participation import new_conversation
from .sessions import read_session
from .statement_text import embed_conversation

__all__ = [
    "DEFAULT_MIN_VOTES",
    "AutoShare",
    "FormatInfo",
    "ProcessInfo",
    "add_format",
    "attach_conversation",
    "auto_share",
    "create_process",
    "format_of_conversation",
    "free_conversations",
    "joined_other_format",
    "list_processes",
    "managed_process",
    "merge_statements",
    "origins_of",
    "process_for_observer",
    "process_info",
    "root_of",
    "set_process_settings",
    "share_everything",
    "share_statement",
]

DEFAULT_MIN_VOTES = 5
MAX_NAME_LENGTH = 256
MAX_FORMATS = 20


@dataclass(frozen=True)
class AutoShare:
    """Share a statement with every format once its own format supports it this much."""

    min_votes: int = 5
    min_agree: float = 0.7

    def __post_init__(self) -> None:
        if self.min_votes < 1:
            raise InputError(f"auto-share min_votes={self.min_votes} should be >= 1")
        if not 0.0 < self.min_agree <= 1.0:
            raise InputError(f"auto-share min_agree={self.min_agree} should be in (0, 1]")


@dataclass(frozen=True)
class FormatInfo:
    """A format as the pages show it."""

    id: int
    name: str
    conversation_id: int
    position: int
    n_members: int = 0
    n_statements: int = 0


@dataclass(frozen=True)
class ProcessInfo:
    """A process, its settings and its formats in order."""

    id: int
    name: str
    description: str
    observer_key: str
    facilitator_id: int | None
    min_votes: int
    auto_share: AutoShare | None
    formats: list[FormatInfo] = field(default_factory=list)
    n_joint_statements: int = 0  # originals, each counted once however often shared

    def format_named(self, name: str) -> FormatInfo:
        """Return the format called ``name``."""
        for info in self.formats:
            if info.name == name:
                return info
        raise NotFoundError(f"process {self.id} has no format {name!r}")


def _name(value: str, what: str) -> str:
    cleaned = " ".join(check_text(value, name=what).split())
    if not cleaned:
        raise InputError(f"{what} cannot be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InputError(f"{what} has {len(cleaned)} characters; at most {MAX_NAME_LENGTH}")
    return cleaned


def _settings(min_votes: int, share: AutoShare | None) -> dict[str, Any]:
    if min_votes < 1:
        raise InputError(f"min_votes={min_votes} should be >= 1")
    settings: dict[str, Any] = {"min_votes": int(min_votes)}
    if share is not None:
        settings["auto_share"] = {"min_votes": share.min_votes, "min_agree": share.min_agree}
    return settings


def create_process(
    session_factory: SessionFactory,
    *,
    facilitator_id: int | None,
    name: str,
    formats: Sequence[str],
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = "open",
    min_votes: int = DEFAULT_MIN_VOTES,
    share: AutoShare | None = None,
) -> int:
    """Create a process with its formats (each gets a conversation), all or nothing."""
    names = [_name(n, "format name") for n in formats]
    if not names:
        raise InputError("a process needs at least one format")
    if len(set(names)) != len(names):
        raise InputError(f"format names {names} should differ from each other")
    if len(names) > MAX_FORMATS:
        raise InputError(f"{len(names)} formats; at most {MAX_FORMATS}")
    process = Process(
        name=_name(name, "process name"),
        description=description.strip(),
        settings=_settings(min_votes, share),
        observer_key=secrets.token_urlsafe(18),
        facilitator_id=facilitator_id,
    )
    with session_factory.begin() as session:
        session.add(process)
        session.flush()
        for position, format_name in enumerate(names):
            _add_format(session, process, format_name, position, languages, moderation_mode)
        return process.id


def _add_format(
    session: Session,
    process: Process,
    name: str,
    position: int,
    languages: Sequence[str],
    moderation_mode: str,
) -> ProcessFormat:
    conversation = new_conversation(
        facilitator_id=process.facilitator_id,
        topic=f"{process.name}: {name}",
        description=process.description,
        languages=languages,
        moderation_mode=moderation_mode,
    )
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
    moderation_mode: str = "open",
) -> FormatInfo:
    """Add a format (and its conversation) to a process, in one transaction."""
    name = _name(name, "format name")
    try:
        with session_factory.begin() as session:
            process, position = _free_slot(session, process_id, name)
            row = _add_format(session, process, name, position, languages, moderation_mode)
            return FormatInfo(row.id, name, row.conversation_id, row.position)
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
    name = _name(name, "format name")
    try:
        with session_factory.begin() as session:
            _, position = _free_slot(session, process_id, name)
            conversation = session.get(Conversation, conversation_id)
            if conversation is None:
                raise NotFoundError(f"conversation {conversation_id} does not exist")
            owner = conversation.facilitator_id
            if facilitator_id is not None and owner is not None and owner != facilitator_id:
                raise ForbiddenError(
                    f"conversation {conversation_id} belongs to another facilitator"
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
            return FormatInfo(row.id, name, conversation_id, row.position)
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


def _info(session: Session, process: Process) -> ProcessInfo:
    formats = session.scalars(
        select(ProcessFormat)
        .where(ProcessFormat.process_id == process.id)
        .order_by(ProcessFormat.position, ProcessFormat.id)
    ).all()
    ids = [f.conversation_id for f in formats]
    members = dict(
        session.execute(
            select(Participant.conversation_id, func.count())
            .where(Participant.conversation_id.in_(ids))
            .group_by(Participant.conversation_id)
        ).all()
    )
    statements = dict(
        session.execute(
            select(Statement.conversation_id, func.count())
            .where(Statement.conversation_id.in_(ids), Statement.moderation_state != -1)
            .group_by(Statement.conversation_id)
        ).all()
    )
    n_joint = session.scalar(
        select(func.count()).where(
            Statement.conversation_id.in_(ids),
            Statement.origin_id.is_(None),
            Statement.moderation_state != -1,
        )
    )
    settings = process.settings or {}
    return ProcessInfo(
        id=process.id,
        name=process.name,
        description=process.description,
        observer_key=process.observer_key,
        facilitator_id=process.facilitator_id,
        min_votes=int(settings.get("min_votes", DEFAULT_MIN_VOTES)),
        auto_share=_share_rule(settings),
        formats=[
            FormatInfo(
                f.id,
                f.name,
                f.conversation_id,
                f.position,
                int(members.get(f.conversation_id, 0)),
                int(statements.get(f.conversation_id, 0)),
            )
            for f in formats
        ],
        n_joint_statements=int(n_joint or 0),
    )


def _share_rule(settings: dict[str, Any] | None) -> AutoShare | None:
    """The auto-share rule stored in a process's settings, or None when it is off."""
    share = (settings or {}).get("auto_share")
    return None if not share else AutoShare(int(share["min_votes"]), float(share["min_agree"]))


def process_info(session_factory: SessionFactory, process_id: int) -> ProcessInfo:
    """Return a process with its formats."""
    with read_session(session_factory) as session:
        process = session.get(Process, process_id)
        if process is None:
            raise NotFoundError(f"process {process_id} does not exist")
        return _info(session, process)


def managed_process(
    session_factory: SessionFactory, process_id: int, facilitator_id: int
) -> ProcessInfo:
    """Return a process the facilitator may manage: theirs, or one with no owner (else 403)."""
    info = process_info(session_factory, process_id)
    if info.facilitator_id is not None and info.facilitator_id != facilitator_id:
        raise ForbiddenError(f"process {process_id} belongs to another facilitator")
    return info


def list_processes(
    session_factory: SessionFactory, facilitator_id: int | None = None
) -> list[ProcessInfo]:
    """Return the processes a facilitator may manage (theirs and unowned ones), newest first."""
    with read_session(session_factory) as session:
        query = select(Process).order_by(Process.id.desc())
        if facilitator_id is not None:
            query = query.where(
                (Process.facilitator_id == facilitator_id) | Process.facilitator_id.is_(None)
            )
        return [_info(session, p) for p in session.scalars(query).all()]


def process_for_observer(session_factory: SessionFactory, key: str) -> int | None:
    """Return the id of the process whose observer key this is, or None."""
    if not key:
        return None
    with read_session(session_factory) as session:
        return session.scalar(select(Process.id).where(Process.observer_key == key))


def format_of_conversation(
    session_factory: SessionFactory, conversation_id: int
) -> tuple[int, int, str] | None:
    """Return (process id, format id, format name) of a format's conversation, or None."""
    with read_session(session_factory) as session:
        row = session.execute(
            select(ProcessFormat.process_id, ProcessFormat.id, ProcessFormat.name).where(
                ProcessFormat.conversation_id == conversation_id
            )
        ).first()
        return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def joined_other_format(
    session_factory: SessionFactory, conversation_id: int, joined: Sequence[int]
) -> str | None:
    """Return the name of another format of this conversation's process among ``joined``.

    A member belongs to one format: a browser that joined one format's conversation should
    not join another format of the same process.
    """
    others = [cid for cid in joined if cid != conversation_id]
    if not others:
        return None
    with read_session(session_factory) as session:
        mine = select(ProcessFormat.process_id).where(
            ProcessFormat.conversation_id == conversation_id
        )
        name = session.scalar(
            select(ProcessFormat.name)
            .where(
                ProcessFormat.process_id.in_(mine.scalar_subquery()),
                ProcessFormat.conversation_id.in_(others),
            )
            .limit(1)
        )
    return None if name is None else str(name)


def set_process_settings(
    session_factory: SessionFactory,
    process_id: int,
    *,
    min_votes: int,
    share: AutoShare | None,
) -> None:
    """Set the agenda's minimum votes per format and the auto-share rule (None: off)."""
    settings = _settings(min_votes, share)
    with session_factory.begin() as session:
        process = session.get(Process, process_id)
        if process is None:
            raise NotFoundError(f"process {process_id} does not exist")
        process.settings = {**(process.settings or {}), **settings}
        if share is None:
            process.settings.pop("auto_share", None)


def root_of(statement: Statement) -> int:
    """Return the id of the joint statement a statement belongs to."""
    return statement.origin_id if statement.origin_id is not None else statement.id


def _format_rows(session: Session, process_id: int) -> list[ProcessFormat]:
    return list(
        session.scalars(
            select(ProcessFormat)
            .where(ProcessFormat.process_id == process_id)
            .order_by(ProcessFormat.position, ProcessFormat.id)
        ).all()
    )


def _share(
    session: Session, statement: Statement, targets: Sequence[ProcessFormat], actor: str | None
) -> list[int]:
    """Copy a joint statement into the targets' conversations that lack it; return new ids."""
    root = session.get(Statement, root_of(statement))
    assert root is not None
    present = set(
        session.scalars(
            select(Statement.conversation_id).where(
                (Statement.id == root.id) | (Statement.origin_id == root.id)
            )
        ).all()
    )
    now = utc_now()
    created: list[int] = []
    for target in targets:
        if target.conversation_id in present:
            continue
        copy = Statement(
            conversation_id=target.conversation_id,
            text=root.text,
            language=root.language,
            language_source=root.language_source,
            embedding=root.embedding,
            embedding_model=root.embedding_model,
            is_seed=True,
            is_meta=root.is_meta,
            moderation_state=1,
            moderated_by=actor,
            moderated_at=now,
            origin_id=root.id,
        )
        session.add(copy)
        session.flush()
        created.append(copy.id)
        session.execute(
            update(Conversation)
            .where(Conversation.id == target.conversation_id)
            .values(moderation_version=Conversation.moderation_version + 1)
        )
    return created


def share_statement(
    session_factory: SessionFactory,
    statement_id: int,
    *,
    format_ids: Sequence[int] | None = None,
    actor: str | None = None,
) -> list[int]:
    """Share a statement into other formats of its process (all others by default).

    The copies are accepted statements that join those formats' voting queues, with their
    origin shown. Returns the ids of the new copies (none for formats that have it).
    """
    try:
        return _share_now(session_factory, statement_id, format_ids, actor)
    except IntegrityError:  # a concurrent share made the same copy first
        raise ConflictError(
            f"statement {statement_id} is being shared by someone else; try again"
        ) from None


def _share_now(
    session_factory: SessionFactory,
    statement_id: int,
    format_ids: Sequence[int] | None,
    actor: str | None,
) -> list[int]:
    with session_factory.begin() as session:
        statement = session.get(Statement, statement_id)
        if statement is None:
            raise NotFoundError(f"statement {statement_id} does not exist")
        if statement.moderation_state == -1:
            raise ConflictError(f"statement {statement_id} is rejected; accept it to share it")
        process_id = session.scalar(
            select(ProcessFormat.process_id).where(
                ProcessFormat.conversation_id == statement.conversation_id
            )
        )
        if process_id is None:
            raise InputError(f"statement {statement_id} is not in a process's format")
        formats = _format_rows(session, process_id)
        if format_ids is None:
            targets = [f for f in formats if f.conversation_id != statement.conversation_id]
        else:
            by_id = {f.id: f for f in formats}
            unknown = sorted(set(format_ids) - set(by_id))
            if unknown:
                raise NotFoundError(f"format(s) {unknown} are not in process {process_id}")
            targets = [by_id[i] for i in sorted(set(format_ids))]
        return _share(session, statement, targets, actor)


def share_everything(
    session_factory: SessionFactory, process_id: int, *, actor: str | None = None
) -> list[int]:
    """Share every visible joint statement with every format that lacks it, at once."""
    try:
        with session_factory.begin() as session:
            formats = _format_rows(session, process_id)
            if not formats:
                raise NotFoundError(f"process {process_id} does not exist or has no format")
            roots = session.scalars(
                select(Statement)
                .join(Conversation, Conversation.id == Statement.conversation_id)
                .where(
                    Statement.conversation_id.in_([f.conversation_id for f in formats]),
                    Statement.origin_id.is_(None),
                    (Statement.moderation_state == 1)
                    | (
                        (Statement.moderation_state == 0) & (Conversation.moderation_mode == "open")
                    ),
                )
                .order_by(Statement.id)
            ).all()
            created: list[int] = []
            for root in roots:
                created += _share(session, root, formats, actor)
            return created
    except IntegrityError:
        raise ConflictError(
            "someone else is sharing statements of this process; try again"
        ) from None


def auto_share(
    session_factory: SessionFactory, process_id: int, *, conversation_id: int | None = None
) -> list[int]:
    """Share every statement its own format supports as the process's setting asks.

    Support counts the votes of the format where the statement was written: at least
    ``min_votes`` votes and an agree share of at least ``min_agree``. With
    ``conversation_id`` only that format's statements are looked at (the analysis worker
    passes the conversation whose votes changed). Returns the new copies.
    """
    created: list[int] = []
    with session_factory.begin() as session:
        process = session.get(Process, process_id)
        if process is None:
            raise NotFoundError(f"process {process_id} does not exist")
        rule = _share_rule(process.settings)
        formats = _format_rows(session, process_id)
        if rule is None or len(formats) < 2:
            return []
        sources = [f.conversation_id for f in formats]
        if conversation_id is not None:
            sources = [cid for cid in sources if cid == conversation_id]
        copy = Statement.__table__.alias("copy")
        n_copies = (
            select(func.count())
            .where(copy.c.origin_id == Statement.id)
            .correlate(Statement)
            .scalar_subquery()
        )
        agree = func.sum(case((Vote.value == 1, 1), else_=0))
        rows = session.execute(
            select(Statement.id, func.count(), agree)
            .join(Vote, Vote.statement_id == Statement.id)
            .where(
                Statement.conversation_id.in_(sources),
                Statement.origin_id.is_(None),
                Statement.moderation_state != -1,
                n_copies < len(formats) - 1,  # not everywhere yet
            )
            .group_by(Statement.id)
            .having(func.count() >= rule.min_votes)
        ).all()
        for sid, n_votes, n_agree in rows:
            if int(n_agree or 0) / int(n_votes) < rule.min_agree:
                continue
            statement = session.get(Statement, int(sid))
            assert statement is not None
            if statement.moderation_state == 1 or statement.is_seed:
                created += _share(session, statement, formats, "auto-share")
            elif statement.moderation_state == 0:
                conversation = session.get(Conversation, statement.conversation_id)
                if conversation is not None and conversation.moderation_mode == "open":
                    created += _share(session, statement, formats, "auto-share")
    return created


def _merge_votes(session: Session, keep: Statement, drop: Statement) -> int:
    """Move drop's votes onto keep (same conversation); the later vote per person wins."""
    kept = {
        int(p): (v, t)
        for p, v, t in session.execute(
            select(Vote.participant_id, Vote.value, Vote.updated_at).where(
                Vote.statement_id == keep.id
            )
        ).all()
    }
    moved = 0
    for participant, value, at in session.execute(
        select(Vote.participant_id, Vote.value, Vote.updated_at).where(Vote.statement_id == drop.id)
    ).all():
        mine = kept.get(int(participant))
        if mine is None:
            session.add(
                Vote(
                    participant_id=participant,
                    statement_id=keep.id,
                    conversation_id=keep.conversation_id,
                    value=value,
                    updated_at=at,
                )
            )
            moved += 1
        elif at > mine[1]:
            session.execute(
                update(Vote)
                .where(Vote.participant_id == participant, Vote.statement_id == keep.id)
                .values(value=value, updated_at=at)
            )
            moved += 1
    session.execute(delete(Vote).where(Vote.statement_id == drop.id))
    # the event log follows, so that an export replays to the same final votes
    session.execute(
        update(VoteEvent).where(VoteEvent.statement_id == drop.id).values(statement_id=keep.id)
    )
    return moved


def merge_statements(
    session_factory: SessionFactory, keep_id: int, drop_id: int, *, actor: str | None = None
) -> None:
    """Merge duplicate ``drop_id`` (an original, not a shared copy) into ``keep_id``.

    ``drop`` and its copies in other formats join keep's joint statement, format by format:
    where a format already holds keep (or a copy of it), the two merge there (their votes
    join, the later vote per person wins, and the duplicate is rejected with a note); in the
    other formats the statement stays and becomes a copy of keep's joint statement, its votes
    counting for keep on the joint agenda. All in one transaction.
    """
    if keep_id == drop_id:
        raise InputError("a statement cannot be merged into itself")
    now = utc_now()
    with session_factory.begin() as session:
        keep = session.get(Statement, keep_id)
        drop = session.get(Statement, drop_id)
        for sid, row in ((keep_id, keep), (drop_id, drop)):
            if row is None:
                raise NotFoundError(f"statement {sid} does not exist")
        assert keep is not None and drop is not None
        for row in (keep, drop):
            if row.merged_into_id is not None:
                raise ConflictError(
                    f"statement {row.id} was merged into statement {row.merged_into_id} already"
                )
        if root_of(keep) == root_of(drop):
            raise ConflictError(f"statements {keep_id} and {drop_id} are one joint statement")
        if drop.origin_id is not None:
            raise InputError(
                f"statement {drop_id} is a copy shared from statement {drop.origin_id}; "
                "merge that one instead"
            )
        if keep.conversation_id != drop.conversation_id:
            processes = set(
                session.scalars(
                    select(ProcessFormat.process_id).where(
                        ProcessFormat.conversation_id.in_(
                            [keep.conversation_id, drop.conversation_id]
                        )
                    )
                ).all()
            )
            n_formats = session.scalar(
                select(func.count()).where(
                    ProcessFormat.conversation_id.in_([keep.conversation_id, drop.conversation_id])
                )
            )
            if len(processes) != 1 or n_formats != 2:
                raise InputError(
                    f"statements {keep_id} and {drop_id} are in different conversations that "
                    "are not formats of one process"
                )
        root = root_of(keep)
        holders = {
            s.conversation_id: s
            for s in session.scalars(
                select(Statement).where((Statement.id == root) | (Statement.origin_id == root))
            ).all()
        }
        group = session.scalars(
            select(Statement).where((Statement.id == drop.id) | (Statement.origin_id == drop.id))
        ).all()
        for duplicate in group:
            target = holders.get(duplicate.conversation_id)
            if target is None:
                duplicate.origin_id = root
                duplicate.agenda_item_id = None
            else:
                _merge_votes(session, target, duplicate)
                session.add(
                    ModerationLog(
                        statement_id=duplicate.id,
                        from_state=duplicate.moderation_state,
                        to_state=-1,
                        actor=actor,
                        at=now,
                        reason=f"merged into statement {target.id}",
                    )
                )
                duplicate.moderation_state = -1
                duplicate.moderated_by = actor
                duplicate.moderated_at = now
                duplicate.merged_into_id = target.id
            _bump(session, duplicate.conversation_id, votes=True)


def _bump(session: Session, conversation_id: int, *, votes: bool) -> None:
    values: dict[str, Any] = {"moderation_version": Conversation.moderation_version + 1}
    if votes:
        values["votes_version"] = Conversation.votes_version + 1
    session.execute(update(Conversation).where(Conversation.id == conversation_id).values(values))


def origins_of(
    session_factory: SessionFactory, statement_ids: Sequence[int]
) -> dict[int, tuple[str, str | None]]:
    """Return, for shared copies among the ids, (origin format name, origin language)."""
    if not statement_ids:
        return {}
    origin = Statement.__table__.alias("origin")
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Statement.id, ProcessFormat.name, origin.c.language)
            .join(origin, origin.c.id == Statement.origin_id)
            .join(ProcessFormat, ProcessFormat.conversation_id == origin.c.conversation_id)
            .where(Statement.id.in_(list(statement_ids)))
        ).all()
    return {int(sid): (str(name), lang) for sid, name, lang in rows}
