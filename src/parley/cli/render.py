"""Terminal output for the CLI: summaries and progress bars (rich)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from parley.services.analysis import ExportAnalysis
from parley.services.rules import group_letter

__all__ = ["print_summary", "replay_progress"]


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextmanager
def replay_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar for replay updates; yields the ``on_update(done, total)`` callback."""
    with Progress(
        TextColumn("replaying votes"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("replay", total=None)

        def on_update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield on_update


def print_summary(
    result: ExportAnalysis, data: dict[str, Any], *, out: Path | None, html: Path | None
) -> None:
    """Print groups with their representative statements, consensus and top GAC."""
    console = Console(highlight=False)
    a = result.analysis
    topic = result.export.summary.get("topic", "")
    console.print(
        f"[bold]{topic or result.export.source}[/]\n"
        f"{data['n_participants']} participants, {data['n_statements']} statements with votes, "
        f"{data['n_votes']} votes; {int(a.in_conv.sum())} clustered into "
        f"[bold]{data['k']}[/] opinion groups shown",
        markup=True,
    )
    hidden = data.get("hidden_groups", {})
    if hidden.get("n_groups"):
        from parley.web.i18n import translator  # the interface's sentence, its plurals

        n, size = hidden["n_participants"], hidden["min_group_size"]
        console.print(translator("en")("results.small_groups", n=n, size=size), markup=False)
    for group in data["groups"]:
        table = Table(
            title=f"Group {group_letter(group['id'])} ({group['size']} participants)",
            title_justify="left",
            show_lines=False,
            expand=False,
        )
        table.add_column("id", justify="right")
        table.add_column("", justify="left")
        table.add_column("agree %", justify="right")
        table.add_column("statement")
        for r in group["repness"]:
            sign = "[green]agree[/]" if r["direction"] == "agree" else "[red]disagree[/]"
            share = 100.0 * r["n_success"] / max(r["n_trials"], 1)
            table.add_row(
                str(r["statement"]),
                sign,
                f"{share:.0f}",
                escape(_short(result.text_of(r["statement"]))),
            )
        console.print(table)
    by_id = {s["id"]: s for s in data["statements"]}
    for direction in ("agree", "disagree"):
        ids = data["consensus"][direction]
        console.print(f"[bold]Consensus ({direction}):[/] " + ("none" if not ids else ""))
        for sid in ids:
            s = by_id[sid]
            console.print(
                f"  {sid:>5}  {s['agree']}/{s['disagree']}/{s['pass']}  "
                f"{_short(result.text_of(sid))}",
                markup=False,
            )
    ranked = sorted(
        (s for s in data["statements"] if s["gac"] is not None and s["moderated"] != -1),
        key=lambda s: -s["gac"],
    )[:5]
    console.print("[bold]Top group-informed consensus:[/]")
    for s in ranked:
        text = _short(result.text_of(s["id"]))
        console.print(f"  {s['id']:>5}  {s['gac']:.3f}  {text}", markup=False)
    for label, path in (("JSON", out), ("HTML report", html)):
        if path is not None:
            console.print(f"{label} written to {path}")
