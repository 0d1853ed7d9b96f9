"""Statement translations: the rules, written once, and the text each reader is shown.

A translation belongs to a joint statement (the root), so it applies to every shared copy;
votes always belong to the statement, whatever text the voter saw. Its ``source`` says who
made it. A facilitator's translation is accepted at once; a participant's (or author's)
follows the moderation mode of the format where it was offered (``rules``). A machine
translation is stored once per language and gives way to any human one that is shown.
A reader is shown, for their preferred languages in order: a shown translation in exactly
that language, else one in its base language (``de`` for ``de-CH``), else the original when
it is in that language; with no match at all, the original.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Participant, Statement, StatementTranslation
from parley.db.types import utc_now
from parley.errors import ConflictError, InputError, NotFoundError

from .inputs import MAX_STATEMENT_LENGTH, clean_text, language_tag
from .rules import ModerationState, is_visible, root_id
from .sessions import read_session

__all__ = [
    "MAX_TRANSLATIONS_PER_STATEMENT",
    "Reading",
    "TranslationInfo",
    "TranslationSource",
    "add_translation",
    "base_language",
    "choose_reading",
    "delete_translation",
    "language_matches",
    "link_equivalent",
    "list_translations",
    "match_levels",
    "readings",
    "store_machine_translation",
    "update_translation",
]

#: translations one joint statement may hold (every language, every source)
MAX_TRANSLATIONS_PER_STATEMENT = 100


class TranslationSource(enum.StrEnum):
    """Who made a translation; the first in this order is preferred when several are shown."""

    FACILITATOR = "facilitator"
    AUTHOR = "author"
    LINKED = "linked"  # the text of an equivalent statement merged into this one
    PARTICIPANT = "participant"
    MACHINE = "machine"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RANK = {source: rank for rank, source in enumerate(TranslationSource)}


@dataclass(frozen=True)
class TranslationInfo:
    """A stored translation and whether readers see it."""

    id: int
    statement_id: int  # the joint statement (root)
    language: str
    text: str
    source: str
    moderation_state: int
    is_shown: bool
    created_at: datetime


@dataclass(frozen=True)
class Reading:
    """The text a reader is shown for a statement, and the original one click away."""

    text: str
    language: str | None
    original_text: str
    original_language: str | None
    source: str | None = None  # None: the original; else the translation's source

    @property
    def is_translation(self) -> bool:
        """Return True when the text shown is a translation."""
        return self.source is not None


def base_language(tag: str | None) -> str:
    """Return the primary subtag of a language tag, lower case ('de' for 'de-CH')."""
    return (tag or "").split("-")[0].lower()


def language_matches(tag: str, wanted: str, *, exact: bool) -> bool:
    """Return True when ``tag`` is ``wanted`` (``exact``) or shares its base language."""
    if exact:
        return tag.lower() == wanted.lower()
    return base_language(tag) == base_language(wanted)


def match_levels(wanted: str) -> tuple[tuple[str, bool], ...]:
    """How a wanted tag is matched, best first: exactly, its base tag, any of its base."""
    return ((wanted, True), (base_language(wanted), True), (wanted, False))


def _is_shown(state: int, mode: str | None) -> bool:
    """A translation is shown when visible under the mode of the format it was offered in."""
    return is_visible(state, mode or "strict")


def _better(a: TranslationInfo, b: TranslationInfo) -> TranslationInfo:
    """The preferred of two: by source, then the newest."""
    key_a = (_RANK.get(TranslationSource(a.source), 9), -a.id)
    key_b = (_RANK.get(TranslationSource(b.source), 9), -b.id)
    return a if key_a <= key_b else b


def choose_reading(
    original_text: str,
    original_language: str | None,
    translations: Iterable[TranslationInfo],
    preferences: Sequence[str],
) -> Reading:
    """Return what a reader with these preferred languages (best first) is shown."""
    original = Reading(original_text, original_language, original_text, original_language)
    shown = [t for t in translations if t.is_shown]
    for wanted in preferences:
        if not wanted:
            continue
        if original_language and (
            original_language.lower() == wanted.lower()
            or base_language(original_language) == base_language(wanted)
        ):
            return original
        for tag, exact in match_levels(wanted):
            found = [t for t in shown if language_matches(t.language, tag, exact=exact)]
            if found:
                best = found[0]
                for other in found[1:]:
                    best = _better(best, other)
                return Reading(
                    best.text, best.language, original_text, original_language, best.source
                )
    return original


def _infos(session: Session, root_ids: Iterable[int]) -> dict[int, list[TranslationInfo]]:
    """Every translation of these joint statements, with whether it is shown."""
    ids = sorted(set(root_ids))
    out: dict[int, list[TranslationInfo]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(StatementTranslation, Conversation.moderation_mode)
        .outerjoin(Conversation, Conversation.id == StatementTranslation.conversation_id)
        .where(StatementTranslation.statement_id.in_(ids))
        .order_by(StatementTranslation.id)
    ).all()
    for row, mode in rows:
        out[row.statement_id].append(
            TranslationInfo(
                row.id,
                row.statement_id,
                row.language,
                row.text,
                row.source,
                row.moderation_state,
                _is_shown(row.moderation_state, mode),
                row.created_at,
            )
        )
    return out


def readings(
    session_factory: SessionFactory, statement_ids: Iterable[int], preferences: Sequence[str]
) -> dict[int, Reading]:
    """Return, per statement (a joint statement or a copy), what the reader is shown.

    A copy's original is its own text (what its format holds); its joint statement's text,
    when it differs, counts as one more translation, so a merged equivalent reads back.
    """
    ids = sorted(set(statement_ids))
    if not ids:
        return {}
    with read_session(session_factory) as session:
        rows = session.execute(
            select(Statement.id, Statement.origin_id, Statement.text, Statement.language).where(
                Statement.id.in_(ids)
            )
        ).all()
        roots = {int(r[0]): root_id(int(r[0]), r[1]) for r in rows}
        found = _infos(session, roots.values())
        root_rows = {
            int(r[0]): r
            for r in session.execute(
                select(Statement.id, Statement.text, Statement.language).where(
                    Statement.id.in_(set(roots.values()) - set(roots))
                )
            ).all()
        }
    texts = {int(r[0]): (str(r[2]), r[3]) for r in rows}
    out: dict[int, Reading] = {}
    for sid, root in roots.items():
        candidates = list(found.get(root, []))
        root_text = texts.get(root) or (
            (str(root_rows[root][1]), root_rows[root][2]) if root in root_rows else None
        )
        if root != sid and root_text is not None and root_text != texts[sid] and root_text[1]:
            candidates.append(
                TranslationInfo(0, root, str(root_text[1]), root_text[0], "linked", 1, True, _EPOCH)
            )
        text, language = texts[sid]
        out[sid] = choose_reading(text, language, candidates, preferences)
    return out


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
        _is_shown(row.moderation_state, mode),
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
        found = _infos(session, [root.id])[root.id]
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


def delete_translation(
    session_factory: SessionFactory, conversation_id: int, statement_id: int, translation_id: int
) -> None:
    """Let a facilitator remove a translation."""
    with session_factory.begin() as session:
        session.delete(_translation(session, conversation_id, statement_id, translation_id))


def link_equivalent(session: Session, keep_root: int, drop: Statement) -> None:
    """Make a merged statement's text (and its translations) translations of the kept one.

    Called inside the merge's transaction; nothing is added when the languages are the same.
    """
    keep = session.get_one(Statement, keep_root)
    moved = session.scalars(
        select(StatementTranslation).where(StatementTranslation.statement_id == drop.id)
    ).all()
    for row in moved:  # the dropped statement's own translations follow it
        if base_language(row.language) == base_language(keep.language):
            session.delete(row)
        else:
            row.statement_id = keep_root
    if not drop.language or base_language(drop.language) == base_language(keep.language):
        return
    _drop_machine(session, keep_root, drop.language)
    session.add(
        StatementTranslation(
            statement_id=keep_root,
            language=drop.language,
            text=drop.text,
            source=TranslationSource.LINKED.value,
            moderation_state=int(ModerationState.ACCEPTED),
            created_by="merge",
        )
    )


def store_machine_translation(
    session_factory: SessionFactory, root: int, language: str, text: str
) -> bool:
    """Store a machine translation unless the statement has one in that language already."""
    text = clean_text(text, name="machine translation", max_length=MAX_STATEMENT_LENGTH)
    with session_factory.begin() as session:
        have = _infos(session, [root])[root]
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
