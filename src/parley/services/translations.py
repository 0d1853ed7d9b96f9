"""Statement translations: the rules, written once, and the text each reader is shown.

A translation belongs to a joint statement (the root), so it applies to every shared copy;
votes always belong to the statement, whatever text the voter saw. Its ``source`` says who
made it. A facilitator's translation is accepted at once; a participant's (or author's)
follows the moderation mode of the format where it was offered (``rules``). A machine
translation is stored once per language and gives way to any human one that is shown.
Storing, moderating and listing them is ``translation_store``. A reader is shown, for their
preferred languages in order: a shown translation in exactly
that language, else one in its base language (``de`` for ``de-CH``), else the original when
it is in that language; with no match at all, the original.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Statement
from parley.db.translation_models import StatementTranslation

from .rules import is_visible, root_id
from .sessions import read_session

__all__ = [
    "Reading",
    "StatementTranslations",
    "TranslationInfo",
    "TranslationSource",
    "base_language",
    "choose_reading",
    "is_shown",
    "language_matches",
    "match_levels",
    "readings",
    "statement_translations",
    "translation_infos",
]


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


def is_shown(state: int, mode: str | None) -> bool:
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


def translation_infos(
    session: Session, root_ids: Iterable[int], *, languages: Sequence[str] | None = None
) -> dict[int, list[TranslationInfo]]:
    """Translations of these joint statements, with whether each is shown.

    With ``languages``, only those that could match them (same base language) are read.
    """
    ids = sorted(set(root_ids))
    out: dict[int, list[TranslationInfo]] = {i: [] for i in ids}
    if not ids:
        return out
    t = StatementTranslation
    query = (
        select(
            t.id,
            t.statement_id,
            t.language,
            t.text,
            t.source,
            t.moderation_state,
            t.created_at,
            Conversation.moderation_mode,
        )
        .outerjoin(Conversation, Conversation.id == t.conversation_id)
        .where(t.statement_id.in_(ids))
        .order_by(t.id)
    )
    if languages is not None:
        bases = sorted({base_language(tag) for tag in languages if tag})
        query = query.where(or_(t.language.in_(bases), *(t.language.like(f"{b}-%") for b in bases)))
    for tid, sid, language, text, source, state, created, mode in session.execute(query):
        out[int(sid)].append(
            TranslationInfo(
                int(tid), int(sid), language, text, source, state, is_shown(state, mode), created
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
        found = translation_infos(session, roots.values(), languages=preferences)
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


@dataclass(frozen=True)
class StatementTranslations:
    """A statement of a conversation as written, and every translation of its joint statement."""

    id: int
    text: str
    language: str | None
    moderation_state: int
    translations: tuple[TranslationInfo, ...]


def statement_translations(
    session_factory: SessionFactory, conversation_id: int, *, offset: int = 0, limit: int = 50
) -> list[StatementTranslations]:
    """Return a page of a conversation's statements (merged ones left out), each with every
    translation of its joint statement, shown or not (the facilitator's view)."""
    with read_session(session_factory) as session:
        rows = session.execute(
            select(
                Statement.id,
                Statement.origin_id,
                Statement.text,
                Statement.language,
                Statement.moderation_state,
            )
            .where(Statement.conversation_id == conversation_id, Statement.merged_into_id.is_(None))
            .order_by(Statement.id)
            .offset(max(offset, 0))
            .limit(limit)
        ).all()
        roots = {int(r[0]): root_id(int(r[0]), r[1]) for r in rows}
        found = translation_infos(session, roots.values())
    return [
        StatementTranslations(
            int(sid), str(text), language, int(state), tuple(found.get(roots[int(sid)], []))
        )
        for sid, _origin, text, language, state in rows
    ]
