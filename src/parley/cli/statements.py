"""``parley statements match`` and ``parley statements topics``: work on statement lists in files.

``register(app)`` adds the ``statements`` group to the ``parley`` app. Both commands read CSV
files with columns ``id,text`` and optionally ``language`` (detected where missing), embed
the statements with a model that ships inside its package, and print a table or JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from parley.cli.errors import fail
from parley.errors import InputError, ParleyError
from parley.text.defaults import DEFAULT_MODEL, DISTANCE_THRESHOLD, MODEL_NAMES

if TYPE_CHECKING:
    from parley.text.embeddings import Embedder
    from parley.text.files import StatementList

__all__ = ["match", "register", "statements_app", "topics"]

statements_app = typer.Typer(
    name="statements",
    help="Match statements across languages and group them into agenda items, from CSV files.",
    no_args_is_help=True,
)

ModelOption = Annotated[
    str,
    typer.Option("--model", help=f"Embedding model: {' or '.join(MODEL_NAMES)}."),
]
LanguagesOption = Annotated[
    str | None,
    typer.Option(
        "--languages",
        help="Comma-separated language codes to detect among (e.g. en,de,fr) where a file "
        "has no language column. Default: every language the detector knows.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ThreadsOption = Annotated[
    int | None, typer.Option("--threads", min=1, help="Threads for the embedding model.")
]


def register(app: typer.Typer) -> None:
    """Add the ``statements`` command group to a typer app."""
    app.add_typer(statements_app, name="statements")


def _languages(statements: StatementList, wanted: str | None) -> list[str]:
    """Return each statement's language: the file's where given, else detected."""
    from parley.text.language import detect_language

    restrict = None
    if wanted is not None:
        restrict = [tag.strip().lower() for tag in wanted.split(",") if tag.strip()]
        if not restrict:
            raise InputError(f"--languages={wanted!r} names no language")
    missing = [i for i, tag in enumerate(statements.languages) if tag is None]
    detected = detect_language([statements.texts[i] for i in missing], languages=restrict)
    found = dict(zip(missing, (guess.tag for guess in detected), strict=True))
    return [tag if tag is not None else found[i] for i, tag in enumerate(statements.languages)]


def _embedder(model: str, threads: int | None) -> Embedder:
    from parley.text.embeddings import get_embedder

    return get_embedder(model, threads=threads)


@statements_app.command()
def match(
    a_path: Annotated[Path, typer.Argument(metavar="A.csv", help="The first statement list.")],
    b_path: Annotated[Path, typer.Argument(metavar="B.csv", help="The second statement list.")],
    model: ModelOption = DEFAULT_MODEL,
    threshold: Annotated[
        float | None,
        typer.Option(
            help="Lowest cosine (after language centring) for a match. Default: the model's."
        ),
    ] = None,
    languages: LanguagesOption = None,
    threads: ThreadsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Pair each statement of A with its equivalent in B, in any language, or with none."""
    from parley.text.files import read_statements
    from parley.text.matching import match_statements

    try:
        a, b = read_statements(a_path), read_statements(b_path)
        a_languages, b_languages = _languages(a, languages), _languages(b, languages)
        embedder = _embedder(model, threads)
        vectors = embedder.embed([*a.texts, *b.texts])
        cut = embedder.match_threshold if threshold is None else threshold
        matches = match_statements(
            vectors[: len(a.ids)], a_languages, vectors[len(a.ids) :], b_languages, threshold=cut
        )
    except ParleyError as error:
        fail(error)
        return
    rows = [
        {"a": a.ids[m.a], "b": None if m.b is None else b.ids[m.b], "score": round(m.score, 4)}
        for m in matches
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{a_path.name} → {b_path.name} ({embedder.name}, cosine ≥ {cut:.2f})")
    for column in ("A", "statement", "B", "equivalent", "score"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for m in matches:
        other = ("—", "[dim]no equivalent[/]") if m.b is None else (b.ids[m.b], b.texts[m.b])
        table.add_row(a.ids[m.a], a.texts[m.a], other[0], other[1], f"{m.score:.2f}")
    Console().print(table)


@statements_app.command()
def topics(
    path: Annotated[Path, typer.Argument(metavar="FILE.csv", help="A statement list.")],
    model: ModelOption = DEFAULT_MODEL,
    distance: Annotated[
        float,
        typer.Option(
            help="Cosine distance at which agenda items stay apart (larger: fewer items)."
        ),
    ] = DISTANCE_THRESHOLD,
    languages: LanguagesOption = None,
    threads: ThreadsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Group statements, in any language, into agenda items with short labels."""
    from parley.text.files import read_statements
    from parley.text.topics import cluster_topics, label_topics

    try:
        statements = read_statements(path)
        tags = _languages(statements, languages)
        embedder = _embedder(model, threads)
        vectors = embedder.embed(list(statements.texts))
        items = cluster_topics(vectors, tags, distance_threshold=distance)
        found = label_topics(statements.texts, tags, items, vectors, embedder=embedder)
    except ParleyError as error:
        fail(error)
        return
    if as_json:
        rows = [
            {
                "item": topic.item,
                "label": topic.label,
                "labels": dict(topic.labels),
                "statements": [statements.ids[i] for i in topic.statements],
            }
            for topic in found
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{path.name}: {len(found)} agenda items ({embedder.name})")
    for column in ("item", "label", "statements"):
        table.add_column(column)
    for topic in found:
        lines = [f"{statements.ids[i]}: {statements.texts[i]}" for i in topic.statements]
        table.add_row(str(topic.item), topic.label, "\n".join(lines))
    Console().print(table)
