"""End-to-end tests of ``parley analyze`` on a real (bundled, CC BY 4.0) Polis conversation."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parley.cli.main import app

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "opendata" / "london.youth.policing"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_analyze_prints_summary_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    code, output = run("analyze", str(FIXTURE), "--out", str(out))
    assert code == 0, output
    assert "opinion groups" in output
    assert "Consensus (agree)" in output
    data = json.loads(out.read_text())
    assert {"participants", "groups", "statements", "consensus", "pca", "k"} <= data.keys()
    assert data["k"] == len(data["groups"]) >= 2
    participant = data["participants"][0]
    assert set(participant) >= {"id", "x", "y", "group", "in_conv"}
    statement = data["statements"][0]
    assert set(statement) >= {
        "id",
        "text",
        "moderated",
        "x",
        "y",
        "extremity",
        "gac",
        "gac_disagree",
        "priority",
        "agree",
        "disagree",
        "pass",
    }
    for group in data["groups"]:
        assert group["size"] == sum(p["group"] == group["id"] for p in data["participants"])
        for r in group["repness"]:
            assert r["direction"] in ("agree", "disagree")
            assert set(r) >= {"statement", "p_success", "p_test", "repness", "repness_test"}
    # 24 participants were grouped by Polis; all of them vote enough to be in-conv here
    assert sum(p["in_conv"] for p in data["participants"]) >= 15
    # rejected statements are never representative nor consensus
    rejected = {s["id"] for s in data["statements"] if s["moderated"] == -1}
    chosen = {r["statement"] for g in data["groups"] for r in g["repness"]}
    assert not (chosen | set(data["consensus"]["agree"])) & rejected


def test_same_input_gives_byte_identical_json(tmp_path: Path) -> None:
    first, second = tmp_path / "1.json", tmp_path / "2.json"
    assert run("analyze", str(FIXTURE), "-q", "--out", str(first))[0] == 0
    assert run("analyze", str(FIXTURE), "-q", "--out", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_zip_input_gives_the_same_result(tmp_path: Path) -> None:
    archive = shutil.make_archive(str(tmp_path / "conv"), "zip", FIXTURE)
    folder_json, zip_json = tmp_path / "f.json", tmp_path / "z.json"
    assert run("analyze", str(FIXTURE), "-q", "--out", str(folder_json))[0] == 0
    assert run("analyze", archive, "-q", "--out", str(zip_json))[0] == 0
    assert folder_json.read_bytes() == zip_json.read_bytes()


def test_declared_groups_are_used(tmp_path: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_text("participant,group\n1,0\n2,0\n3,0\n4,1\n5,1\n6,1\n7,1\n")
    out = tmp_path / "g.json"
    code, output = run("analyze", str(FIXTURE), "-q", "--groups", str(groups), "--out", str(out))
    assert code == 0, output
    data = json.loads(out.read_text())
    by_id = {p["id"]: p["group"] for p in data["participants"]}
    assert data["k"] == 2
    assert [by_id[i] for i in (1, 2, 3, 4, 5, 6, 7)] == [0, 0, 0, 1, 1, 1, 1]
    assert all(g is None for pid, g in by_id.items() if pid > 7)


def test_replay_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    code, output = run(
        "analyze", str(FIXTURE), "-q", "--replay", "--replay-every", "100", "--out", str(out)
    )
    assert code == 0, output
    assert json.loads(out.read_text())["k"] >= 2


def test_html_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    conv = tmp_path / "conv"
    shutil.copytree(FIXTURE, conv)
    comments = conv / "comments.csv"
    text = comments.read_text()
    # inject markup into one statement's text; it must come out escaped
    lines = text.splitlines()
    header, first = lines[0], lines[1]
    lines[1] = first.rsplit(",", 1)[0] + ',"<script>alert(1)</script> [bold]x[/bold]"'
    comments.write_text("\n".join([header, *lines[1:]]) + "\n")
    report = tmp_path / "r.html"
    code, output = run("analyze", str(conv), "--html", str(report))
    assert code == 0, output
    html = report.read_text()
    assert "<script>alert(1)</script>" not in html
    assert not re.search(r"<script[^>]+src=", html)
    assert "Plotly.newPlot" in html or "plotly" in html.lower()
    assert "Opinion map" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "/nonexistent/export"], "/nonexistent/export"),
        (["analyze", "{fixture}", "--groups", "/nonexistent/groups.csv"], "groups"),
    ],
)
def test_user_errors_exit_1_with_a_message(args: list[str], message: str) -> None:
    args = [a.replace("{fixture}", str(FIXTURE)) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_groups_file_names_line(tmp_path: Path) -> None:
    groups = tmp_path / "groups.csv"
    groups.write_text("participant,group\n1,0\nx,1\n")
    code, output = run("analyze", str(FIXTURE), "--groups", str(groups))
    assert code == 1
    assert "line 3" in output and "'x'" in output


def test_version_and_help() -> None:
    assert run("--version")[1].startswith("parley ")
    code, output = run("analyze", "--help")
    assert code == 0 and "--replay" in output and "--groups" in output


def test_the_summary_and_report_leave_out_groups_below_the_minimum(tmp_path: Path) -> None:
    out, html = tmp_path / "a.json", tmp_path / "r.html"
    code, output = run("analyze", str(FIXTURE), "--out", str(out), "--html", str(html))
    assert code == 0, output
    sizes = sorted(g["size"] for g in json.loads(out.read_text())["groups"])
    assert "Group A (" in output and "Group 0" not in output  # one naming: letters
    above = str(sizes[0] + 1)  # the smallest group falls below this minimum
    code, output = run(
        "analyze", str(FIXTURE), "--out", str(out), "--html", str(html), "--min-group-size", above
    )
    assert code == 0, output
    assert sorted(g["size"] for g in json.loads(out.read_text())["groups"]) == sizes  # engine's
    assert f"are in opinion groups of fewer than {above} people" in output
    assert f"fewer than {above} people" in html.read_text()
    assert run("analyze", str(FIXTURE), "--min-group-size", "1")[0] != 0
