"""Behind a reverse proxy: believe X-Forwarded-For and -Proto only from trusted addresses.

``PARLEY_TRUSTED_PROXIES`` lists the proxies' addresses or networks. A request whose peer
is one of them gets its scheme from ``X-Forwarded-Proto`` and its client address from
``X-Forwarded-For``: the right-most address that is not itself a trusted proxy (the left
part of that header is whatever the client claimed, so it is never believed). From any
other peer both headers are ignored, so a client cannot fake its address or https.
"""

from __future__ import annotations

import ipaddress

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.config import IPNetwork

__all__ = ["TrustedProxyMiddleware", "forwarded_client"]

_SCHEMES = {"http": "http", "https": "https"}
_WS_SCHEMES = {"http": "ws", "https": "wss"}


def _is_trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(header: str, networks: tuple[IPNetwork, ...]) -> str | None:
    """Return the client address in an X-Forwarded-For value: right-most untrusted hop."""
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop.strip("[]")))
            except ValueError:
                return None  # garbage where an address should be: keep the proxy's address
    return hops[0] if hops else None  # every hop is a proxy: the first one is the client


class TrustedProxyMiddleware:
    """Rewrite the request's scheme and client from a trusted proxy's X-Forwarded headers."""

    def __init__(self, app: ASGIApp, *, networks: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.networks = networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, with scheme and client taken from a trusted proxy's headers."""
        client = scope.get("client")
        if (
            self.networks
            and scope["type"] in ("http", "websocket")
            and client
            and _is_trusted(str(client[0]), self.networks)
        ):
            headers = Headers(scope=scope)
            proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            schemes = _SCHEMES if scope["type"] == "http" else _WS_SCHEMES
            if proto in schemes:
                scope["scheme"] = schemes[proto]
            forwarded_for = headers.get("x-forwarded-for")
            if forwarded_for:
                address = forwarded_client(forwarded_for, self.networks)
                if address is not None:
                    scope["client"] = (address, 0)
        await self.app(scope, receive, send)
