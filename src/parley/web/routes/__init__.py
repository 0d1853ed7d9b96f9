"""The JSON API, one module per resource, under ``/api/v1``; Polis's read API under ``/api/v3``.

``include_api(app)`` adds the routers straight to the app, the hot one (votes) first:
FastAPI matches included routers in order, branch by branch, so a flat list with votes in
front keeps the vote path short.
"""

from __future__ import annotations

from fastapi import FastAPI

from . import (
    conversations,
    moderation,
    participants,
    polis,
    processes,
    results,
    rounds,
    session,
    statements,
    translations,
    undo,
    votes,
)

__all__ = ["API_PREFIX", "include_api"]

API_PREFIX = "/api/v1"
_MODULES = (
    votes,
    statements,
    participants,
    conversations,
    moderation,
    results,
    session,
    processes,
    rounds,
    translations,
    undo,
)


def include_api(app: FastAPI) -> None:
    """Include every API router in ``app`` under ``API_PREFIX``."""
    for module in _MODULES:
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(polis.router)  # Polis's read API, under its own /api/v3
