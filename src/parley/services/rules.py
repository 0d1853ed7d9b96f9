"""The domain rules, each written once: moderation, who sees and who manages, settings.

Every service that shows statements to someone (voting queues, lists, look-alikes, sharing,
the joint agenda, exports) asks this module, so the API, the pages, the CLI and the worker
agree. A statement is *visible* when it is accepted, or unmoderated in an open conversation;
only a visible statement is shown to participants, leaves its format (shared, offered as a
look-alike, placed on the joint agenda) or takes votes. A statement that awaits moderation
in a strict conversation is seen by its author and the facilitators only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_

from parley.db.models import Conversation, Statement
from parley.errors import ClosedError, ForbiddenError, InputError

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "DEFAULT_MIN_VOTES",
    "MIN_MIN_GROUP_SIZE",
    "AutoShare",
    "ModerationMode",
    "ModerationState",
    "ProcessSettings",
    "Reader",
    "StatementStatus",
    "Visibility",
    "agenda_min_votes",
    "check_can_manage",
    "check_open",
    "copy_state",
    "group_letter",
    "is_visible",
    "may_read",
    "min_group_size",
    "moderation_mode",
    "moderation_state",
    "public_number",
    "root_id",
    "statement_status",
    "visibility",
    "visible",
]

#: votes each format casts on a statement before it ranks on the joint agenda
DEFAULT_MIN_VOTES = 5
MAX_MIN_VOTES = 10_000
#: the smallest opinion group shown (smaller ones would name individuals), and its floor
DEFAULT_MIN_GROUP_SIZE = 3
MIN_MIN_GROUP_SIZE = 2
MAX_MIN_GROUP_SIZE = 1_000


class ModerationState(enum.IntEnum):
    """A statement's moderation state, stored as -1, 0 and 1."""

    REJECTED = -1
    PENDING = 0  # not moderated yet: shown at once in open mode, held in strict mode
    ACCEPTED = 1


class ModerationMode(enum.StrEnum):
    """How a conversation treats new participants' statements."""

    OPEN = "open"  # shown at once, moderated afterwards
    STRICT = "strict"  # held until a moderator accepts them


StatementStatus = Literal["accepted", "rejected", "shown", "held"]


