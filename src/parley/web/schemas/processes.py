"""The API's bodies for processes: formats, sharing, merging, settings, the joint agenda."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from parley.services.agenda_document import AgendaDocument
from parley.services.agenda_items import MAX_LABEL_LENGTH
from parley.services.formats import MAX_FORMATS
from parley.services.inputs import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH
from parley.services.rules import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_MIN_VOTES,
    MAX_MIN_GROUP_SIZE,
    MAX_MIN_VOTES,
    MIN_MIN_GROUP_SIZE,
    AutoShare,
    ModerationMode,
    ProcessSettings,
)

from ..ids import Id
from . import STRICT, LanguageTag

__all__ = [
    "ActionOut",
    "AgendaOut",
    "AutoShareRule",
    "DuplicateOut",
    "FormatCreate",
    "FormatOut",
    "ItemLabel",
    "ItemsRefreshed",
    "JointStatementOut",
    "MergeRequest",
    "MergedOut",
    "ProcessCreate",
    "ProcessOut",
    "ProcessSettingsIn",
    "ShareRequest",
    "SharedOut",
    "UndoneOut",
]

# Processes: formats deliberating in parallel, their shared statements and the joint agenda.

FormatName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]
MinVotes = Annotated[int, Field(ge=1, le=MAX_MIN_VOTES)]
MinGroupSize = Annotated[
    int,
    Field(
        ge=MIN_MIN_GROUP_SIZE,
        le=MAX_MIN_GROUP_SIZE,
        description="opinion groups smaller than this, and a format's votes on a statement "
        "fewer than this, are not shown (smaller ones would name individuals)",
    ),
]


class AutoShareRule(BaseModel):
    """Share a statement with every format once its own format cast this many votes, this
    share of them agree."""

    model_config = STRICT
    min_votes: MinVotes = AutoShare().min_votes
    min_agree: float = Field(default=AutoShare().min_agree, gt=0.0, le=1.0)


class ProcessCreate(BaseModel):
    """A new process with its formats; each format gets a conversation of its own."""

    model_config = STRICT
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    formats: list[FormatName] = Field(min_length=1, max_length=MAX_FORMATS)
    languages: list[LanguageTag] = Field(default=["en"], min_length=1, max_length=20)
    moderation_mode: ModerationMode = ModerationMode.OPEN
    min_votes: MinVotes = Field(
        default=DEFAULT_MIN_VOTES,
        description="votes every format casts on a statement before it ranks on the agenda",
    )
    auto_share: AutoShareRule | None = None
    min_group_size: MinGroupSize = DEFAULT_MIN_GROUP_SIZE

    def to_settings(self) -> ProcessSettings:
        """Return the settings as the services take them."""
        return _process_settings(self.min_votes, self.auto_share, self.min_group_size)


class FormatCreate(BaseModel):
    """A new format of a process."""

    model_config = STRICT
    name: FormatName
    languages: list[LanguageTag] = Field(default=["en"], min_length=1, max_length=20)
    moderation_mode: ModerationMode = ModerationMode.OPEN
    conversation_id: Id | None = Field(
        default=None,
        description="an existing conversation of yours (an imported Polis export, say) "
        "to make this format, instead of a new one; languages and moderation_mode are then "
        "the conversation's own",
    )


class FormatOut(BaseModel):
    """A format: its conversation (members join at ``join_url``) and its counts."""

    id: int
    name: str
    conversation_id: int
    position: int
    n_members: int
    n_statements: int
    join_url: str = Field(
        description="the participation page's path, /c/{conversation_id}, with the "
        "unguessable ?key=... of a members-only format"
    )


class ProcessOut(BaseModel):
    """A process, its settings, its formats in order and the observers' key."""

    id: int
    name: str
    description: str
    min_votes: int
    auto_share: AutoShareRule | None
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    observer_key: str
    formats: list[FormatOut]


class ProcessSettingsIn(BaseModel):
    """The agenda's minimum votes per format and the auto-share rule (null: off)."""

    model_config = STRICT
    min_votes: MinVotes
    auto_share: AutoShareRule | None
    participants_see_agenda: bool = Field(
        default=False, description="members may open the joint agenda after voting"
    )
    min_group_size: MinGroupSize = DEFAULT_MIN_GROUP_SIZE

    def to_settings(self) -> ProcessSettings:
        """Return the settings as the services take them."""
        settings = _process_settings(self.min_votes, self.auto_share, self.min_group_size)
        return replace(settings, participants_see_agenda=self.participants_see_agenda)


def _process_settings(
    min_votes: int, rule: AutoShareRule | None, min_group_size: int = DEFAULT_MIN_GROUP_SIZE
) -> ProcessSettings:
    share = None if rule is None else AutoShare(rule.min_votes, rule.min_agree)
    return ProcessSettings(min_votes=min_votes, auto_share=share, min_group_size=min_group_size)


class ShareRequest(BaseModel):
    """Share a statement of the process into some formats (all the others when absent)."""

    model_config = STRICT
    statement_id: Id
    format_ids: list[Id] | None = Field(default=None, min_length=1, max_length=MAX_FORMATS)


class SharedOut(BaseModel):
    """The ids of the new copies (none for formats that had the statement already)."""

    created: list[int]
    share_id: int | None = Field(
        default=None, description="the share's id, to undo it; null when nothing was copied"
    )


class MergedOut(BaseModel):
    """A merge done: its id, to undo it."""

    merge_id: int


class ActionOut(BaseModel):
    """A merge or share that can still be undone."""

    id: int
    kind: Literal["merge", "share"]
    actor: str | None
    created_at: datetime
    statement_ids: list[int] = Field(description="merge: [kept, dropped]; share: the copies")
    undo_url: str


class UndoneOut(BaseModel):
    """A share undone: how many copies left the formats."""

    n_copies: int


class MergeRequest(BaseModel):
    """Merge statement ``drop_id`` into ``keep_id`` (both in the process)."""

    model_config = STRICT
    keep_id: Id
    drop_id: Id


class ItemLabel(BaseModel):
    """A facilitator's label for an agenda item (kept when the items are recomputed)."""

    model_config = STRICT
    label: str = Field(min_length=1, max_length=MAX_LABEL_LENGTH)
    language: str | None = Field(
        default=None,
        max_length=35,
        description="language tag of the label, e.g. 'de'; default: the client's language",
    )


class ItemsRefreshed(BaseModel):
    """How many agenda items the process has now."""

    n_items: int


#: the joint agenda document, declared once in ``parley.services.agenda_document``
AgendaOut = AgendaDocument


class JointStatementOut(BaseModel):
    """A joint statement, in its original language, and the format where it was written."""

    id: int
    number: int = Field(description="the number people see (Polis's tid if imported)")
    text: str
    language: str | None
    format: str


class DuplicateOut(BaseModel):
    """Two look-alike joint statements and what the votes of people who voted on both say."""

    a: JointStatementOut
    b: JointStatementOut
    score: float
    verdict: Literal["duplicate", "opposite", "unknown"] | None = Field(
        description="null until somebody voted on both"
    )
    n_co_voters: int
