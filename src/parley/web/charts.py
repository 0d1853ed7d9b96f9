"""Plotly figures for the pages: the live opinion map and the votes over time.

Figures are built from the analysis JSON (``parley.io.results``) and handed to the browser as
JSON in a ``data-figure`` attribute (escaped by Jinja2), which ``static/parley.js`` draws with
the plotly.js served from the installed plotly package: no inline script, no CDN. Statement
text in hover labels is HTML-escaped, because plotly renders a subset of HTML in labels.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from parley.services.rules import group_letter
from parley.web.i18n import Translator

__all__ = [
    "PALETTE",
    "figure_json",
    "group_color",
    "group_letter",
    "opinion_map",
    "votes_over_time",
]

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
#: above this many participants the map switches to WebGL markers
WEBGL_THRESHOLD = 2_000
_HOVER_CHARS = 140


def group_color(group: int) -> str:
    """Return the colour of opinion group ``group`` (0-based), the same on every page."""
    return PALETTE[group % len(PALETTE)]


def _spots(members: Sequence[Mapping[str, Any]]) -> list[tuple[float, float, int]]:
    """Merge participants at the same place (same votes) into one marker with a count."""
    counts: dict[tuple[float, float], int] = {}
    for p in members:
        key = (round(float(p["x"]), 4), round(float(p["y"]), 4))
        counts[key] = counts.get(key, 0) + 1
    return [(x, y, n) for (x, y), n in counts.items()]


def _short(text: str | None, sid: int) -> str:
    body = (text or "").strip()
    if len(body) > _HOVER_CHARS:
        body = body[: _HOVER_CHARS - 1] + "…"
    return f"#{sid}: {html.escape(body)}"


def _layout(fig: go.Figure, *, height: int, x_title: str, y_title: str) -> None:
    fig.update_layout(
        template="plotly_white",
        height=height,
        autosize=True,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        xaxis={"title": {"text": x_title}, "zeroline": True},
        yaxis={"title": {"text": y_title}, "zeroline": True},
        legend={"orientation": "h", "y": -0.18},
        hovermode="closest",
    )


def opinion_map(
    data: Mapping[str, Any],
    t: Translator,
    *,
    texts: Mapping[int, str] | None = None,
    height: int = 460,
) -> go.Figure:
    """Return the opinion map: participants coloured by group, statements as hidden diamonds.

    A group with a ``label`` (a format, on the joint map) is labelled by it; an opinion group
    by its name (A, B, ...) and size. ``texts`` (statement id → text, the reader's language)
    label the statements instead of their own text.
    """
    participants = [
        p for p in data.get("participants", []) if p.get("x") is not None and p.get("y") is not None
    ]
    scatter = go.Scattergl if len(participants) > WEBGL_THRESHOLD else go.Scatter
    fig = go.Figure()
    by_group: dict[int | None, list[Mapping[str, Any]]] = {}
    for p in participants:
        by_group.setdefault(p.get("group"), []).append(p)
    if by_group.get(None):
        rest = by_group[None]
        fig.add_trace(
            scatter(
                x=[p["x"] for p in rest],
                y=[p["y"] for p in rest],
                mode="markers",
                name=t("chart.not_grouped", n=len(rest)),
                marker={"size": 6, "color": "#bbbbbb"},
                hoverinfo="skip",
            )
        )
    for group in data.get("groups", []):
        gid = int(group["id"])
        members = by_group.get(gid, [])
        spots = _spots(members)
        fig.add_trace(
            scatter(
                x=[x for x, _, _ in spots],
                y=[y for _, y, _ in spots],
                mode="markers",
                name=(
                    f"{group['label']} ({len(members)})"
                    if group.get("label")
                    else t("chart.group", letter=group_letter(gid), n=len(members))
                ),
                marker={
                    "size": [8 + 4 * math.sqrt(n - 1) for _, _, n in spots],
                    "color": group_color(gid),
                    "opacity": 0.8,
                    "line": {"width": 1, "color": "#ffffff"},
                },
                text=[t("chart.participants", n=n) for _, _, n in spots],
                hoverinfo="text",
            )
        )
    texts = texts or {}
    placed = [
        s for s in data.get("statements", []) if s.get("x") is not None and s.get("y") is not None
    ]
    shown = [s for s in placed if s.get("moderated", 0) != -1]
    if shown:
        fig.add_trace(
            go.Scatter(
                x=[s["x"] for s in shown],
                y=[s["y"] for s in shown],
                mode="markers",
                name=t("chart.statements"),
                visible="legendonly",
                marker={"symbol": "diamond-open", "size": 8, "color": "#555555"},
                text=[
                    _short(texts.get(int(s["id"])) or s.get("text"), int(s.get("number", s["id"])))
                    for s in shown
                ],
                hoverinfo="text",
            )
        )
    _layout(fig, height=height, x_title="PC 1", y_title="PC 2")
    return fig


_BUCKETS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


def _start(value: str | datetime) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def votes_over_time(
    points: Sequence[tuple[str | datetime, int]],
    t: Translator,
    *,
    bucket: str = "day",
    now: datetime | None = None,
    height: int = 260,
) -> go.Figure:
    """Return a line chart of the running total of votes from ``(bucket start, n_votes)``.

    Each point is the total at the end of its bucket (at ``now`` for the current one), and
    the line starts from 0 at the start of the first bucket.
    """
    if bucket not in _BUCKETS:
        raise ValueError(f"bucket={bucket!r} should be one of {', '.join(_BUCKETS)}")
    now = now or datetime.now(UTC)
    xs: list[datetime] = []
    ys: list[int] = []
    total = 0
    for start, n in points:
        begin = _start(start)
        if not xs:
            xs.append(begin)
            ys.append(0)
        total += int(n)
        xs.append(min(begin + _BUCKETS[bucket], max(now, begin)))
        ys.append(total)
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines+markers" if len(xs) < 40 else "lines",
            name=t("chart.votes"),
            line={"color": PALETTE[0]},
            fill="tozeroy",
            hovertemplate="%{x}<br>%{y}<extra></extra>",
        )
    )
    _layout(fig, height=height, x_title=t("chart.time"), y_title=t("chart.votes"))
    fig.update_layout(showlegend=False, yaxis={"rangemode": "tozero"})
    return fig


def figure_json(fig: go.Figure) -> str:
    """Return the figure as JSON text for a ``data-figure`` attribute."""
    text = pio.to_json(fig, validate=False, pretty=False, remove_uids=True)
    if not isinstance(text, str):  # pragma: no cover - plotly returns str
        raise TypeError("plotly.io.to_json returned no text")
    return text
