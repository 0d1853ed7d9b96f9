"""Absolute links that parley hands out (join and observer links): from the public URL.

With ``PARLEY_PUBLIC_URL`` set, every link starts with it and the request's Host header
plays no part (a forged Host cannot plant a foreign address in a link a facilitator copies).
Without it (a server on this machine), links use the address the request came to.
"""

from __future__ import annotations

from starlette.requests import Request

from .runtime import runtime_of

__all__ = ["site_url"]


def site_url(request: Request, path: str) -> str:
    """Return the absolute URL of a path on this site (``path`` starts with /)."""
    base = runtime_of(request).settings.public_url
    if base is None:
        base = str(request.base_url).rstrip("/")
    return base + path
