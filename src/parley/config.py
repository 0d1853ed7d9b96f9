"""Settings: one object, read from ``PARLEY_*`` environment variables and CLI flags.

Built at the edge (the CLI, a test) and passed down; never created at import time.
Every field is documented in docs/storage.md; the defaults work with no set-up at all.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from parley.compute.worker import SETTLE_SECONDS

__all__ = ["DEFAULT_DATABASE_URL", "IPNetwork", "Settings"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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
            "Not used any more: sessions live in the database and the cookie holds only a "
            "random id, so nothing is signed. Accepted so that old configurations still start."
        ),
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "The address people reach parley at (https://parley.example.org, or with a path "
            "prefix). Every link parley hands out (join and observer links) starts with it, "
            "never with the request's Host header; https here makes cookies Secure."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8) of reverse proxies "
            "whose X-Forwarded-For and X-Forwarded-Proto headers are believed; from any other "
            "client they are ignored. Empty: no proxy is trusted."
        ),
    )
    session_idle_minutes: int = Field(
        default=60,
        ge=1,
        le=7 * 24 * 60,
        description="A facilitator's login ends after this many minutes without a request.",
    )
    session_max_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="A facilitator's login ends this many hours after logging in, however busy.",
    )
    visitor_session_days: float = Field(
        default=14.0,
        gt=0,
        le=365,
        description=(
            "A participant's browser session (which conversations it joined) ends after this "
            "many days without a visit."
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
    web_processes: int = Field(
        default=1,
        ge=1,
        le=256,
        description="Web processes serving the app (set by `parley serve --processes N`): "
        "each keeps its share of a participant's vote rate and burst (``vote_limit``).",
    )
    statement_rate: float = Field(
        default=0.2,
        ge=0,
        description="Statements per second one participant may sustain; 0: no limit.",
    )
    statement_burst: int = Field(
        default=5, ge=1, description="Statements one participant may write at once."
    )
    observer_rate: float = Field(
        default=1.0,
        ge=0,
        description="Joint agenda reads per second one address may sustain through an "
        "observer key (pages and API); 0: no limit.",
    )
    observer_burst: int = Field(
        default=20, ge=1, description="Observer reads one address may make at once."
    )
    analysis_interval: float = Field(
        default=0.5,
        gt=0,
        le=60,
        description="Seconds between the analysis worker's checks for changed conversations.",
    )
    analysis_settle: float = Field(
        default=SETTLE_SECONDS,
        ge=0,
        le=60,
        description="Seconds the analysis worker rests after a poll that found work: the "
        "wake-ups of votes committed meanwhile are folded into one poll; 0: no rest.",
    )
    lease_seconds: float = Field(
        default=60.0,
        ge=1,
        le=3600,
        description="How long a worker's lease on a job lasts without renewal: after a worker "
        "dies, another takes its job once this has passed.",
    )
    run_worker: bool = Field(
        default=True,
        description="Run the analysis worker inside each web process (`parley serve "
        "--no-worker` turns it off when `parley worker` processes run apart).",
    )
    shared_limits: bool = Field(
        default=False,
        description="Keep rate-limit buckets in the database, shared by every web process "
        "(set by `parley serve --processes N`); else in the process's memory.",
    )
    translator: Literal["off", "libretranslate", "argos"] = Field(
        default="off",
        description=(
            "Machine translation of statements: off, libretranslate (a LibreTranslate-"
            "compatible service at translator_url) or argos (Argos Translate installed with its "
            "language packages). Facilitators start runs; human translations always win."
        ),
    )
    translator_url: str | None = Field(
        default=None,
        description="Base address of the LibreTranslate-compatible service (its POST /translate).",
    )
    translator_api_key: SecretStr | None = Field(
        default=None, description="API key sent to the translation service, if it needs one."
    )
    translator_timeout: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="Seconds one machine translation call may take before it is given up.",
    )
    dask_address: str | None = Field(
        default=None,
        description=(
            "Dask scheduler (tcp://HOST:8786, or 'local' for a LocalCluster on this machine) "
            "that analyses conversations with at least dask_min_votes votes; unset: every "
            "analysis runs in-process. Needs the 'dask' extra."
        ),
    )
    dask_min_votes: int = Field(
        default=100_000_000,
        ge=1,
        description="Votes from which a conversation is analysed on dask_address.",
    )
    dask_scratch: Path | None = Field(
        default=None,
        description=(
            "Folder where the worker writes a conversation's votes as Parquet parts for "
            "dask_address; with a remote scheduler it must be shared storage the Dask workers "
            "read at the same path. Unset: the system's temporary folder (enough for 'local')."
        ),
    )

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"public_url={value!r} should look like https://host[/prefix]")
        if parts.query or parts.fragment:
            raise ValueError(f"public_url={value!r} should have no query or fragment")
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        for part in parts:
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {part!r} is not an IP address or network"
                ) from None
        return ",".join(parts)

    def vote_limit(self) -> tuple[float, int]:
        """Return this process's (rate, burst) of one participant's votes.

        Votes are limited in each web process's memory (a database bucket would cost a
        query per vote), so each of ``web_processes`` keeps 1/N: together they allow
        ``vote_rate`` and ``vote_burst`` at most, however a participant's requests spread.
        """
        n = self.web_processes
        return self.vote_rate / n, max(1, -(-self.vote_burst // n))

    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        """Return the trusted proxies as IP networks (a single address is a /32 or /128)."""
        return tuple(
            ipaddress.ip_network(part, strict=False)
            for part in self.trusted_proxies.split(",")
            if part
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
