"""Processes: formats deliberating in parallel towards one joint agenda, and their settings.

A process holds formats (``formats``); statements travel between them (``sharing``,
``merging``) and meet on the joint agenda (``agenda``). Observers belong to no format: they
read the agenda through the process's observer key. Settings and their defaults are
``rules.ProcessSettings``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Process, ProcessFormat, Statement
from parley.errors import InputError, NotFoundError

from .access import join_path
from .formats import MAX_FORMATS, FormatInfo, bump_process, format_rows, new_format
from .inputs import clean_name
from .rules import AutoShare, ModerationMode, ProcessSettings, check_can_manage, visible
from .sessions import read_session
from .sharing import auto_share

__all__ = [
    "ProcessInfo",
    "create_process",
    "format_of_conversation",
    "joined_other_format",
    "list_processes",
    "managed_process",
    "process_for_observer",
    "process_info",
    "set_process_settings",
]


@dataclass(frozen=True)
class ProcessInfo:
    """A process, its settings and its formats in order."""

    id: int
    name: str
    description: str
    observer_key: str
    facilitator_id: int | None
    settings: ProcessSettings
    formats: list[FormatInfo] = field(default_factory=list)
    n_joint_statements: int = 0  # visible originals, each counted once however often shared

    @property
    def min_votes(self) -> int:
        """The process's setting (the agenda uses ``settings.agenda_min_votes``)."""
        return self.settings.min_votes

    @property
    def auto_share(self) -> AutoShare | None:
        """The auto-share rule, or None when it is off."""
        return self.settings.auto_share

    def format_named(self, name: str) -> FormatInfo:
        """Return the format called ``name``."""
        for info in self.formats:
            if info.name == name:
                return info
        raise NotFoundError(f"process {self.id} has no format {name!r}")


def create_process(
    session_factory: SessionFactory,
    *,
    facilitator_id: int | None,
    name: str,
    formats: Sequence[str],
    description: str = "",
    languages: Sequence[str] = ("en",),
    moderation_mode: str = ModerationMode.OPEN,
    settings: ProcessSettings | None = None,
) -> int:
    """Create a process with its formats (each gets a conversation), all or nothing."""
    names = [clean_name(n, "format name") for n in formats]
    if not names:
        raise InputError("a process needs at least one format")
    if len(set(names)) != len(names):
        raise InputError(f"format names {names} should differ from each other")
    if len(names) > MAX_FORMATS:
        raise InputError(f"{len(names)} formats; at most {MAX_FORMATS}")
    process = Process(
        name=clean_name(name, "process name"),
        description=description.strip(),
        settings=(settings or ProcessSettings()).to_json(),
        observer_key=secrets.token_urlsafe(18),
        facilitator_id=facilitator_id,
    )
    with session_factory.begin() as session:
        session.add(process)
        session.flush()
        for position, format_name in enumerate(names):
            new_format(session, process, format_name, position, languages, moderation_mode)
        return process.id


def _info(session: Session, process: Process) -> ProcessInfo:
    formats = format_rows(session, process.id)
    ids = [f.conversation_id for f in formats]
    members = dict(
        session.execute(
            select(Participant.conversation_id, func.count())
            .where(Participant.conversation_id.in_(ids))
            .group_by(Participant.conversation_id)
        ).all()
    )
    shown = (
        select(Statement.conversation_id, Statement.origin_id)
        .join(Conversation, Conversation.id == Statement.conversation_id)
        .where(Statement.conversation_id.in_(ids), visible())
        .subquery()
    )
    statements: dict[int, int] = {
        int(cid): int(n)
        for cid, n in session.execute(
            select(shown.c.conversation_id, func.count()).group_by(shown.c.conversation_id)
        ).all()
    }
    keys = dict(
        session.execute(
            select(Conversation.id, Conversation.join_key).where(Conversation.id.in_(ids))
        ).all()
    )
    n_joint = session.scalar(
        select(func.count()).select_from(shown).where(shown.c.origin_id.is_(None))
    )
    return ProcessInfo(
        id=process.id,
        name=process.name,
        description=process.description,
        observer_key=process.observer_key,
        facilitator_id=process.facilitator_id,
        settings=ProcessSettings.from_json(process.settings),
        formats=[
            FormatInfo(
                f.id,
                f.name,
                f.conversation_id,
                f.position,
                int(members.get(f.conversation_id, 0)),
                int(statements.get(f.conversation_id, 0)),
                join_path(f.conversation_id, keys.get(f.conversation_id)),
            )
            for f in formats
        ],
        n_joint_statements=int(n_joint or 0),
    )


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
    check_can_manage(info.facilitator_id, facilitator_id, f"process {process_id}")
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


def process_for_observer(session_factory: SessionFactory, key: str) -> int:
    """Return the id of the process whose observer key this is (else NotFoundError)."""
    found = None
    if key:
        with read_session(session_factory) as session:
            found = session.scalar(select(Process.id).where(Process.observer_key == key))
    if found is None:
        raise NotFoundError("no process has this observer key")
    return int(found)


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
    session_factory: SessionFactory, process_id: int, settings: ProcessSettings
) -> list[int]:
    """Replace a process's settings and apply its auto-share rule at once; return new copies.

    What the settings do not set (the demo marker) is kept.
    """
    with session_factory.begin() as session:
        process = session.get(Process, process_id)
        if process is None:
            raise NotFoundError(f"process {process_id} does not exist")
        kept = ProcessSettings.from_json(process.settings)
        process.settings = replace(settings, demo=kept.demo).to_json()
        bump_process(session, process_id)
    return auto_share(session_factory, process_id) if settings.auto_share is not None else []
