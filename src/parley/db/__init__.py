"""Storage: SQLAlchemy models, engines with SQLite pragmas, Alembic migrations, bulk writes."""

from __future__ import annotations

from .engine import SessionFactory, SessionMode, create_engine_for, create_session_factory
from .job_models import Job, JobRun, RateBucket
from .migrate import database_revision, head_revision, upgrade_database
from .models import (
    AnalysisResult,
    Base,
    Conversation,
    Facilitator,
    InstanceSecret,
    ModerationLog,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from .process_records import AgendaRound, ProcessAction
from .translation_models import StatementTranslation, TextTranslation

__all__ = [
    "AgendaRound",
    "AnalysisResult",
    "Base",
    "Conversation",
    "Facilitator",
    "InstanceSecret",
    "Job",
    "JobRun",
    "ModerationLog",
    "Participant",
    "ProcessAction",
    "RateBucket",
    "SessionFactory",
    "SessionMode",
    "Statement",
    "StatementTranslation",
    "TextTranslation",
    "Vote",
    "VoteEvent",
    "create_engine_for",
    "create_session_factory",
    "database_revision",
    "head_revision",
    "upgrade_database",
]
