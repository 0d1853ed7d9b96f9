"""``parley worker`` (the analysis worker as a process of its own) and ``serve --processes``.

Any number of ``parley worker`` processes, and the workers inside web processes, share one
database: each job is claimed under a lease (``parley.services.job_leases``), so no two run
the same job at once, and a worker that dies loses its jobs when their leases expire.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from parley.cli.errors import errors_as_messages
from parley.cli.web import DbOption, _database, _run_server, _settings
from parley.errors import InputError

if TYPE_CHECKING:
    from parley.config import Settings

__all__ = ["register", "serve_processes", "worker"]


def register(app: typer.Typer) -> None:
    """Add ``worker`` to a typer app."""
    app.command("worker")(worker)


def worker(
    db: DbOption = None,
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            help="Seconds between polls (PostgreSQL wakes workers at once on changes). "
            "Default: $PARLEY_ANALYSIS_INTERVAL, else 0.5.",
            show_default=False,
        ),
    ] = None,
    lease: Annotated[
        float | None,
        typer.Option(
            "--lease",
            help="Seconds a job's lease lasts without renewal; another worker takes the job of "
            "a dead one after this. Default: $PARLEY_LEASE_SECONDS, else 60.",
            show_default=False,
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run every pending job, then exit (no polling).")
    ] = False,
) -> None:
    """Run the analysis worker: keep stored analyses, embeddings and joint agendas current."""
    with errors_as_messages():
        from parley.compute.placement import placed_analysis
        from parley.compute.worker import AnalysisWorker
        from parley.services.job_leases import listen_for_jobs, worker_name
        from parley.services.refresh import DatabaseJobs

        settings = _settings(database_url=db, analysis_interval=interval, lease_seconds=lease)
        name = worker_name()
        with _database(settings) as session_factory:
            jobs = DatabaseJobs(
                session_factory,
                owner=name,
                lease_seconds=settings.lease_seconds,
                analyse=placed_analysis(
                    settings.dask_address, settings.dask_min_votes, scratch=settings.dask_scratch
                ),
            )
            analysis = AnalysisWorker(
                jobs,
                interval=settings.analysis_interval,
                settle=settings.analysis_settle,
                name=name,
            )
            if once:
                while analysis.run_once():
                    pass
                typer.echo(f"worker {name}: {analysis.n_runs} jobs run")
                return
            stop = threading.Event()

            def request_stop(signum: int, _frame: object) -> None:
                stop.set()

            signal.signal(signal.SIGTERM, request_stop)
            signal.signal(signal.SIGINT, request_stop)
            listener = threading.Thread(
                target=listen_for_jobs,
                args=(session_factory, analysis.wake, stop),
                name="parley-listen",
                daemon=True,
            )
            typer.echo(
                f"worker {name} running (poll every {settings.analysis_interval:g} s, "
                f"lease {settings.lease_seconds:g} s; Ctrl+C to stop)",
            )
            analysis.start()
            listener.start()
            stop.wait()
            analysis.stop()
            listener.join(5)
            typer.echo(f"worker {name} stopped after {analysis.n_runs} jobs")


def serve_processes(settings: Settings, processes: int) -> None:
    """Migrate once, then serve with ``processes`` web processes (PostgreSQL only)."""
    if not settings.database_url.startswith("postgresql"):
        raise InputError(
            f"--processes {processes} needs PostgreSQL: SQLite takes one writer at a time, so "
            "more web processes would only queue on its lock; use --processes 1, or "
            "--db postgresql+psycopg://... (docs/deploy.md)"
        )
    with _database(settings):
        pass  # create or migrate the schema once, before the processes start
    # each process builds its app from these (parley.web.app.app_from_environment)
    os.environ.update(
        PARLEY_DATABASE_URL=settings.database_url,
        PARLEY_HOST=settings.host,
        PARLEY_PORT=str(settings.port),
        PARLEY_RUN_WORKER="true" if settings.run_worker else "false",
        PARLEY_SHARED_LIMITS="true",
        PARLEY_WEB_PROCESSES=str(processes),
        PARLEY_LEASE_SECONDS=str(settings.lease_seconds),
    )
    _run_server("parley.web.app:app_from_environment", settings, processes=processes)
