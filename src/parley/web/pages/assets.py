"""plotly.js for the pages, served from the installed plotly package (no copy, no CDN); the icon."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse

__all__ = ["PLOTLY_JS_PATH", "plotly_js_file", "router"]

router = APIRouter(include_in_schema=False)

PLOTLY_JS_PATH = "/assets/plotly.min.js"
_ONE_DAY = 24 * 3600


@cache
def plotly_js_file() -> Path:
    """Return the path of ``plotly.min.js`` inside the installed plotly package."""
    path = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    if not path.is_file():
        raise FileNotFoundError(f"plotly.min.js is missing from the plotly package at {path}")
    return path


@router.get(PLOTLY_JS_PATH, name="plotly_js")
def plotly_js(request: Request) -> Response:
    """Serve plotly.js (cached by the browser for a day; ETag from the file)."""
    return FileResponse(
        plotly_js_file(),
        media_type="text/javascript",
        headers={"Cache-Control": f"public, max-age={_ONE_DAY}"},
    )


@router.get("/favicon.ico", name="favicon")
def favicon() -> Response:
    """Send browsers that ask for /favicon.ico to the site's icon (an SVG)."""
    return RedirectResponse(
        "/static/favicon.svg",
        status_code=301,
        headers={"Cache-Control": f"public, max-age={_ONE_DAY}"},
    )
