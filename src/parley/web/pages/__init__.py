"""HTML pages: participation (``/c/{id}``), the facilitator's pages (``/login``, ``/f``,
``/f/processes``, ``/f/p/{id}``), the observers' joint agenda (``/o/{key}``) and the Polis
report (``/r/{report_id}``), and how to read them (``/help/reading``).

``router`` holds every page route; ``create_app`` includes it next to the JSON API and passes
``render_error`` to ``install_error_handlers`` so that errors outside /api/ are pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from parley.web.pages import (
    agenda,
    assets,
    facilitate,
    joint,
    participate,
    plotly_css,
    processes,
    reading,
    reports,
    results,
    rounds,
    statement_translations,
    translations,
    undo,
)
from parley.web.pages.route import render_error

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(assets.router)
router.include_router(plotly_css.router)
router.include_router(participate.router)
router.include_router(joint.router)
router.include_router(facilitate.router)
router.include_router(results.router)
router.include_router(undo.router)
router.include_router(processes.router)
router.include_router(agenda.router)
router.include_router(rounds.router)
router.include_router(reports.router)
router.include_router(translations.router)
router.include_router(statement_translations.router)
router.include_router(reading.router)
