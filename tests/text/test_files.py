"""Reading statement lists from CSV: good files, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.errors import InputError, NotFoundError
from parley.text.files import read_statements


def write(tmp_path: Path, content: str, *, name: str = "s.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_reads_ids_texts_and_optional_languages(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'id,text,language\n1,"Hello, world",EN\n2,Hallo Welt,\n\n3,"Two\nlines",de\n',
    )
    statements = read_statements(path)
    assert statements.ids == ("1", "2", "3")
    assert statements.texts == ("Hello, world", "Hallo Welt", "Two\nlines")
    assert statements.languages == ("en", None, "de")


def test_the_language_column_is_optional_and_a_bom_is_fine(tmp_path: Path) -> None:
    statements = read_statements(write(tmp_path, "\ufeffText,ID\nBonjour,a\n"))
    assert statements.ids == ("a",)
    assert statements.languages == (None,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "line 1: the file is empty"),
        ("id,body\n1,x\n", "line 1: missing column(s) text"),
        ("id,text\n", "no statements after the header"),
        ("id,text\n1,a\n2,b,c\n", "line 3: 3 fields, expected 2"),
        ("id,text\n1,a\n1,b\n", "line 3: id '1' already used on line 2"),
        ("id,text\n1,a\n2,  \n", "line 3: the text of '2' is empty"),
        ("id,text\n,a\n", "line 2: the id is empty"),
        ("id,text,language\n1,a,english\n", "line 2: language 'english'"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        read_statements(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_not_utf8_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not UTF-8"):
        read_statements(write(tmp_path, "id,text\n1,Gruß\n", encoding="latin-1"))
    with pytest.raises(NotFoundError, match="no such file"):
        read_statements(tmp_path / "missing.csv")
