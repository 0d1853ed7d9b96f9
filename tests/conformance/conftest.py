"""Shared helpers for the conformance tests against Polis's own openData exports.

The exports live outside the repository (``../shared/polis-opendata`` beside the work tree,
or the folder named by ``PARLEY_OPENDATA``); every test that needs one skips cleanly when it
is absent. Exports are read once per session.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from parley.io.polis import PolisExport, read_polis_export

OPENDATA = Path(
    os.environ.get(
        "PARLEY_OPENDATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "polis-opendata"
    )
)


@cache
def _read(name: str) -> PolisExport:
    return read_polis_export(OPENDATA / name)


@pytest.fixture(scope="session")
def polis_export() -> Callable[[str], PolisExport]:
    """Return a reader of one openData conversation that skips when it is not available."""

    def read(name: str) -> PolisExport:
        folder = OPENDATA / name
        if not (folder / "comments.csv").exists():
            pytest.skip(f"openData export {name} not found under {OPENDATA}")
        return _read(name)

    return read