def moderation_state(value: object, *, name: str = "state") -> ModerationState:
    """Return the moderation state ``value`` names (-1, 0 or 1), else raise InputError."""
    try:
        return ModerationState(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise InputError(
            f"{name}={value!r} should be -1 (rejected), 0 (pending) or 1 (accepted)"
        ) from None


def moderation_mode(value: object) -> ModerationMode:
    """Return the moderation mode ``value`` names ("strict" or "open"), else raise InputError."""
    try:
        return ModerationMode(str(value))
    except ValueError:
        modes = ", ".join(repr(m.value) for m in ModerationMode)
        raise InputError(f"moderation_mode={value!r} should be one of {modes}") from None


def is_visible(state: int, mode: str) -> bool:
    """Return True when a statement in this state is public: shown, shareable, votable."""
    return state == ModerationState.ACCEPTED or (
        state == ModerationState.PENDING and mode == ModerationMode.OPEN
    )


def visible() -> ColumnElement[bool]:
    """SQL form of ``is_visible``; the query must join the statement's Conversation."""
    return or_(
        Statement.moderation_state == int(ModerationState.ACCEPTED),
        and_(
            Statement.moderation_state == int(ModerationState.PENDING),
            Conversation.moderation_mode == ModerationMode.OPEN.value,
        ),
    )


def statement_status(state: int, mode: str) -> StatementStatus:
    """Return what became of a statement, as its author is told."""
    if state == ModerationState.ACCEPTED:
        return "accepted"
    if state == ModerationState.REJECTED:
        return "rejected"
    return "shown" if is_visible(state, mode) else "held"


def copy_state(root_state: int, *, by_facilitator: bool) -> ModerationState:
    """Return the state of a shared copy: accepted when a facilitator shares, else the root's.

    An automatic share of an unmoderated (open-mode) statement arrives unmoderated, so the
    receiving format's own mode decides whether its members see it before moderation.
    """
    if by_facilitator or root_state == ModerationState.ACCEPTED:
        return ModerationState.ACCEPTED
    return ModerationState.PENDING


def check_can_manage(owner_id: int | None, facilitator_id: int, what: str) -> None:
    """Raise ForbiddenError unless the facilitator owns ``what`` or it has no owner (an import)."""
    if owner_id is not None and owner_id != facilitator_id:
        raise ForbiddenError(f"{what} belongs to another facilitator")


def check_open(conversation_id: int, closed_at: object | None) -> None:
    """Raise ClosedError when the conversation is closed: it takes no votes or statements."""
    if closed_at is not None:
        raise ClosedError(
            f"conversation {conversation_id} is closed; it takes no votes or statements"
        )


class Visibility(enum.StrEnum):
    """Who may read a conversation's statements, votes and analysis."""

    PUBLIC = "public"  # anybody, as in Polis (imported conversations, open consultations)
    MEMBERS = "members"  # its members and its facilitator (a process's formats)


def visibility(value: object) -> Visibility:
    """Return the visibility ``value`` names ("public" or "members"), else raise InputError."""
    try:
        return Visibility(str(value))
    except ValueError:
        names = ", ".join(repr(v.value) for v in Visibility)
        raise InputError(f"visibility={value!r} should be one of {names}") from None


@dataclass(frozen=True)
class Reader:
    """Who asks to read a conversation: a facilitator, a member of it, or nobody known."""

    facilitator_id: int | None = None
    is_member: bool = False
    holds_join_key: bool = False  # came by the conversation's join link


def may_read(visibility: str, owner_id: int | None, reader: Reader) -> bool:
    """Return True when ``reader`` may read a conversation's statements, votes and analysis.

    A public conversation is read by anybody. A members-only one by its members, by whoever
    holds its join link (to see what they join), and by the facilitators who may manage it
    (``check_can_manage``: its owner, or any facilitator when it has no owner). Observers
    read a process's joint agenda through its observer key, never a format itself.
    """
    if visibility != Visibility.MEMBERS:
        return True
    if reader.is_member or reader.holds_join_key:
        return True
    return reader.facilitator_id is not None and (
        owner_id is None or owner_id == reader.facilitator_id
    )


def min_group_size(value: object) -> int:
    """Return a valid minimum group size (``MIN_MIN_GROUP_SIZE``.., default 3), else raise."""
    if value is None:
        return DEFAULT_MIN_GROUP_SIZE
    size = int(str(value).strip()) if str(value).strip().isdigit() else 0
    if not MIN_MIN_GROUP_SIZE <= size <= MAX_MIN_GROUP_SIZE or str(size) != str(value).strip():
        raise InputError(
            f"min_group_size={value!r} should be a whole number in "
            f"{MIN_MIN_GROUP_SIZE}..{MAX_MIN_GROUP_SIZE}: smaller groups would name individuals"
        )
    return size


def group_letter(group: int) -> str:
    """Return the name of opinion group ``group`` (0-based) as Polis gives it: A, B, C, ..."""
    return chr(ord("A") + group) if 0 <= group < 26 else str(group)


def public_number(statement_id: int, origin_id: int | None, root_external_id: int | None) -> int:
    """Return the one number people see for a statement: Polis's tid for an imported one,
    else the id of its joint statement (a shared copy shows its original's number)."""
    if root_external_id is not None:
        return int(root_external_id)
    return root_id(statement_id, origin_id)


def root_id(statement_id: int, origin_id: int | None) -> int:
    """Return the id of the joint statement a statement belongs to (itself or its origin)."""
    return origin_id if origin_id is not None else statement_id


@dataclass(frozen=True)
class AutoShare:
    """Share a statement with every format once its own format supports it this much."""

    min_votes: int = 5
    min_agree: float = 0.7

    def __post_init__(self) -> None:
        if not 1 <= self.min_votes <= MAX_MIN_VOTES:
            raise InputError(
                f"auto-share min_votes={self.min_votes} should be in 1..{MAX_MIN_VOTES}"
            )
        if not 0.0 < self.min_agree <= 1.0:
            raise InputError(f"auto-share min_agree={self.min_agree} should be in (0, 1]")

    def is_met(self, n_votes: int, n_agree: int) -> bool:
        """Return True when a statement with these votes in its own format is shared."""
        return n_votes >= self.min_votes and n_agree / n_votes >= self.min_agree


def agenda_min_votes(min_votes: int, group_size: int = DEFAULT_MIN_GROUP_SIZE) -> int:
    """Return the votes a format casts on a statement before its stance counts on the agenda.

    ``min_votes``, and never fewer than the minimum group size: the kind or score of a
    statement from fewer voters of a format would tell their votes.
    """
    return max(min_votes, group_size)


@dataclass(frozen=True)
class ProcessSettings:
    """A process's settings with their defaults (stored as JSON in ``processes.settings``)."""

    min_votes: int = DEFAULT_MIN_VOTES
    auto_share: AutoShare | None = None
    demo: str | None = None  # names the bundled demo this process was loaded from
    participants_see_agenda: bool = False  # members may open the joint agenda after voting
    #: opinion groups (and a format's stance) smaller than this are not shown
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE

    def __post_init__(self) -> None:
        if not 1 <= self.min_votes <= MAX_MIN_VOTES:
            raise InputError(f"min_votes={self.min_votes} should be in 1..{MAX_MIN_VOTES}")
        min_group_size(self.min_group_size)

    @property
    def agenda_min_votes(self) -> int:
        """Votes each format casts on a statement before it ranks (``agenda_min_votes``)."""
        return agenda_min_votes(self.min_votes, self.min_group_size)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ProcessSettings:
        """Read stored settings; a missing key takes its default."""
        data = data or {}
        share = data.get("auto_share")
        return cls(
            min_votes=int(data.get("min_votes", DEFAULT_MIN_VOTES)),
            auto_share=(
                None if not share else AutoShare(int(share["min_votes"]), float(share["min_agree"]))
            ),
            demo=data.get("demo"),
            participants_see_agenda=bool(data.get("participants_see_agenda", False)),
            min_group_size=min_group_size(data.get("min_group_size")),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the settings as stored."""
        out: dict[str, Any] = {
            "min_votes": self.min_votes,
            "min_group_size": self.min_group_size,
        }
        if self.auto_share is not None:
            out["auto_share"] = {
                "min_votes": self.auto_share.min_votes,
                "min_agree": self.auto_share.min_agree,
            }
        if self.demo is not None:
            out["demo"] = self.demo
        if self.participants_see_agenda:
            out["participants_see_agenda"] = True
        return out
