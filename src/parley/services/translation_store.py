"""Statement translations stored: added, listed, edited, moderated, linked, machine-made.

The rules are ``translations``'s: a translation belongs to the joint statement (the root);
a facilitator's is accepted at once, a participant's follows the moderation mode of the
format where it was offered (``rules``); a shown human translation replaces the machine one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement
from parley.db.translation_models import StatementTranslation
from parley.db.types import utc_now
from parley.errors import ConflictError, InputError, NotFoundError

from .inputs import MAX_STATEMENT_LENGTH, clean_text, language_tag
from .rules import ModerationState, is_visible, root_id
from .sessions import read_session
from .translations import (
    TranslationInfo,
    TranslationSource,
    base_language,
    is_shown,
    translation_infos,
)

__all__ = [
    "MAX_TRANSLATIONS_PER_STATEMENT",
    "OfferedTranslation",
    "add_translation",
    "delete_translation",
    "link_equivalent",
    "list_translations",
    "moderate_offered",
    "offered_translations",
    "store_machine_translation",
    "update_translation",
]

#: translations one joint statement may hold (every language, every source)
MAX_TRANSLATIONS_PER_STATEMENT = 100


def _root(session: Session, statement_id: int, conversation_id: int | None) -> Statement:
    statement = session.get(Statement, statement_id)
    if statement is None or (
        conversation_id is not None and statement.conversation_id != conversation_id
    ):
        where = "" if conversation_id is None else f" in conversation {conversation_id}"
        raise NotFoundError(f"statement {statement_id} does not exist{where}")
    root = session.get(Statement, root_id(statement.id, statement.origin_id))
    if root is None:
        raise NotFoundError(f"statement {statement_id} has lost its joint statement")
    return root


def _info(session: Session, row: StatementTranslation) -> TranslationInfo:
    mode = (
        None
        if row.conversation_id is None
        else session.scalar(
            select(Conversation.moderation_mode).where(Conversation.id == row.conversation_id)
        )
    )
    return TranslationInfo(
        row.id,
        row.statement_id,
        row.language,
        row.text,
        row.source,
        row.moderation_state,
        is_shown(row.moderation_state, mode),
        row.created_at,
    )


def _drop_machine(session: Session, root: int, language: str) -> None:
    """A human translation that is shown replaces the machine one in its language."""
    session.execute(
        delete(StatementTranslation).where(
            StatementTranslation.statement_id == root,
            StatementTranslation.language == language,
            StatementTranslation.source == TranslationSource.MACHINE.value,
        )
    )


def add_translation(
    session_factory: SessionFactory,
    conversation_id: int,
    statement_id: int,
    language: str,
    text: str,
    *,
    participant_id: int | None = None,
    actor: str | None = None,
) -> TranslationInfo:
    """Store a translation of a statement: a facilitator's (``participant_id`` None) or a
    participant's, which follows the moderation mode of their format.

    A facilitator's replaces their earlier one in that language; any shown human
    translation replaces the machine one.
    """
    language = language_tag(language)
    text = clean_text(text, name="translation text", max_length=MAX_STATEMENT_LENGTH)
    with session_factory.begin() as session:
        statement = session.get(Statement, statement_id)
        root = _root(session, statement_id, conversation_id)
        assert statement is not None
        if base_language(root.language) == base_language(language) and root.language:
            raise InputError(f"statement {statement_id} is written in {root.language} already")
        conversation = session.get_one(Conversation, conversation_id)
        if participant_id is not None:
            member = session.get(Participant, participant_id)
            if member is None or member.conversation_id != conversation_id:
                raise NotFoundError(
                    f"participant {participant_id} is not in conversation {conversation_id}"
                )
            if not is_visible(statement.moderation_state, conversation.moderation_mode):
                raise NotFoundError(f"statement {statement_id} is not shown in this format")
            source = (
                TranslationSource.AUTHOR
                if root.author_id == participant_id and root.conversation_id == conversation_id
                else TranslationSource.PARTICIPANT
            )
            state = ModerationState.PENDING
        else:
            source, state = TranslationSource.FACILITATOR, ModerationState.ACCEPTED
        existing = session.scalars(
            select(StatementTranslation).where(StatementTranslation.statement_id == root.id)
        ).all()
        if len(existing) >= MAX_TRANSLATIONS_PER_STATEMENT:
            raise ConflictError(
                f"statement {statement_id} has {len(existing)} translations, the most it may hold"
            )
        for other in existing:
            if other.language == language and other.text == text and other.source != "machine":
                raise ConflictError(f"this translation into {language} is stored already")
        now = utc_now()
        row = next(
            (
                o
                for o in existing
                if source is TranslationSource.FACILITATOR
                and o.source == source.value
                and o.language == language
            ),
            None,
        )
        if row is None:
            row = StatementTranslation(statement_id=root.id, language=language, created_at=now)
            session.add(row)
        row.text, row.source, row.moderation_state = text, source.value, int(state)
        row.conversation_id = None if participant_id is None else conversation_id
        row.participant_id, row.created_by, row.updated_at = participant_id, actor, now
        session.flush()
        info = _info(session, row)
        if info.is_shown:
            _drop_machine(session, root.id, language)
        return info


def list_translations(
    session_factory: SessionFactory,
    conversation_id: int,
    statement_id: int,
    *,
    everything: bool = False,
) -> list[TranslationInfo]:
    """Return a statement's translations: the shown ones, or ``everything`` (facilitators)."""
    with read_session(session_factory) as session:
        root = _root(session, statement_id, conversation_id)
        found = translation_infos(session, [root.id])[root.id]
    return [t for t in found if everything or t.is_shown]


