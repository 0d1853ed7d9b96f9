"""``parley agenda``: the joint agenda of a Polis export across formats.

``register(app)`` adds the command to the ``parley`` app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from parley.cli.errors import fail
from parley.cli.options import FlippedSignsOption
from parley.errors import ParleyError

if TYPE_CHECKING:
    from parley.services.file_agenda import JointAgenda

__all__ = ["agenda", "register"]

TEXT_WIDTH = 60


def register(app: typer.Typer) -> None:
    """Add the ``agenda`` command to a typer app."""
    app.command("agenda")(agenda)


def agenda(
    path: Annotated[Path, typer.Argument(help="A Polis export (a folder or a .zip of one).")],
    formats: Annotated[
        Path,
        typer.Option(
            "--formats", help="CSV with columns participant,format mapping voters to formats."
        ),
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the agenda as JSON (items best first).")
    ] = False,
    min_votes: Annotated[
        int,
        typer.Option(
            help="Votes every format must cast on a statement before it ranks (raised to the "
            "smallest group whose stance is shown, if below).",
            min=1,
        ),
    ] = 5,
    csv_out: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Also write the agenda as CSV here (one row per statement, counts per format).",
            dir_okay=False,
        ),
    ] = None,
    markdown_out: Annotated[
        Path | None,
        typer.Option(
            "--markdown",
            help="Also write the agenda as a Markdown document here, with the statements' text.",
            dir_okay=False,
        ),
    ] = None,
    brief_out: Annotated[
        Path | None,
        typer.Option(
            "--brief",
            help="Also write the brief here: a printable document of the agenda, as PDF "
            "(a .pdf name) or HTML (any other name).",
            dir_okay=False,
        ),
    ] = None,
    language: Annotated[
        str,
        typer.Option("--lang", help="The brief's language: en, de, fr, ru, tr, ar, fa, es or zh."),
    ] = "en",
    flipped_signs: FlippedSignsOption = False,
) -> None:
    """Rank agenda items by common ground across formats, with a bridging score.

    Each statement is common (every format agrees), contested (the formats split) or
    one-sided (only one format has voted enough; share it with the others).
    """
    from rich.console import Console
    from rich.markup import escape

    try:
        from parley.services.file_agenda import joint_agenda, read_formats_csv

        table = read_formats_csv(formats)
        result = joint_agenda(
            path,
            table,
            signs="flipped" if flipped_signs else "auto",
            min_votes=min_votes,
        )
    except ParleyError as error:
        fail(error)
    if csv_out is not None or markdown_out is not None:
        from parley.services.agenda_exports import agenda_csv, agenda_markdown

        entries = result.items()
        names = result.format_names
        try:
            if csv_out is not None:
                csv_out.write_text(agenda_csv(entries, names), encoding="utf-8")
            if markdown_out is not None:
                text = agenda_markdown(entries, names, title=path.name, min_votes=result.min_votes)
                markdown_out.write_text(text, encoding="utf-8")
        except OSError as error:
            fail(ParleyError(f"cannot write the agenda: {error}"))
    if brief_out is not None:
        _write_brief(
            result, brief_out, title=path.name, min_votes=result.min_votes, language=language
        )
    if as_json:
        typer.echo(json.dumps(result.to_list(), ensure_ascii=False, indent=1))
    else:
        _print_table(result, Console())
    if result.n_unknown_participants or result.n_without_format:
        Console(stderr=True).print(
            f"[yellow]note:[/] {result.n_unknown_participants} participant(s) in "
            f"{escape(formats.name)} have no votes in the export and were ignored; "
            f"{result.n_without_format} voter(s) have no format (bridging only).",
            highlight=False,
        )


def _write_brief(
    result: JointAgenda, out: Path, *, title: str, min_votes: int, language: str
) -> None:
    """Write the agenda's brief as PDF (a ``.pdf`` name) or HTML."""
    from parley.services.brief import (
        build_brief,
        file_document,
        render_brief_html,
        render_brief_pdf,
    )
    from parley.web.i18n import SUPPORTED_LANGUAGES, text_direction, translator

    if language not in SUPPORTED_LANGUAGES:
        fail(ParleyError(f"--lang {language!r} should be one of {', '.join(SUPPORTED_LANGUAGES)}"))
    brief = build_brief(file_document(result, title=title, min_votes=min_votes))
    html = render_brief_html(
        brief, translator(language), language=language, direction=text_direction(language)
    )
    try:
        if out.suffix.lower() == ".pdf":
            out.write_bytes(render_brief_pdf(html))
        else:
            out.write_text(html, encoding="utf-8")
    except OSError as error:
        fail(ParleyError(f"cannot write the brief: {error}"))


def _print_table(result: JointAgenda, console: object) -> None:
    """Print the agenda as a rich table, one row per statement, items best first."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    assert isinstance(console, Console)
    names = result.format_names
    table = Table(title=f"Joint agenda ({', '.join(escape(n) for n in names)})")
    table.add_column("rank", justify="right")
    table.add_column("statement", min_width=20, ratio=1)
    for column in ("kind", "common", "bridging"):
        table.add_column(column, justify="right")
    for name in names:
        table.add_column(f"{escape(name)}\na/d/p", justify="right")
    colours = {"common": "green", "contested": "red", "waiting": "yellow", "one-sided": "yellow"}
    for item in result.to_list():
        for i, s in enumerate(item["statements"]):
            text = result.text_of(s["id"]).replace("\n", " ")
            if len(text) > TEXT_WIDTH:
                text = text[: TEXT_WIDTH - 1] + "…"
            kind = s["kind"]
            heading = "" if i or item["label"] == f"statement {s['id']}" else item["label"]
            table.add_row(
                str(item["rank"]) if i == 0 else "",
                (f"[bold]{escape(heading)}[/]\n" if heading else "")
                + f"{s['number']}: {escape(text)}",
                f"[{colours[kind]}]{kind}[/]",
                "-" if s["common_ground"] is None else f"{s['common_ground']:.2f}",
                "-" if s["bridging"] is None else f"{s['bridging']:+.2f}",
                *("{agree}/{disagree}/{pass}".format(**s["by_format"][name]) for name in names),
            )
    console.print(table)
