"""Engines and sessions: SQLite with durable, concurrent-safe pragmas, or PostgreSQL.

SQLite connections run in WAL mode (readers never block the writer) with
``synchronous=FULL`` (a committed transaction survives a power cut), ``foreign_keys=ON``
and a ``busy_timeout``. parley emits BEGIN itself (Python's sqlite3 module would otherwise
delay it until the first write): sessions from a ``"write"`` factory start with
``BEGIN IMMEDIATE``, so a writer takes the write lock up front and waits up to the busy
timeout for it, instead of failing halfway when a read transaction cannot be upgraded.
``"read"`` sessions start with a plain (deferred) BEGIN.
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeAlias

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from parley.errors import InputError

from .storable import guard_engine

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS",
    "SessionFactory",
    "SessionMode",
    "create_engine_for",
    "create_session_factory",
    "display_url",
    "json_dumps",
]

SessionFactory: TypeAlias = sessionmaker[Session]
SessionMode: TypeAlias = Literal["read", "write"]

DEFAULT_BUSY_TIMEOUT_MS = 5_000
#: execution option read by the SQLite ``begin`` hook: DEFERRED, IMMEDIATE or EXCLUSIVE
BEGIN_OPTION = "parley_sqlite_begin"
_BEGIN_MODES = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")


def json_dumps(value: Any) -> str:
    """JSON text of a JSON column's value: orjson (the stdlib's json where it refuses a value).

    The stored analysis of a 10^6-vote conversation is 1.5 MB of JSON: the stdlib took 64 ms
    to write it, orjson 3 ms. Both write what ``json.loads`` reads back as the same value;
    orjson writes NaN as null (PostgreSQL's JSONB refuses NaN anyway). Values orjson cannot
    write (integers beyond 64 bits, lone surrogates) go to ``json.dumps`` as before.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(value)


def display_url(url: str | URL) -> str:
    """Return the URL as text with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_engine_for(
    url: str | URL, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS, echo: bool = False
) -> Engine:
    """Create an engine for a ``sqlite:///FILE`` or ``postgresql+psycopg://...`` URL."""
    if busy_timeout_ms < 0:
        raise InputError(f"busy_timeout_ms={busy_timeout_ms} should be >= 0")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(
            f"database URL {url!s:.80} is not a URL; expected sqlite:///FILE or "
            "postgresql+psycopg://USER@HOST/NAME"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return guard_engine(_sqlite_engine(parsed, busy_timeout_ms=busy_timeout_ms, echo=echo))
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
        try:
            return guard_engine(
                create_engine(parsed, pool_pre_ping=True, echo=echo, json_serializer=json_dumps)
            )
        except (ImportError, NoSuchModuleError) as error:
            raise InputError(
                f"database URL {display_url(parsed)} needs a driver that is not installed "
                f"({error}); install it with: pip install 'psycopg[binary]'"
            ) from None
    raise InputError(
        f"database URL {display_url(parsed)}: backend {backend!r} is not supported; "
        "use sqlite:///FILE or postgresql+psycopg://USER@HOST/NAME"
    )


def _sqlite_engine(url: URL, *, busy_timeout_ms: int, echo: bool) -> Engine:
    try:
        engine = create_engine(url, echo=echo, json_serializer=json_dumps)
    except (ArgumentError, NoSuchModuleError) as error:
        raise InputError(f"database URL {display_url(url)}: {error}") from None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # hand transaction control to SQLAlchemy: the driver must not emit BEGIN itself
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")  # persistent; 'memory' in memory
            cursor.execute("PRAGMA synchronous = FULL")  # acknowledged = durable
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        mode = str(options.get(BEGIN_OPTION, "DEFERRED")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{BEGIN_OPTION}={mode!r} should be one of {_BEGIN_MODES}")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def write_engine(engine: Engine) -> Engine:
    """Return a view of the engine whose SQLite transactions start with BEGIN IMMEDIATE."""
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})


def create_session_factory(engine: Engine, *, mode: SessionMode = "write") -> SessionFactory:
    """Return a session factory; "write" sessions lock SQLite for writing when they begin."""
    if mode not in ("read", "write"):
        raise InputError(f"mode={mode!r} should be 'read' or 'write'")
    bind = write_engine(engine) if mode == "write" else engine
    return sessionmaker(bind=bind, expire_on_commit=False)