def _translation(
    session: Session, conversation_id: int, statement_id: int, translation_id: int
) -> StatementTranslation:
    root = _root(session, statement_id, conversation_id)
    row = session.get(StatementTranslation, translation_id)
    if row is None or row.statement_id != root.id:
        raise NotFoundError(
            f"translation {translation_id} is not a translation of statement {statement_id}"
        )
    return row


def update_translation(
    session_factory: SessionFactory,
    conversation_id: int,
    statement_id: int,
    translation_id: int,
    *,
    text: str | None = None,
    moderation_state: int | None = None,
    actor: str | None = None,
) -> TranslationInfo:
    """Let a facilitator edit a translation's text or moderate it (accept, reject)."""
    with session_factory.begin() as session:
        row = _translation(session, conversation_id, statement_id, translation_id)
        if text is not None:
            row.text = clean_text(text, name="translation text", max_length=MAX_STATEMENT_LENGTH)
            if row.source == TranslationSource.MACHINE.value:
                row.source = TranslationSource.FACILITATOR.value  # a person checked it
        if moderation_state is not None:
            row.moderation_state = int(ModerationState(moderation_state))
        row.created_by, row.updated_at = actor or row.created_by, utc_now()
        session.flush()
        info = _info(session, row)
        if info.is_shown and info.source != TranslationSource.MACHINE.value:
            _drop_machine(session, row.statement_id, row.language)
        return info


@dataclass(frozen=True)
class OfferedTranslation:
    """A participant's translation offered in a format, beside the statement's original."""

    translation: TranslationInfo
    original_text: str
    original_language: str | None


