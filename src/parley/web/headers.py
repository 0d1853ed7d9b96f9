"""Security headers on every answer: a Content-Security-Policy of 'self' only, and friends.

The pages load only parley's own files (htmx, plotly.js and parley.js are served from this
site, no CDN), have no inline scripts, styles or event handlers, and are never framed; so
the policy allows 'self' and nothing else (``data:`` images for plotly's icons). The API's
documentation page (Swagger UI, vendored) also loads only this site's files; it alone allows
inline style attributes, which Swagger UI sets. HSTS is sent when the public URL is https.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware", "security_headers"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
_HSTS = "max-age=31536000"


def security_headers(path: str, *, is_https: bool, docs_path: str | None) -> dict[str, str]:
    """Return the security headers for an answer to ``path``."""
    headers = {
        "Content-Security-Policy": _DOCS_POLICY if path == docs_path else CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if is_https:
        headers["Strict-Transport-Security"] = _HSTS
    return headers


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP answer (those the app set itself are kept)."""

    def __init__(self, app: ASGIApp, *, is_https: bool, docs_path: str | None) -> None:
        self.app = app
        self.is_https = is_https
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers when the answer starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        values = security_headers(scope["path"], is_https=self.is_https, docs_path=self.docs_path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in values.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
