"""``parley import`` and ``parley export``: move Polis exports in and out of the database.

Both commands create or migrate the database first. ``register(app)`` adds them to the
``parley`` app.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from parley.cli.errors import errors_as_messages
from parley.cli.options import FlippedSignsOption
from parley.errors import InputError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from parley.db.engine import SessionFactory, SessionMode

__all__ = ["export", "import_", "register"]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE or postgresql+psycopg://...) or a SQLite file path. "
        "Default: $PARLEY_DATABASE_URL, else sqlite:///parley.db.",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``import`` and ``export`` commands to a typer app."""
    app.command("import")(import_)
    app.command("export")(export)


def import_(
    path: Annotated[Path, typer.Argument(help="A Polis export: a folder or a .zip of one.")],
    db: DbOption = None,
    flipped_signs: FlippedSignsOption = False,
) -> None:
    """Import a Polis export into a new conversation and print the conversation's id."""
    with errors_as_messages():
        from parley.services.polis_exchange import import_polis_export

        with _database(db, mode="write") as session_factory:
            conversation_id = import_polis_export(
                session_factory, path, signs="flipped" if flipped_signs else "auto"
            )
        typer.echo(conversation_id)


def export(
    conversation_id: Annotated[int, typer.Argument(help="The id printed by `parley import`.")],
    directory: Annotated[Path, typer.Argument(help="Folder to write the Polis CSV files into.")],
    db: DbOption = None,
) -> None:
    """Write a conversation as a Polis export (comments.csv, votes.csv, ...) into a folder."""
    with errors_as_messages():
        from parley.services.polis_exchange import export_polis

        with _database(db, mode="read") as session_factory:
            written = export_polis(session_factory, conversation_id, directory)
        typer.echo(
            f"wrote {directory}: {len(written.statements.ids)} statements, "
            f"{len(written.votes.values)} vote events"
        )


@contextmanager
def _database(url: str | None, *, mode: SessionMode) -> Iterator[SessionFactory]:
    """Build Settings, open and migrate the database, and yield a session factory."""
    from pydantic import ValidationError

    from parley.config import Settings
    from parley.db import create_engine_for, create_session_factory, upgrade_database

    try:
        settings = Settings(database_url=url) if url is not None else Settings()
    except ValidationError as error:
        raise InputError(_describe(error)) from None
    engine = create_engine_for(settings.database_url)
    try:
        upgrade_database(engine)
        yield create_session_factory(engine, mode=mode)
    finally:
        engine.dispose()


def _describe(error: ValidationError) -> str:
    """Name each invalid setting, the value given and what is wrong with it."""
    problems = [
        f"PARLEY_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!r}: {e['msg']}"
        for e in error.errors()
    ]
    return "invalid settings: " + "; ".join(problems)
