"""One place where the CLI turns a ParleyError into a red message and exit code 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from parley.errors import ParleyError

__all__ = ["errors_as_messages", "fail"]


def fail(error: ParleyError) -> NoReturn:
    """Print ``error`` in red on stderr (user text escaped, never wrapped) and exit 1."""
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(str(error))}", highlight=False
    )
    raise typer.Exit(1)


@contextmanager
def errors_as_messages() -> Iterator[None]:
    """Turn a ParleyError raised inside the block into ``fail``: no traceback for users."""
    try:
        yield
    except ParleyError as error:
        fail(error)
