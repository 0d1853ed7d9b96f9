"""Settings: one object, read from ``PARLEY_*`` environment variables and CLI flags.

Built at the edge (the CLI, a test) and passed down; never created at import time.
Every field is documented in docs/storage.md; the defaults work with no set-up at all.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "Settings"]

DEFAULT_DATABASE_URL = "sqlite:///parley.db"


class Settings(BaseSettings):
    """parley's settings; each can be set as ``PARLEY_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="forbid", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description=(
            "Where conversations are stored: sqlite:///FILE (default: parley.db in the working "
            "folder) or postgresql+psycopg://USER:PASSWORD@HOST/NAME. A plain file path "
            "means a SQLite file."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(
        default=8000, ge=0, le=65535, description="Port of the web server; 0 picks a free one."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs session cookies. When unset, the web server generates one and "
            "keeps it in the database, so that logins survive a restart."
        ),
    )
    max_body_bytes: int = Field(
        default=65_536,
        ge=1_024,
        description="Largest request body the web server accepts, in bytes (larger: 413).",
    )
    vote_rate: float = Field(
        default=10.0,
        ge=0,
        description="Votes per second one participant may sustain (token bucket); 0: no limit.",
    )
    vote_burst: int = Field(
        default=60, ge=1, description="Votes one participant may cast at once before vote_rate."
    )
    statement_rate: float = Field(
        default=0.2,
        ge=0,
        description="Statements per second one participant may sustain; 0: no limit.",
    )
    statement_burst: int = Field(
        default=5, ge=1, description="Statements one participant may write at once."
    )
    analysis_interval: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Seconds between the analysis worker's checks for changed conversations.",
    )

    @field_validator("database_url")
    @classmethod
    def _path_means_sqlite(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("database_url is empty; use sqlite:///FILE or postgresql+psycopg://")
        if "://" in value:
            return value
        return f"sqlite:///{Path(value).expanduser()}"
