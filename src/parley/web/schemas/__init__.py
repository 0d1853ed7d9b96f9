"""The API's request and response bodies (pydantic); database rows never go on the wire.

One module per resource where it grows: ``schemas.processes`` holds the processes' bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from parley.services.inputs import MAX_DESCRIPTION_LENGTH, MAX_STATEMENT_LENGTH, MAX_TOPIC_LENGTH
from parley.services.rules import ModerationMode, Visibility
from parley.services.votes import MAX_IDEMPOTENCY_KEY_LENGTH

from ..ids import Id

__all__ = [
    "STRICT",
    "ActivityPoint",
    "ConversationCreate",
    "ConversationOut",
    "Created",
    "JoinRequest",
    "Joined",
    "LanguageTag",
    "LoginRequest",
    "ModerationOut",
    "ModerationRequest",
    "ModerationResult",
    "ParticipantOut",
    "ReadingFields",
    "SessionOut",
    "StatementCreate",
    "StatementCreated",
    "StatementOut",
    "SummaryOut",
    "TranslationCreate",
    "TranslationOut",
    "TranslationUpdate",
    "VoteCreate",
    "VoteOut",
]

STRICT = ConfigDict(extra="forbid")
LanguageTag = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$", max_length=35)]


class ConversationCreate(BaseModel):
    """A new conversation."""

    model_config = STRICT
    topic: str = Field(min_length=1, max_length=MAX_TOPIC_LENGTH)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    languages: list[LanguageTag] = Field(default=["en"], min_length=1, max_length=20)
    moderation_mode: ModerationMode = Field(
        default=ModerationMode.OPEN,
        description="open: participants' statements are shown at once and moderated after; "
        "strict: they wait for a moderator.",
    )
    visibility: Visibility = Field(
        default=Visibility.PUBLIC,
        description="public: anybody may read its statements and analysis (as in Polis); "
        "members: only its members and facilitator, joined by a link with a key.",
    )
    min_group_size: int | None = Field(
        default=None,
        ge=2,
        le=1000,
        description="opinion groups smaller than this are not shown (default 3)",
    )


class PrivacyIn(BaseModel):
    """Who may read a conversation, and its own minimum group size."""

    model_config = STRICT
    visibility: Visibility = Field(
        description="public: anybody may read it; members: only those with its join link"
    )
    min_group_size: int | None = Field(
        default=None,
        ge=2,
        le=1000,
        description="opinion groups smaller than this are not shown; null: follow the "
        "process's setting (or the default, 3)",
    )


class PrivacyOut(BaseModel):
    """A conversation's privacy settings and its join link."""

    model_config = ConfigDict(from_attributes=True)
    visibility: str
    min_group_size: int | None = Field(description="its own setting; null when it follows")
    min_group_size_shown: int = Field(description="the minimum group size in force")
    join_path: str = Field(description="the join link's path (members-only: with its key)")


class Created(BaseModel):
    """The id of what was created."""

    id: int


class ConversationOut(BaseModel):
    """A conversation with its counts."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    topic: str
    description: str
    languages: list[str]
    moderation_mode: str
    created_at: datetime
    n_participants: int
    n_statements: int
    n_votes: int
    closed_at: datetime | None = Field(
        default=None, description="when it was closed (it takes no votes); null while open"
    )
    visibility: str = "public"


class StatementCreate(BaseModel):
    """A statement: a seed with an API key, else a participant's (subject to moderation)."""

    model_config = STRICT
    text: str = Field(min_length=1, max_length=MAX_STATEMENT_LENGTH)
    language: LanguageTag | None = None


class StatementCreated(BaseModel):
    """The new statement's id and moderation state (1 accepted, 0 waiting)."""

    id: int
    moderation_state: int


class StatementOut(BaseModel):
    """A statement as participants see it: in the reader's language when translated."""

    model_config = ConfigDict(from_attributes=True)
    id: int = Field(description="the statement's id (the key for votes and scripts)")
    number: int | None = Field(
        default=None,
        description="the number people see: Polis's tid for an imported statement, else its "
        "joint statement's id (the same in every format and on the agenda)",
    )
    text: str = Field(
        description="in the reader's language (?lang=, Accept-Language) if translated"
    )
    moderation_state: int = Field(description="-1 rejected, 0 unmoderated, 1 accepted")
    is_seed: bool
    is_meta: bool
    language: str | None = Field(description="the language of ``text``")
    created_at: datetime
    original_text: str | None = Field(default=None, description="the text as written")
    original_language: str | None = None
    is_translation: bool = False
    translation_source: str | None = Field(
        default=None,
        description="who translated it: author, facilitator, participant, linked or machine",
    )


class TranslationCreate(BaseModel):
    """A translation of a statement: a facilitator's is stored at once, a participant's
    follows the format's moderation mode."""

    model_config = STRICT
    language: LanguageTag
    text: str = Field(min_length=1, max_length=MAX_STATEMENT_LENGTH)


class TranslationUpdate(BaseModel):
    """A facilitator's edit of a translation: new text, or a moderation decision."""

    model_config = STRICT
    text: str | None = Field(default=None, min_length=1, max_length=MAX_STATEMENT_LENGTH)
    moderation_state: Literal[-1, 0, 1] | None = None


