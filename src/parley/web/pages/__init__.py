"""HTML pages: participation (``/c/{id}``) and the facilitator's pages (``/login``, ``/f``).

``router`` holds every page route; ``create_app`` includes it next to the JSON API and passes
``render_error`` to ``install_error_handlers`` so that errors outside /api/ are pages.
"""

from __future__ import annotations

from fastapi import APIRouter

from parley.web.pages import assets, facilitate, participate, results
from parley.web.pages.route import render_error

__all__ = ["render_error", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(assets.router)
router.include_router(participate.router)
router.include_router(facilitate.router)
router.include_router(results.router)
