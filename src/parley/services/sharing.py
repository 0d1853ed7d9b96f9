"""Sharing: a statement travels from its format into the others of its process.

A shared statement is copied into the target format's conversation; the copy's ``origin_id``
names the *joint statement* (the root) it copies, and the joint agenda counts the root and
its copies as one. Only a visible statement (``rules.is_visible``) leaves its format: one
that awaits moderation is refused (409) until a moderator accepts it. A facilitator's share
arrives accepted; an automatic share arrives in the root's state (``rules.copy_state``).
A facilitator's share is recorded (``ProcessAction``, kind "share") so that
``services.undo`` can undo it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Process, ProcessFormat, Statement, Vote
from parley.db.process_records import ProcessAction
from parley.db.types import utc_now
from parley.errors import ConflictError, NotFoundError

from .formats import format_rows, statement_in_process
from .process_texts import process_texts
from .rules import (
    ModerationState,
    ProcessSettings,
    copy_state,
    is_visible,
    root_id,
    visible,
)
from .sessions import read_session

__all__ = [
    "AUTO_SHARE_ACTOR",
    "Copies",
    "auto_share",
    "origins_of",
    "share_everything",
    "share_statement",
]

AUTO_SHARE_ACTOR = "auto-share"


class Copies(list[int]):
    """The ids of the copies a share made, and ``action_id``: the share's record (its undo)."""

    action_id: int | None = None


def _record(
    session: Session,
    process_id: int,
    created: list[int],
    statement_id: int | None,
    actor: str | None,
) -> Copies:
    """Record a facilitator's share that made copies; return them with the record's id."""
    copies = Copies(created)
    if created and actor != AUTO_SHARE_ACTOR:
        action = ProcessAction(
            process_id=process_id,
            kind="share",
            actor=actor,
            created_at=utc_now(),
            record={"statement_id": statement_id, "copies": created},
        )
        session.add(action)
        session.flush()
        copies.action_id = int(action.id)
    return copies


def _visible_root(session: Session, statement: Statement) -> Statement:
    """Return the joint statement of ``statement`` once it may leave its format (else 409)."""
    root = session.get(Statement, root_id(statement.id, statement.origin_id))
    assert root is not None
    mode = session.scalar(
        select(Conversation.moderation_mode).where(Conversation.id == root.conversation_id)
    )
    if not is_visible(root.moderation_state, str(mode)):
        why = (
            "is rejected"
            if root.moderation_state == ModerationState.REJECTED
            else ("awaits moderation")
        )
        raise ConflictError(f"statement {root.id} {why}; accept it before sharing it")
    return root


def _share(
    session: Session, root: Statement, targets: Sequence[ProcessFormat], actor: str | None
) -> list[int]:
    """Copy a visible joint statement into the targets' conversations that lack it."""
    present = set(
        session.scalars(
            select(Statement.conversation_id).where(
                (Statement.id == root.id) | (Statement.origin_id == root.id)
            )
        ).all()
    )
    now = utc_now()
    state = copy_state(root.moderation_state, by_facilitator=actor != AUTO_SHARE_ACTOR)
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
            moderation_state=int(state),
            moderated_by=actor if state == ModerationState.ACCEPTED else None,
            moderated_at=now if state == ModerationState.ACCEPTED else None,
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
    process_id: int | None = None,
    format_ids: Sequence[int] | None = None,
    actor: str | None = None,
) -> Copies:
    """Share a statement into other formats of its process (all others by default).

    With ``process_id`` the statement must be in that process (else 404). A statement that
    awaits moderation is refused (409). The copies join those formats' voting queues, with
    their origin shown. Returns the ids of the new copies (none for formats that have it).
    """
    try:
        return _share_now(session_factory, statement_id, process_id, format_ids, actor)
    except IntegrityError:  # a concurrent share made the same copy first
        raise ConflictError(
            f"statement {statement_id} is being shared by someone else; try again"
        ) from None


def _share_now(
    session_factory: SessionFactory,
    statement_id: int,
    in_process: int | None,
    format_ids: Sequence[int] | None,
    actor: str | None,
) -> Copies:
    with session_factory.begin() as session:
        statement, process_id = statement_in_process(session, statement_id, in_process)
        root = _visible_root(session, statement)
        formats = format_rows(session, process_id)
        if format_ids is None:
            targets = [f for f in formats if f.conversation_id != statement.conversation_id]
        else:
            by_id = {f.id: f for f in formats}
            unknown = sorted(set(format_ids) - set(by_id))
            if unknown:
                raise NotFoundError(f"format(s) {unknown} are not in process {process_id}")
            targets = [by_id[i] for i in sorted(set(format_ids))]
        created = _share(session, root, targets, actor)
        return _record(session, process_id, created, statement_id, actor)


def share_everything(
    session_factory: SessionFactory, process_id: int, *, actor: str | None = None
) -> Copies:
    """Share every visible joint statement with every format that lacks it, at once."""
    try:
        with session_factory.begin() as session:
            formats = format_rows(session, process_id)
            if not formats:
                raise NotFoundError(f"process {process_id} does not exist or has no format")
            roots = session.scalars(
                select(Statement)
                .join(Conversation, Conversation.id == Statement.conversation_id)
                .where(
                    Statement.conversation_id.in_([f.conversation_id for f in formats]),
                    Statement.origin_id.is_(None),
                    visible(),
                )
                .order_by(Statement.id)
            ).all()
            created: list[int] = []
            for root in roots:
                created += _share(session, root, formats, actor)
            return _record(session, process_id, created, None, actor)
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
        rule = ProcessSettings.from_json(process.settings).auto_share
        formats = format_rows(session, process_id)
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
            .join(Conversation, Conversation.id == Statement.conversation_id)
            .where(
                Statement.conversation_id.in_(sources),
                Statement.origin_id.is_(None),
                visible(),
                n_copies < len(formats) - 1,  # not everywhere yet
            )
            .group_by(Statement.id)
            .having(func.count() >= rule.min_votes)
        ).all()
        for sid, n_votes, n_agree in rows:
            if not rule.is_met(int(n_votes), int(n_agree or 0)):
                continue
            statement = session.get(Statement, int(sid))
            assert statement is not None
            created += _share(session, statement, formats, AUTO_SHARE_ACTOR)
    return created


def origins_of(
    session_factory: SessionFactory, statement_ids: Sequence[int], languages: Sequence[str] = ()
) -> dict[int, tuple[str, str | None]]:
    """Return, for shared copies among the ids, (origin format name, origin language).

    The format's name is in the first of ``languages`` the process has it in, else as written.
    """
    if not statement_ids:
        return {}
    origin = Statement.__table__.alias("origin")
    with read_session(session_factory) as session:
        rows = session.execute(
            select(
                Statement.id,
                ProcessFormat.process_id,
                ProcessFormat.id,
                ProcessFormat.name,
                origin.c.language,
            )
            .join(origin, origin.c.id == Statement.origin_id)
            .join(ProcessFormat, ProcessFormat.conversation_id == origin.c.conversation_id)
            .where(Statement.id.in_(list(statement_ids)))
        ).all()
    texts = {int(pid): process_texts(session_factory, int(pid)) for pid in {r[1] for r in rows}}
    return {
        int(sid): (texts[int(pid)].get("format", int(fid), str(name), languages), lang)
        for sid, pid, fid, name, lang in rows
    }
