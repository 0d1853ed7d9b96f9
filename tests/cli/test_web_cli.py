"""``parley serve --get``, ``parley demo --get`` and ``parley admin``, through typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from parley.cli.web import register

runner = CliRunner()


@pytest.fixture
def cli() -> typer.Typer:
    """A typer app with the web commands (as ``parley.cli.main`` registers them)."""
    app = typer.Typer(add_completion=False)
    register(app)
    return app


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite URL in a fresh folder."""
    return f"sqlite:///{tmp_path / 'parley.db'}"


def test_admin_create_prints_a_key_that_the_api_accepts(cli: typer.Typer, db: str) -> None:
    created = runner.invoke(
        cli, ["admin", "create", "ada", "--password-stdin", "--db", db], input="s3cret-pass\n"
    )
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("parley_")
    again = runner.invoke(cli, ["admin", "create", "ada", "--db", db])
    assert again.exit_code == 1
    assert "exists already" in again.output
    listed = runner.invoke(cli, ["serve", "--db", db, "--get", "/api/v1/conversations"])
    assert listed.exit_code == 1  # no key sent with --get: 401
    assert json.loads(listed.output)["status"] == 401


def test_admin_password_and_key(cli: typer.Typer, db: str) -> None:
    runner.invoke(cli, ["admin", "create", "ada", "--db", db])
    changed = runner.invoke(
        cli, ["admin", "password", "ada", "--password-stdin", "--db", db], input="new-password\n"
    )
    assert changed.exit_code == 0 and "password of ada set" in changed.output
    short = runner.invoke(
        cli, ["admin", "password", "ada", "--password-stdin", "--db", db], input="short\n"
    )
    assert short.exit_code == 1 and "should have 8 to" in short.output
    key = runner.invoke(cli, ["admin", "key", "ada", "--db", db])
    assert key.exit_code == 0 and key.output.strip().startswith("parley_")
    missing = runner.invoke(cli, ["admin", "key", "bob", "--db", db])
    assert missing.exit_code == 1 and "no facilitator named 'bob'" in missing.output


def test_serve_get_runs_one_request_in_process(cli: typer.Typer, db: str) -> None:
    result = runner.invoke(cli, ["serve", "--db", db, "--get", "/healthz"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "ok"
    missing = runner.invoke(cli, ["serve", "--db", db, "--get", "/api/v1/conversations/7"])
    assert missing.exit_code == 1
    assert "conversation 7 does not exist" in missing.output


def test_bad_settings_are_a_message(cli: typer.Typer, db: str) -> None:
    result = runner.invoke(cli, ["serve", "--db", "mysql://x/y", "--get", "/healthz"])
    assert result.exit_code == 1
    assert "not supported" in result.output


def test_demo_imports_the_bundled_conversation_once(cli: typer.Typer, db: str) -> None:
    first = runner.invoke(cli, ["demo", "--db", db, "--get", "/api/v1/conversations/{id}/summary"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["conversation"]["n_participants"] == 536
    assert summary["analysis"]["k"] >= 2  # analysed before the server starts
    again = runner.invoke(cli, ["demo", "--db", db, "--get", "/api/v1/conversations/{id}"])
    assert json.loads(again.output)["id"] == summary["conversation"]["id"] == 1


def test_serve_refuses_many_processes_on_sqlite(cli: typer.Typer, db: str) -> None:
    result = runner.invoke(cli, ["serve", "--db", db, "--processes", "2"])
    assert result.exit_code == 1
    assert "--processes 2 needs PostgreSQL" in result.output


def test_serve_help_names_the_worker_options(cli: typer.Typer) -> None:
    result = runner.invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"})
    assert "--no-worker" in result.output
    assert "--processes" in result.output
