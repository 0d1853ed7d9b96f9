"""The lean reader of folder exports gives the matrix the event reader gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from parley.core.matrix import build_vote_matrix
from parley.errors import SignConventionError
from parley.io.import_limits import DEFAULT_LIMITS
from parley.io.polis import read_polis_export
from parley.io.polis_matrix import read_export_matrix

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.mark.parametrize("name", ["tiny", "opendata/london.youth.policing"])
def test_same_matrix_as_the_event_reader(name: str) -> None:
    folder = FIXTURES / name
    read = read_export_matrix(folder, signs="auto", limits=DEFAULT_LIMITS)
    assert read is not None
    export, matrix = read
    events = read_polis_export(folder).votes
    expected = build_vote_matrix(
        events.participant_ids, events.statement_ids, events.values, timestamps=events.timestamps
    )
    assert matrix.participant_ids.tolist() == expected.participant_ids.tolist()
    assert matrix.statement_ids.tolist() == expected.statement_ids.tolist()
    assert (matrix.values != expected.values).nnz == 0
    assert np.array_equal(matrix.values.indptr, expected.values.indptr)
    assert export.statements.ids.tolist() == read_polis_export(folder).statements.ids.tolist()


def test_unusual_votes_csv_falls_back(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "tiny", folder)
    votes = folder / "votes.csv"
    lines = votes.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",1.0"  # the text reader says what is wrong
    votes.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_export_matrix(folder, signs="auto", limits=DEFAULT_LIMITS) is None
    assert read_export_matrix(FIXTURES / "tiny", signs="auto", limits=DEFAULT_LIMITS)


def test_flipped_signs_are_refused_or_flipped(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "opendata/london.youth.policing", folder)
    votes = folder / "votes.csv"
    lines = votes.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    at = header.index("vote")
    flipped = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[at] = str(-int(cells[at]))
        flipped.append(",".join(cells))
    votes.write_text("\n".join(flipped) + "\n", encoding="utf-8")
    with pytest.raises(SignConventionError):
        read_export_matrix(folder, signs="auto", limits=DEFAULT_LIMITS)
    read = read_export_matrix(folder, signs="flipped", limits=DEFAULT_LIMITS)
    original = read_export_matrix(
        FIXTURES / "opendata/london.youth.policing", signs="auto", limits=DEFAULT_LIMITS
    )
    assert read is not None and original is not None
    assert (read[1].values != original[1].values).nnz == 0