class TranslationOut(BaseModel):
    """A stored translation of a joint statement (it applies to every copy)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    statement_id: int = Field(description="the joint statement it translates")
    language: str
    text: str
    source: str = Field(description="author, facilitator, participant, linked or machine")
    moderation_state: int = Field(description="-1 rejected, 0 unmoderated, 1 accepted")
    is_shown: bool = Field(description="whether readers are shown it")
    created_at: datetime


class JoinRequest(BaseModel):
    """Optional: an external participant id (Polis XID) from the embedding site."""

    model_config = STRICT
    xid: str | None = Field(default=None, min_length=1, max_length=256)


class Joined(BaseModel):
    """The new participant: send the token as ``Authorization: Bearer <token>``; shown once."""

    id: int
    token: str


class ParticipantOut(BaseModel):
    """The participant and how far they got."""

    id: int
    conversation_id: int
    n_voted: int
    n_total: int


class VoteCreate(BaseModel):
    """A vote: agree 1, disagree -1, pass 0; a retry with the same key is not counted twice."""

    model_config = STRICT
    statement_id: Id
    vote: Literal[-1, 0, 1]
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=MAX_IDEMPOTENCY_KEY_LENGTH
    )


class VoteOut(BaseModel):
    """The durable vote; ``is_recorded`` is false when the idempotency key was seen before."""

    statement_id: int
    vote: int
    is_recorded: bool


class ModerationRequest(BaseModel):
    """Move statements to a state: 1 accept, -1 reject, 0 back to the queue."""

    model_config = STRICT
    statement_ids: list[Id] = Field(min_length=1, max_length=1_000)
    state: Literal[-1, 0, 1]
    reason: str | None = Field(default=None, max_length=1_000)


class ModerationResult(BaseModel):
    """How many statements changed state."""

    n_changed: int


class ModerationStatement(StatementOut):
    """A statement in the moderation queue, with its author (a participant id)."""

    author_id: int | None


class ModerationOut(BaseModel):
    """A page of the moderation queue and the number of statements in each state."""

    statements: list[ModerationStatement]
    counts: dict[str, int] = Field(description="keys 'rejected', 'unmoderated', 'accepted'")
    offset: int
    limit: int


class ActivityPoint(BaseModel):
    """Votes cast in one hour or day (UTC)."""

    start: str
    n_votes: int


class ReadingFields(BaseModel):
    """A statement in the reader's language (``?lang=``, Accept-Language), and its original."""

    text: str | None = Field(description="in the reader's language if translated")
    language: str | None = Field(default=None, description="the language of ``text``")
    original_text: str | None = Field(default=None, description="the text as written")
    original_language: str | None = None
    is_translation: bool = False
    translation_source: str | None = Field(
        default=None,
        description="who translated it: author, facilitator, participant, linked or machine",
    )


class StatementRef(ReadingFields):
    """A statement in a summary, in the reader's language where translated."""

    statement_id: int
    number: int = Field(description="the number people see (Polis's tid if imported)")


class RepresentativeOut(StatementRef):
    """A statement that sets a group apart, and the share of the group voting that way."""

    direction: str
    agree_share: float | None
    disagree_share: float | None


class GroupOut(BaseModel):
    """An opinion group."""

    id: int
    name: str = Field(description="the group's name as every page shows it: A, B, C, ...")
    size: int
    representative: list[RepresentativeOut]


class CommonGroundOut(StatementRef):
    """A statement every group tends to agree with (group-informed consensus)."""

    gac: float


class AnalysisSummary(BaseModel):
    """The latest analysis in brief."""

    computed_at: str
    n_votes: int
    n_participants: int
    k: int = Field(description="the number of opinion groups shown")
    groups: list[GroupOut]
    consensus: dict[str, list[StatementRef]]
    common_ground: list[CommonGroundOut]
    min_group_size: int = Field(description="groups smaller than this are not shown")
    n_in_small_groups: int = Field(
        description="participants in opinion groups too small to show (they are not listed)"
    )


class SummaryOut(BaseModel):
    """A conversation's counts and, once analysed, its results in brief."""

    conversation: ConversationOut
    analysis: AnalysisSummary | None


class LoginRequest(BaseModel):
    """A facilitator's name and password."""

    model_config = STRICT
    name: str = Field(min_length=1, max_length=256)
    password: str = Field(min_length=1, max_length=1_024)


class SessionOut(BaseModel):
    """Who is logged in, and the CSRF token to send as ``X-CSRF-Token`` with cookie auth."""

    facilitator_id: int | None
    csrf_token: str


AnalysisOut = dict[str, Any]


class SimilarQuery(BaseModel):
    """A statement not saved yet, to look for look-alikes in any language."""

    model_config = STRICT
    text: str = Field(min_length=1, max_length=MAX_STATEMENT_LENGTH)
    language: LanguageTag | None = None


class SimilarOut(ReadingFields):
    """A look-alike: an existing statement of the process (or conversation) and its cosine;
    its text in the reader's language where translated, with the original."""

    model_config = ConfigDict(from_attributes=True)
    statement_id: int
    format_name: str | None
    score: float
    local_id: int | None = Field(
        description="the statement, or its shared copy, in this conversation: vote on it instead"
    )


class SimilarResult(BaseModel):
    """The language detected (or given) for the draft, and its look-alikes, best first."""

    language: str
    similar: list[SimilarOut]


class LanguageFix(BaseModel):
    """The author's correction of a statement's language."""

    model_config = STRICT
    language: LanguageTag
