"""``parley import`` / ``parley export`` end to end, on an app that registers them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from parley.cli.storage import register
from parley.core.matrix import build_vote_matrix
from parley.io.polis import read_polis_export

LONDON = Path(__file__).resolve().parents[1] / "fixtures" / "opendata" / "london.youth.policing"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)

    @app.callback()
    def main() -> None:
        """parley, as the lead wires it in cli/main.py."""

    register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_prints_the_id_and_export_writes_polis_csv(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert run("import", str(LONDON), "--db", db)[:2] == (0, "1\n")
    assert run("import", str(LONDON), "--db", db)[:2] == (0, "2\n")
    code, out, _ = run("export", "2", str(tmp_path / "out"), "--db", db)
    assert code == 0, out
    assert "39 statements, 640 vote events" in out
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "comments.csv", "votes.csv", "participants-votes.csv", "summary.csv",
    }  # fmt: skip
    before, after = read_polis_export(LONDON), read_polis_export(tmp_path / "out")
    a = build_vote_matrix(before.votes.participant_ids, before.votes.statement_ids,
                          before.votes.values, timestamps=before.votes.timestamps)  # fmt: skip
    b = build_vote_matrix(after.votes.participant_ids, after.votes.statement_ids,
                          after.votes.values, timestamps=after.votes.timestamps)  # fmt: skip
    assert (a.values != b.values).nnz == 0
    np.testing.assert_array_equal(a.participant_ids, b.participant_ids)


def test_the_database_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", str(tmp_path / "env.db"))  # a path: SQLite
    assert run("import", str(LONDON))[:2] == (0, "1\n")
    assert (tmp_path / "env.db").is_file()


def test_the_default_database_is_parley_db_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARLEY_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("import", str(LONDON))[:2] == (0, "1\n")
    assert (tmp_path / "parley.db").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{tmp}/missing"], "missing"),
        (["import", "{london}", "--db", "mysql://x@y/z"], "backend 'mysql' is not supported"),
        (["import", "{london}", "--db", "sqlite:///{tmp}/no/dir/p.db"], "cannot open database"),
        (["export", "7", "{tmp}/out"], "conversation 7 does not exist"),
    ],
)  # fmt: skip
def test_user_mistakes_exit_1_with_a_message_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("PARLEY_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    filled = [a.format(tmp=tmp_path, london=LONDON) for a in args]
    code, out, err = run(*filled)
    assert code == 1
    assert out == ""
    assert message in err and "error:" in err
    assert "Traceback" not in err


def test_invalid_settings_name_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_PORT", "not-a-port")
    code, _, err = run("import", str(LONDON), "--db", str(tmp_path / "p.db"))
    assert code == 1
    assert "PARLEY_PORT='not-a-port'" in err
