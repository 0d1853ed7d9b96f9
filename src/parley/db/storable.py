"""What the databases can store: ids within range, text without NUL or lone surrogates.

PostgreSQL refuses a NUL character in text (SQLite keeps it), neither can encode a lone
surrogate as UTF-8, ids are 32-bit on PostgreSQL and SQLite overflows past 2**63 - 1. A
value beyond these answers a driver error that a request must never see. ``check_text`` and
``check_id`` (404) validate at the boundary, with messages naming the value; ``guard_engine``
checks every parameter on its way to the database as a last line, so a lookup or an import
nobody validated still fails as an ``UnstorableValueError`` (422) instead of a driver error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, event

from parley.errors import NotFoundError, UnstorableValueError

__all__ = ["MAX_ID", "check_id", "check_text", "guard_engine", "refusal"]

#: the largest id of a row: ``integer`` on PostgreSQL is 32-bit
MAX_ID = 2**31 - 1
#: the largest integer any parameter may carry (SQLite's 64-bit integers)
MAX_INTEGER = 2**63 - 1
_REFUSED = re.compile("[\x00\ud800-\udfff]")
_SHOWN = 40


def refusal(value: str) -> str | None:
    """Return why the database cannot store ``value`` (a NUL, a lone surrogate), or None."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
    return f"contains {what} (U+{ord(found.group()):04X}) at position {found.start()}"


def _shown(value: str) -> str:
    short = value if len(value) <= _SHOWN else value[:_SHOWN] + "..."
    return ascii(short)


def check_text(value: str, *, name: str) -> str:
    """Return ``value`` unchanged, or raise UnstorableValueError when no database can store it."""
    why = refusal(value)
    if why is not None:
        raise UnstorableValueError(f"{name}={_shown(value)} {why}; it cannot be stored")
    return value


def check_id(value: int, *, name: str) -> int:
    """Return ``value`` when the id column can hold it (32 bits), else raise NotFoundError.

    Smaller ids that no row has are left to the lookup, which answers not found as well.
    """
    if not -MAX_ID - 1 <= value <= MAX_ID:
        raise NotFoundError(f"{name}={value} does not exist: ids are at most {MAX_ID}")
    return value


def _check_parameter(name: str, value: Any) -> None:
    if isinstance(value, str):
        check_text(value, name=name)
    elif isinstance(value, int) and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
        raise UnstorableValueError(f"{name}={value} is beyond the integers the database can store")


def _all_storable(values: Iterable[Any]) -> bool:
    """Return True when no value is refused (a plain loop: it runs for every row written)."""
    search = _REFUSED.search
    for value in values:
        kind = type(value)
        if kind is str:
            if search(value) is not None:
                return False
        elif kind is int and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            return False
    return True  # bool, float, bytes, datetime, None, ...: the driver handles them


def _check_row(row: Any, names: Sequence[str] | None) -> None:
    # the fast pass only looks; naming the culprit is left to the rare failure
    if isinstance(row, Mapping):
        if _all_storable(row.values()):
            return
        for key, value in row.items():
            _check_parameter(str(key), value)
    elif isinstance(row, Sequence) and not isinstance(row, str | bytes):
        if _all_storable(row):
            return
        for position, value in enumerate(row):
            name = names[position] if names is not None and position < len(names) else None
            _check_parameter(name or f"parameter {position + 1}", value)


def _positional_names(context: Any) -> Sequence[str] | None:
    compiled = getattr(context, "compiled", None)
    names = getattr(compiled, "positiontup", None)
    return list(names) if names else None


def guard_engine(engine: Engine) -> Engine:
    """Make ``engine`` refuse, as UnstorableValueError, a parameter the database cannot store."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        _connection: Any,
        _cursor: Any,
        _statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if not parameters:
            return
        names = _positional_names(context)
        rows: Iterable[Any] = parameters if executemany else [parameters]
        for row in rows:
            _check_row(row, names)

    return engine
