"""The app's route table, flattened: every (method, full path) FastAPI would answer.

FastAPI keeps an included router as one entry holding the original router and its prefix;
this walks them, so a test sees every route exactly as it is served. Shared by the
authorization matrix and the XSS suite, which both fail on a route they do not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["iter_routes"]

_IMPLICIT = {"HEAD"}  # answered with GET's route


def iter_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    """Yield (method, path, route) for every route under ``routes`` (mounts are left out)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from iter_routes(inner.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path") and getattr(route, "methods", None):
            for method in sorted(set(route.methods) - _IMPLICIT):
                yield method, prefix + route.path, route
