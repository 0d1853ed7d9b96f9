"""Options that several commands share, declared once."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import typer

__all__ = ["FlippedSignsOption"]

FlippedSignsOption: TypeAlias = Annotated[
    bool,
    typer.Option(
        "--flipped-signs",
        help="Read an export that stores agree as -1 (Polis's database convention).",
    ),
]