def offered_translations(
    session_factory: SessionFactory, conversation_id: int, *, limit: int = 200
) -> list[OfferedTranslation]:
    """Return the unmoderated translations offered in this format, oldest first."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(StatementTranslation.id, Statement.text, Statement.language)
            .join(Statement, Statement.id == StatementTranslation.statement_id)
            .where(
                StatementTranslation.conversation_id == conversation_id,
                StatementTranslation.moderation_state == int(ModerationState.PENDING),
            )
            .order_by(StatementTranslation.id)
            .limit(limit)
        ).all()
        found = {
            t.id: t
            for infos in translation_infos(
                session,
                session.scalars(
                    select(StatementTranslation.statement_id).where(
                        StatementTranslation.id.in_([int(r[0]) for r in rows])
                    )
                ).all(),
            ).values()
            for t in infos
        }
    return [OfferedTranslation(found[int(tid)], str(text), lang) for tid, text, lang in rows]


def moderate_offered(
    session_factory: SessionFactory,
    conversation_id: int,
    translation_id: int,
    state: int,
    *,
    actor: str | None = None,
) -> TranslationInfo:
    """Accept or reject a translation offered in this format (the moderation page)."""
    with session_factory.begin() as session:
        row = session.get(StatementTranslation, translation_id)
        if row is None or row.conversation_id != conversation_id:
            raise NotFoundError(
                f"translation {translation_id} was not offered in conversation {conversation_id}"
            )
        row.moderation_state = int(ModerationState(state))
        row.created_by, row.updated_at = actor or row.created_by, utc_now()
        session.flush()
        info = _info(session, row)
        if info.is_shown:
            _drop_machine(session, row.statement_id, row.language)
        return info


def delete_translation(
    session_factory: SessionFactory, conversation_id: int, statement_id: int, translation_id: int
) -> None:
    """Let a facilitator remove a translation."""
    with session_factory.begin() as session:
        session.delete(_translation(session, conversation_id, statement_id, translation_id))


def _row_of(row: StatementTranslation) -> dict[str, Any]:
    """Return a translation row as JSON-ready data (to put it back on an undo)."""
    return {
        "id": row.id,
        "statement_id": row.statement_id,
        "language": row.language,
        "text": row.text,
        "source": row.source,
        "moderation_state": row.moderation_state,
        "conversation_id": row.conversation_id,
        "participant_id": row.participant_id,
        "created_by": row.created_by,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def link_equivalent(session: Session, keep_root: int, drop: Statement) -> dict[str, Any]:
    """Make a merged statement's text (and its translations) translations of the kept one.

    Called inside the merge's transaction; nothing is added when the languages are the same.
    Returns what changed, for ``unlink_equivalent`` to undo it exactly.
    """
    keep = session.get_one(Statement, keep_root)
    done: dict[str, Any] = {"drop": drop.id, "moved": [], "deleted": [], "added": None}
    moved = session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == drop.id)
    ).all()
    for row in moved:  # the dropped statement's own translations follow it
        if base_language(row.language) == base_language(keep.language):
            done["deleted"].append(_row_of(row))
            session.delete(row)
        else:
            done["moved"].append(row.id)
            row.statement_id = keep_root
    if not drop.language or base_language(drop.language) == base_language(keep.language):
        return done
    machine = session.scalars(
        select(StatementTranslation).where(
            StatementTranslation.statement_id == keep_root,
            StatementTranslation.language == drop.language,
            StatementTranslation.source == TranslationSource.MACHINE.value,
        )
    ).all()
    done["deleted"] += [_row_of(row) for row in machine]
    _drop_machine(session, keep_root, drop.language)
    added = StatementTranslation(
        statement_id=keep_root,
        language=drop.language,
        text=drop.text,
        source=TranslationSource.LINKED.value,
        moderation_state=int(ModerationState.ACCEPTED),
        created_by="merge",
    )
    session.add(added)
    session.flush()
    done["added"] = added.id
    return done


def unlink_equivalent(session: Session, done: Mapping[str, Any]) -> None:
    """Undo ``link_equivalent``: the linked text out, moved and deleted translations back."""
    if done.get("added") is not None:
        session.execute(
            delete(StatementTranslation).where(StatementTranslation.id == int(done["added"]))
        )
    if done.get("moved"):
        session.execute(
            update(StatementTranslation)
            .where(StatementTranslation.id.in_([int(i) for i in done["moved"]]))
            .values(statement_id=int(done["drop"]))
        )
    for row in done.get("deleted", []):
        values = dict(row)
        values["created_at"] = datetime.fromisoformat(values["created_at"])
        values["updated_at"] = datetime.fromisoformat(values["updated_at"])
        session.add(StatementTranslation(**values))


def store_machine_translation(
    session_factory: SessionFactory, root: int, language: str, text: str
) -> bool:
    """Store a machine translation unless the statement has one in that language already."""
    text = clean_text(text, name="machine translation", max_length=MAX_STATEMENT_LENGTH)
    with session_factory.begin() as session:
        have = translation_infos(session, [root])[root]
        if any(t.language == language and (t.is_shown or t.source == "machine") for t in have):
            return False
        session.add(
            StatementTranslation(
                statement_id=root,
                language=language,
                text=text,
                source=TranslationSource.MACHINE.value,
                moderation_state=int(ModerationState.ACCEPTED),
                created_by="machine",
            )
        )
        return True
