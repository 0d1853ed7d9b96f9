"""Tests of parley.services.agenda on the bundled london.youth.policing export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from parley.errors import InputError
from parley.services.file_agenda import joint_agenda, read_formats_csv

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "opendata" / "london.youth.policing"


def participants() -> list[int]:
    """Participant ids of the fixture (participants-votes.csv)."""
    with (FIXTURE / "participants-votes.csv").open(newline="") as handle:
        return [int(row[0]) for row in list(csv.reader(handle))[1:]]


def write_formats(path: Path, rows: list[tuple[object, object]]) -> Path:
    """Write a participant,format CSV."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["participant", "format"])
        writer.writerows(rows)
    return path


def test_read_formats_csv(tmp_path: Path) -> None:
    path = write_formats(tmp_path / "f.csv", [(3, "panel"), (1, "online"), (3, "panel"), (2, "x")])
    table = read_formats_csv(path)
    assert table.names == ["panel", "online", "x"]
    assert table.participant_ids.tolist() == [3, 1, 2]
    assert table.format_codes.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("participant,format\n1,a\nzz,b\n", "line 3: participant 'zz' is not an integer"),
        ("participant,group\n1,a\n", "line 1: expected columns participant,format"),
        ("participant,format\n1,a\n2\n", "line 3: expected 2 fields, got 1"),
        ("participant,format\n1,a\n1,b\n", "line 3: participant 1 is in format 'b'"),
        ("participant,format\n1,\n", "line 2: participant 1 has no format"),
        ("participant,format\n", "no participant rows"),
        ("", "line 1: empty file"),
    ],
)
def test_malformed_formats_csv_names_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "formats.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=r"formats\.csv") as error:
        read_formats_csv(path)
    assert message in str(error.value)


def test_missing_formats_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such formats file"):
        read_formats_csv(tmp_path / "nope.csv")


def test_joint_agenda_on_the_fixture(tmp_path: Path) -> None:
    ids = participants()
    rows: list[tuple[object, object]] = [
        (p, "panel" if i % 3 == 0 else "online") for i, p in enumerate(ids[:-2])
    ]
    rows += [(90001, "panel"), (90002, "online")]  # unknown ids are ignored and counted
    table = read_formats_csv(write_formats(tmp_path / "f.csv", rows))
    result = joint_agenda(FIXTURE, table, min_votes=3)
    assert result.n_unknown_participants == 2
    assert result.n_without_format >= 1
    data = result.to_list()
    assert [item["rank"] for item in data] == list(range(1, len(data) + 1))
    ranked = [s["common_ground"] for item in data for s in item["statements"]]
    scores = [s for s in ranked if s is not None]
    assert scores == sorted(scores, reverse=True)
    assert all(s is None for s in ranked[len(scores) :])
    first = data[0]["statements"][0]
    assert first["kind"] == "common"
    assert set(first["by_format"]) == {"panel", "online"}
    rejected = set(result.export.statements.ids[result.export.statements.moderated == -1].tolist())
    assert not rejected & {s["id"] for item in data for s in item["statements"]}
    assert np.isfinite(result.agenda.bridging).all()
    assert result.min_votes == 3
    # a format's stance counts only from 3 voters on, whatever --min-votes says
    fewer = joint_agenda(FIXTURE, table, min_votes=1, bridging=False)
    assert fewer.min_votes == 3
    assert fewer.to_list() == joint_agenda(FIXTURE, table, min_votes=3, bridging=False).to_list()


def test_items_and_labels_are_passed_through(tmp_path: Path) -> None:
    table = read_formats_csv(
        write_formats(tmp_path / "f.csv", [(p, f"f{p % 2}") for p in participants()])
    )
    base = joint_agenda(FIXTURE, table, bridging=False)
    statement_ids = base.statement_ids.tolist()
    items = {s: 100 + s % 3 for s in statement_ids}
    result = joint_agenda(
        FIXTURE, table, items=items, item_labels={100: "policing"}, bridging=False
    )
    data = result.to_list()
    assert {item["item"] for item in data} == {100, 101, 102}
    labels = {item["item"]: item["label"] for item in data}
    assert labels == {100: "policing", 101: "item 101", 102: "item 102"}
    assert sum(len(item["statements"]) for item in data) == len(statement_ids)
    assert all(s["bridging"] is None for item in data for s in item["statements"])
