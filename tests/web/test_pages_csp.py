"""The pages under a CSP of 'self' only: no inline styles or scripts, plotly's CSS as a file."""

from __future__ import annotations

import re
from importlib import resources

from parley.web.charts import PALETTE
from parley.web.pages.plotly_css import MAP_STYLE_ID, plotly_css

from .conftest import PagesEnv

_INLINE = re.compile(r"\sstyle=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=", re.IGNORECASE)


def test_plotlys_css_is_read_from_the_installed_bundle() -> None:
    css = plotly_css()
    assert ".js-plotly-plot .plotly .modebar{" in css
    assert ".plotly-notifier" in css
    assert ".maplibregl-map{" in css
    assert "X,X" not in css


def test_the_stylesheet_is_served_and_linked_with_plotlys_ids(pages_env: PagesEnv) -> None:
    answer = pages_env.client.get("/assets/plotly.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    pages_env.log_in()
    html = pages_env.client.get(f"/f/c/{pages_env.open_id}/results").text
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in html
    assert f'id="{MAP_STYLE_ID}"' in html
    source = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text("utf-8")
    assert MAP_STYLE_ID in source and ".no-inline-styles" in source


def test_every_group_colour_and_width_has_a_class() -> None:
    css = (resources.files("parley.web") / "static" / "classes.css").read_text("utf-8")
    for n, colour in enumerate(PALETTE):
        assert f".group-c{n} {{ --c: {colour}; }}" in css
    for percent in range(101):
        assert f".w-{percent} {{ width: {percent}%; }}" in css


def test_pages_have_no_inline_script_style_or_handler(pages_env: PagesEnv) -> None:
    cid = pages_env.open_id
    paths = [f"/c/{cid}", f"/c/{cid}/votes", "/login", "/"]
    pages_env.log_in()
    paths += ["/f", f"/f/c/{cid}", f"/f/c/{cid}/moderation", f"/f/c/{cid}/results"]
    for path in paths:
        answer = pages_env.client.get(path)
        assert answer.status_code == 200, path
        assert not _INLINE.search(answer.text), (path, _INLINE.search(answer.text))


def test_chart_pages_load_plotlys_locale_of_the_page_language(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    for lang, locale in [("de", "de"), ("fa", "fa"), ("zh", "zh-cn")]:
        html = pages_env.client.get(f"/f/c/{pages_env.open_id}/results?lang={lang}").text
        src = f"/static/plotly-locales/plotly-locale-{locale}.js"
        assert f'<script src="{src}" defer></script>' in html, lang
        answer = pages_env.client.get(src)
        assert answer.status_code == 200 and "Plotly.register(locale)" in answer.text
    english = pages_env.client.get(f"/f/c/{pages_env.open_id}/results?lang=en").text
    assert "plotly-locales" not in english  # plotly's own default
