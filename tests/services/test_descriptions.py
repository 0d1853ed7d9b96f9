"""Descriptions: Markdown rendered to HTML that keeps only safe tags, attributes and links."""

from __future__ import annotations

from html.parser import HTMLParser

from parley.services.descriptions import render_markdown


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag with its attributes (what a browser would make elements of)."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, dict(attrs)))

    Collect().feed(html)
    return found


def test_markdown_keeps_only_safe_html() -> None:
    assert str(render_markdown("*a* `b`")) == "<p><em>a</em> <code>b</code></p>\n"
    hostile = (
        '[x](JaVaScRiPt:alert(1)) <iframe src="//e"></iframe> <b onmouseover=1> '
        "[d](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(2)> [v](vbscript:x)"
    )
    tags = _tags(str(render_markdown(hostile)))
    assert [name for name, _ in tags] == ["p"]  # none of the links, no iframe, no b
    link = render_markdown("[a](https://example.org) <mailto:a@example.org>")
    assert [(n, a.get("href")) for n, a in _tags(str(link)) if n == "a"] == [
        ("a", "https://example.org"),
        ("a", "mailto:a@example.org"),
    ]
    assert 'rel="noopener noreferrer nofollow"' in link


def test_headings_lists_and_emphasis_render() -> None:
    html = str(render_markdown("# Biodiversity\n\n- **bees**\n- *trees*"))
    assert [name for name, _ in _tags(html)] == ["h1", "ul", "li", "strong", "li", "em"]
