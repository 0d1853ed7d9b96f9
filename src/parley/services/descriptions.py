"""Descriptions are Markdown, rendered to safe HTML: a Markdown parser, then a sanitiser.

``markdown-it-py`` (CommonMark, raw HTML off) turns the text into HTML and ``nh3`` (Ammonia)
keeps only the tags and attributes below, with links to http(s) and mailto only; whatever a
person writes, no script, event handler or ``javascript:`` link reaches a page. The pages
(``parley.web``) and the static report (``parley.report``) both render descriptions here.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["render_markdown"]

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> Markup:
    """Return a description's Markdown as sanitised HTML (safe to put into a page)."""
    html = _PARSER.render(text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
