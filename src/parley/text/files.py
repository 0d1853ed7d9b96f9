"""Read statement lists from CSV files with columns ``id,text`` and optionally ``language``."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from parley.errors import InputError, NotFoundError

__all__ = ["StatementList", "read_statements"]

_TAG = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class StatementList:
    """Statements read from a file: ids, texts, and a language tag or None where not given."""

    path: Path
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    languages: tuple[str | None, ...]


def _where(path: Path, line: int) -> str:
    return f"{path}, line {line}"


def read_statements(path: Path) -> StatementList:
    """Read and check a statements CSV; errors name the file and the line."""
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _parse(path, handle)
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason})") from error
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV file ({error})") from error


def _parse(path: Path, handle: TextIO) -> StatementList:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{_where(path, 1)}: the file is empty; expected a header id,text")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in ("id", "text") if name not in columns]
    if missing:
        raise InputError(
            f"{_where(path, 1)}: missing column(s) {', '.join(missing)}; "
            f"expected id,text[,language], found {','.join(columns)}"
        )
    id_at, text_at = columns.index("id"), columns.index("text")
    language_at = columns.index("language") if "language" in columns else None
    ids: list[str] = []
    texts: list[str] = []
    languages: list[str | None] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(columns):
            raise InputError(
                f"{_where(path, line)}: {len(row)} fields, expected {len(columns)} "
                "(quote texts that contain commas)"
            )
        statement_id, text = row[id_at].strip(), row[text_at].strip()
        if not statement_id:
            raise InputError(f"{_where(path, line)}: the id is empty")
        if statement_id in seen:
            first = seen[statement_id]
            raise InputError(
                f"{_where(path, line)}: id {statement_id!r} already used on line {first}"
            )
        if not text:
            raise InputError(f"{_where(path, line)}: the text of {statement_id!r} is empty")
        tag = row[language_at].strip().lower() if language_at is not None else ""
        if tag and not _TAG.match(tag):
            raise InputError(
                f"{_where(path, line)}: language {tag!r} should be a two- or three-letter code"
            )
        seen[statement_id] = line
        ids.append(statement_id)
        texts.append(text)
        languages.append(tag or None)
    if not ids:
        raise InputError(f"{path}: no statements after the header")
    return StatementList(path, tuple(ids), tuple(texts), tuple(languages))
