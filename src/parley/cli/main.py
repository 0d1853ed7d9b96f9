"""``parley``: the command-line entry point. Commands stay thin: parse, call a service, render."""

from __future__ import annotations

import os

# One BLAS thread: parley's dense algebra is tiny, and a thread pool costs ~0.5 s to start.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from pathlib import Path
from typing import Annotated

import typer

from parley import __version__
from parley.cli.agenda import register as register_agenda
from parley.cli.errors import fail
from parley.cli.options import FlippedSignsOption
from parley.cli.statements import register as register_statements
from parley.cli.storage import register as register_storage
from parley.cli.web import register as register_web
from parley.cli.workers import register as register_workers
from parley.errors import ParleyError

app = typer.Typer(
    name="parley",
    help="Find common ground between groups that deliberate in parallel (Polis-compatible).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"parley {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Find common ground between groups that deliberate in parallel."""


@app.command()
def analyze(
    path: Annotated[
        Path,
        typer.Argument(
            help="A Polis export (a folder or a .zip of one), or a Parquet vote log (a .parquet "
            "file or a folder of .parquet parts) with columns participant_id, statement_id, "
            "vote[, timestamp] (or Polis's voter-id, comment-id)."
        ),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the analysis as JSON to this file.")
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write a self-contained HTML report (opinion map, groups)."),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Replay votes.csv in time order with warm updates, as Polis computed it.",
        ),
    ] = False,
    replay_every: Annotated[
        int | None, typer.Option(help="With --replay: also run an update every N votes.", min=1)
    ] = None,
    replay_seconds: Annotated[
        float,
        typer.Option(help="With --replay: run an update every T seconds of log time.", min=0.001),
    ] = 3600.0,
    replay_restart_after: Annotated[
        float,
        typer.Option(
            help="With --replay: model a restart of Polis's math worker after this many "
            "seconds without votes (0: never).",
            min=0,
        ),
    ] = 86400.0,
    replay_moderation: Annotated[
        str,
        typer.Option(
            help="With --replay: when rejections take effect: 'last-vote' (from the "
            "statement's last vote) or 'end' (throughout)."
        ),
    ] = "last-vote",
    groups: Annotated[
        Path | None,
        typer.Option(
            "--groups",
            help="CSV with columns participant,group: use these opinion groups "
            "instead of clustering (e.g. Polis's own).",
        ),
    ] = None,
    flipped_signs: FlippedSignsOption = False,
    min_group_size: Annotated[
        int,
        typer.Option(
            help="The summary and --html leave out opinion groups smaller than this "
            "(they would name individuals); --out keeps the engine's every group.",
            min=2,
        ),
    ] = 3,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Analyse a Parquet vote log (file or folder of parts) on this Dask scheduler "
            "(tcp://HOST:8786), or 'local' to start a LocalCluster here. Needs the 'dask' extra.",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no summary.")] = False,
) -> None:
    """Analyse a Polis export: opinion map, groups, representative statements, consensus.

    Prints a summary; --out writes the engine's JSON (participants, groups, statements,
    consensus, pca, k) and --html a report; the summary and the report show only groups of
    at least --min-group-size people. Exit code 1 with a message on bad input.
    """
    try:
        from parley.services.analysis import analyze_export, read_groups_csv

        declared = read_groups_csv(groups) if groups is not None else None
        progress = None
        if replay and not quiet:
            from parley.cli.render import replay_progress

            progress = replay_progress()
        with progress if progress is not None else _nullcontext() as tracker:
            result = analyze_export(
                path,
                signs="flipped" if flipped_signs else "auto",
                groups=declared,
                replay_every=replay_every if replay else None,
                replay_seconds=replay_seconds if replay else None,
                replay_restart_after=(replay_restart_after or None) if replay else None,
                replay_moderation=replay_moderation,
                on_update=tracker,
                dask_address=dask,
            )
        data = result.to_dict()
        if out is not None:
            from parley.io.results import dumps_analysis

            out.write_text(dumps_analysis(data) + "\n", encoding="utf-8")
        from parley.services.shown import shown_analysis

        shown = shown_analysis(data, min_group_size)
        if html is not None:
            from parley.report.html import write_report

            write_report(result, html, shown)
        if not quiet:
            from parley.cli.render import print_summary

            print_summary(result, shown, out=out, html=html)
    except ParleyError as error:
        fail(error)


class _nullcontext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


register_storage(app)
register_web(app)
register_workers(app)
register_statements(app)
register_agenda(app)

if __name__ == "__main__":  # pragma: no cover
    app()
