"""``parley worker --once`` through typer's runner, on SQLite."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from parley.cli.workers import register
from parley.services import conversations, participants, statements
from parley.services.database import open_database
from parley.services.job_leases import job_runs
from parley.services.refresh import pending_analyses
from parley.services.votes import VoteRequest, record_votes

runner = CliRunner()


def test_worker_once_brings_every_analysis_up_to_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'parley.db'}"
    database = open_database(url)
    factory = database.session_factory
    cid = conversations.create_conversation(factory, facilitator_id=None, topic="t")
    ids = [statements.add_statement(factory, cid, f"s{i}", is_seed=True).id for i in range(4)]
    requests = []
    for p in range(8):
        pid, _ = participants.join_conversation(factory, cid)
        requests += [VoteRequest(pid, sid, 1 if (p + j) % 2 else -1) for j, sid in enumerate(ids)]
    record_votes(factory, requests)
    assert pending_analyses(factory)
    app = typer.Typer(add_completion=False)
    register(app)
    app.command("unused")(lambda: None)  # a group, so that "worker" is a subcommand
    result = runner.invoke(app, ["worker", "--db", url, "--once", "--lease", "5"])
    assert result.exit_code == 0, result.output
    assert "jobs run" in result.output
    assert pending_analyses(factory) == []
    (run,) = job_runs(factory, f"conversation:{cid}")
    assert run.outcome == "done"
    database.close()
