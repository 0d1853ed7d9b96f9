"""The web app: a JSON API (``/api/v1``), participant and facilitator pages, static files."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
