"""CSV for spreadsheets: every text cell that could start a formula is defused."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.io.safe_csv import FORMULA_STARTS, SafeCsvWriter, defuse


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain", "plain"),
        ("", ""),
        (-1.5, -1.5),  # numbers are data, not formulas
        (3, 3),
    ],
)
def test_defuse(cell: object, expected: object) -> None:
    assert defuse(cell) == expected


@given(st.text())
def test_a_defused_text_starts_no_formula_and_keeps_the_text(text: str) -> None:
    defused = defuse(text)
    assert not defused.startswith(FORMULA_STARTS)
    assert defused in (text, "'" + text)


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False)), min_size=1))
def test_the_writer_defuses_every_cell_of_a_row(row: list[object]) -> None:
    out, plain = io.StringIO(), io.StringIO()
    SafeCsvWriter(out).writerow(row)
    csv.writer(plain, lineterminator="\n").writerow([defuse(cell) for cell in row])
    assert out.getvalue() == plain.getvalue()


def test_headers_are_defused_too() -> None:
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["rank", '=HYPERLINK("http://evil.example") agree'])
    writer.writerow([1, -0.5])
    assert out.getvalue() == 'rank,"\'=HYPERLINK(""http://evil.example"") agree"\n1,-0.5\n'
