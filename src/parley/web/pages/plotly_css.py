"""plotly.js's own CSS as a stylesheet, so that plotly needs no inline ``<style>`` (CSP).

plotly.js injects its CSS rules into a ``<style>`` element at load time, which a
Content-Security-Policy of ``style-src 'self'`` refuses. plotly skips that when the page
already holds an element ``#plotly.js-style-global.no-inline-styles`` (a ``<link>`` to these
rules); its bundled map library likewise skips its CSS when an element with its fixed id
exists. This module reads both sets of rules out of the installed ``plotly.min.js``, so the
stylesheet always matches the plotly that is served; ``templates/pages/_plotly_head.html``
links them.
"""

from __future__ import annotations

import re
from functools import cache

from fastapi import APIRouter, Response

from parley.web.pages.assets import plotly_js_file

__all__ = ["MAP_STYLE_ID", "plotly_css", "router"]

router = APIRouter(include_in_schema=False)

#: the id the map library's CSS element gets (plotly.js 4.x); a <link> with it stands in
MAP_STYLE_ID = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53"
_RULE = re.compile(r'"((?:[^"\\]|\\.)*)":(?:\'((?:[^\'\\]|\\.)*)\'|"((?:[^"\\]|\\.)*)")')
_MAP_CSS = re.compile(r"e\.id=\"" + MAP_STYLE_ID + r"\",e\.textContent='((?:[^'\\]|\\.)*)'")
_ONE_DAY = 24 * 3600


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@cache
def plotly_css() -> str:
    """Return plotly's global CSS rules and its map CSS, read from the served plotly.min.js."""
    source = plotly_js_file().read_text(encoding="utf-8")
    start = source.find('{"X,X div":')
    rules: list[str] = []
    if start >= 0:
        end = source.index("};", start)
        for match in _RULE.finditer(source, start, end + 1):
            selector = match.group(1).replace("X", ".js-plotly-plot .plotly")
            selector = re.sub(r"^,", " ,", selector.replace("Y", ".plotly-notifier"))
            body = match.group(2) if match.group(2) is not None else match.group(3)
            rules.append(f"{selector}{{{_unescape(body)}}}")
    found = _MAP_CSS.search(source)
    if found:
        rules.append(_unescape(found.group(1)))
    return "\n".join(rules) + "\n"


@router.get("/assets/plotly.css", name="plotly_css")
def plotly_stylesheet() -> Response:
    """Serve plotly's CSS as a file (cached by the browser for a day)."""
    return Response(
        plotly_css(),
        media_type="text/css",
        headers={"Cache-Control": f"public, max-age={_ONE_DAY}"},
    )
