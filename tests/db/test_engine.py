"""Engines: SQLite pragmas for durability and concurrency, BEGIN IMMEDIATE for writers."""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from parley.db import Conversation, create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import display_url, json_dumps
from parley.errors import InputError


def test_sqlite_connections_are_durable_and_concurrent(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'p.db'}", busy_timeout_ms=1234)
    with engine.connect() as connection:

        def pragma(name: str) -> object:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 1234
    engine.dispose()


def test_a_writer_takes_the_lock_when_it_begins(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    first = create_engine_for(url)
    upgrade_database(first)
    second = create_engine_for(url, busy_timeout_ms=50)
    with create_session_factory(first).begin() as holder:
        holder.connection()  # BEGIN IMMEDIATE: the write lock is held from here
        with (
            pytest.raises(OperationalError, match="locked"),
            create_session_factory(second).begin() as waiter,
        ):
            waiter.connection()
        # WAL: readers are not blocked by the writer
        with create_session_factory(second, mode="read")() as reader:
            assert reader.scalar(select(func.count()).select_from(Conversation)) == 0
    first.dispose()
    second.dispose()


def test_a_writer_waits_for_the_lock_within_the_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'p.db'}")
    upgrade_database(engine)
    factory = create_session_factory(engine)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with factory.begin() as session:
                session.add(Conversation(topic="second"))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    with factory.begin() as session:
        session.add(Conversation(topic="first"))
        session.flush()
        waiter = threading.Thread(target=write)
        waiter.start()
        time.sleep(0.3)  # the waiter is blocked on the lock meanwhile
        assert waiter.is_alive()
    waiter.join(timeout=10)
    assert errors == []
    with factory() as session:
        assert session.scalars(select(Conversation.topic).order_by(Conversation.id)).all() == [
            "first",
            "second",
        ]
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"not a URL; expected sqlite:///FILE"),
        ("mysql://u@h/db", r"backend 'mysql' is not supported"),
        ("sqlite+nosuchdriver:///x.db", r"sqlite\+nosuchdriver"),
    ],
)
def test_bad_urls_are_user_errors(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        create_engine_for(url)


@pytest.mark.skipif(importlib.util.find_spec("psycopg") is not None, reason="psycopg is installed")
def test_postgres_without_its_driver_says_what_to_install() -> None:
    with pytest.raises(InputError, match=r"pip install 'psycopg\[binary\]'"):
        create_engine_for("postgresql://parley:secret@localhost/parley")


def test_messages_never_show_a_password() -> None:
    shown = display_url("postgresql+psycopg://parley:secret@localhost/parley")
    assert "secret" not in shown
    assert shown.startswith("postgresql+psycopg://parley:")


def test_negative_busy_timeout_is_refused() -> None:
    with pytest.raises(InputError, match="busy_timeout_ms=-1 should be >= 0"):
        create_engine_for("sqlite://", busy_timeout_ms=-1)


def test_unknown_session_mode_is_refused(migrated: Engine) -> None:
    with pytest.raises(InputError, match="mode='readonly'"):
        create_session_factory(migrated, mode="readonly")  # type: ignore[arg-type]


def test_json_columns_read_back_what_the_stdlib_wrote() -> None:
    value = {
        "ids": [1, 2**62, -3],
        "x": [0.1, 1e16, -2.5e-300, 1 / 3],
        "text": 'Grüße \u2028 "q" \\ \x01',
        3: None,
        "nested": {"ok": True, "list": [[], {}]},
    }
    assert json.loads(json_dumps(value)) == json.loads(json.dumps(value))
    # what orjson refuses goes to the stdlib as before
    assert json.loads(json_dumps({"big": 2**70})) == {"big": 2**70}
    assert json.loads(json_dumps({"s": "\ud800"})) == {"s": "\ud800"}
    with pytest.raises(TypeError):
        json_dumps({"x": object()})
