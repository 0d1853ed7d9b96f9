"""End-to-end tests of ``parley agenda`` on the bundled london.youth.policing export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from parley.cli.agenda import register

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "opendata" / "london.youth.policing"
runner = CliRunner()


def make_app() -> typer.Typer:
    """A typer app with only the agenda command (the lead wires it into cli/main.py)."""
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:
        """Keep typer in multi-command mode."""

    return app


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(make_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def formats_csv(tmp_path: Path, *, extra: list[str] | None = None) -> Path:
    with (FIXTURE / "participants-votes.csv").open(newline="") as handle:
        ids = [row[0] for row in list(csv.reader(handle))[1:]]
    lines = ["participant,format"]
    lines += [f"{p},{'panel' if i % 3 == 0 else 'online'}" for i, p in enumerate(ids)]
    path = tmp_path / "formats.csv"
    path.write_text("\n".join(lines + (extra or [])) + "\n")
    return path


def test_json_shape(tmp_path: Path) -> None:
    code, out, err = run("agenda", str(FIXTURE), "--formats", str(formats_csv(tmp_path)), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert isinstance(data, list) and data
    for rank, item in enumerate(data, start=1):
        assert set(item) == {"item", "label", "labels", "original_label", "rank", "statements"}
        assert item["rank"] == rank
        for s in item["statements"]:
            assert {"id", "kind", "common_ground", "bridging", "by_format"} <= set(s)
            assert s["kind"] in ("common", "contested", "one-sided", "waiting")
            assert set(s["by_format"]) == {"panel", "online"}
            for counts in s["by_format"].values():
                assert set(counts) == {"agree", "disagree", "pass"}
    assert data[0]["statements"][0]["kind"] == "common"


def test_table_escapes_and_reports_unknown_participants(tmp_path: Path) -> None:
    path = formats_csv(tmp_path, extra=["99999,[bold]panel", "99998,online"])
    code, out, err = run("agenda", str(FIXTURE), "--formats", str(path))
    assert code == 0, err
    assert "Joint agenda" in out
    assert "common" in out
    assert "[bold]panel" in out  # a format name with markup is shown, not interpreted
    assert "2 participant(s)" in err


def test_malformed_formats_csv_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("participant,format\n1,panel\nabc,online\n")
    code, _, err = run("agenda", str(FIXTURE), "--formats", str(path))
    assert code == 1
    assert "bad.csv, line 3" in err
    assert "Traceback" not in err


def test_missing_export_exits_1(tmp_path: Path) -> None:
    code, _, err = run("agenda", str(tmp_path / "nothing"), "--formats", str(formats_csv(tmp_path)))
    assert code == 1
    assert "error:" in err


def test_csv_and_markdown_files_hold_the_same_agenda(tmp_path: Path) -> None:
    table, notes = tmp_path / "agenda.csv", tmp_path / "agenda.md"
    formats = str(formats_csv(tmp_path))
    code, out, err = run(
        "agenda", str(FIXTURE), "--formats", formats, "--json", "--csv", str(table),
        "--markdown", str(notes),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    flat = [(item["rank"], s["id"]) for item in data for s in item["statements"]]
    assert [(int(r["rank"]), int(r["statement"])) for r in rows] == flat
    first = data[0]["statements"][0]
    assert int(rows[0]["panel agree"]) == first["by_format"]["panel"]["agree"]
    assert rows[0]["text"]  # the statements' text comes from the export
    text = notes.read_text(encoding="utf-8")
    assert text.startswith("# Joint agenda: london") and "### Common ground" in text
    assert f"## 1. {data[0]['label']}" in text


def test_an_unwritable_output_file_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "agenda.csv"
    code, _, err = run(
        "agenda", str(FIXTURE), "--formats", str(formats_csv(tmp_path)), "--csv", str(missing)
    )
    assert code == 1
    assert "cannot write the agenda" in err


def test_the_brief_files_carry_the_agenda(tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    pdf, page = tmp_path / "brief.pdf", tmp_path / "brief.html"
    formats = str(formats_csv(tmp_path))
    code, out, err = run(
        "agenda", str(FIXTURE), "--formats", formats, "--json", "--brief", str(pdf)
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "Brief: london.youth.policing" in text
    assert f"1. {data[0]['label']}" in text
    first = data[0]["statements"][0]
    assert f"common ground {first['common_ground']:.2f}" in text
    code, _, err = run(
        "agenda", str(FIXTURE), "--formats", formats, "--brief", str(page), "--lang", "ar"
    )  # fmt: skip
    assert code == 0, err
    assert 'dir="rtl"' in page.read_text(encoding="utf-8")
    code, _, err = run(
        "agenda", str(FIXTURE), "--formats", formats, "--brief", str(page), "--lang", "xx"
    )  # fmt: skip
    assert code == 1 and "--lang 'xx'" in err
