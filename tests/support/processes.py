"""Test set-up: a process of some formats, as tests across the suite build it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley.db.engine import SessionFactory
from parley.services.formats import FormatInfo
from parley.services.processes import create_process, process_info
from parley.services.rules import ProcessSettings


def new_process(
    sf: SessionFactory,
    formats: Sequence[str],
    *,
    name: str = "Talks",
    facilitator_id: int | None = None,
    **settings: Any,
) -> tuple[int, list[FormatInfo]]:
    """Create a process of ``formats`` with these settings; return its id and its formats."""
    pid = create_process(
        sf,
        facilitator_id=facilitator_id,
        name=name,
        formats=list(formats),
        settings=ProcessSettings(**settings),
    )
    return pid, process_info(sf, pid).formats
