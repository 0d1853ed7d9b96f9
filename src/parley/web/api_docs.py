"""``/api/docs``: Swagger UI over the OpenAPI document, from files served by this site.

FastAPI's built-in page loads Swagger UI from a CDN with an inline script, which an offline
machine cannot reach and the pages' CSP refuses. This page loads the vendored
``static/swagger`` files (swagger-ui-dist, see ``static/VENDORED.md``) and starts them from
``static/swagger/docs.js``.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

__all__ = ["DOCS_PATH", "docs_router"]

DOCS_PATH = "/api/docs"
_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}: API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body data-openapi="{openapi_url}">
<div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/swagger/docs.js"></script>
</body>
</html>
"""


def docs_router(*, title: str, openapi_url: str) -> APIRouter:
    """Return the router serving the API's documentation page."""
    router = APIRouter(include_in_schema=False)
    page = _PAGE.format(title=escape(title), openapi_url=escape(openapi_url, quote=True))

    @router.get(DOCS_PATH)
    async def api_docs() -> HTMLResponse:
        """Show Swagger UI over the OpenAPI document."""
        return HTMLResponse(page)

    return router
