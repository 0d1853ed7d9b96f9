"""Write one self-contained HTML file: the opinion map and each group's statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, select_autoescape

from parley.services.analysis import ExportAnalysis
from parley.services.descriptions import render_markdown
from parley.services.rules import DEFAULT_MIN_GROUP_SIZE, group_letter
from parley.services.shown import shown_analysis

__all__ = ["opinion_map", "render_report", "write_report"]

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def opinion_map(result: ExportAnalysis, hidden: frozenset[int] = frozenset()) -> go.Figure:
    """Return the opinion map: participants coloured by group, statements as grey labels.

    Members of the ``hidden`` groups (too small to show) are drawn as not grouped.
    """
    a = result.analysis
    fig = go.Figure()
    xy = a.participant_coords
    labels = np.where(np.isin(a.labels, list(hidden)), -1, a.labels)
    not_grouped = labels < 0
    if not_grouped.any():
        fig.add_trace(
            go.Scattergl(
                x=xy[not_grouped, 0],
                y=xy[not_grouped, 1],
                mode="markers",
                name="not grouped",
                marker={"size": 4, "color": "#bbbbbb"},
                hoverinfo="skip",
            )
        )
    for g in range(a.k):
        if g in hidden:
            continue
        members = labels == g
        fig.add_trace(
            go.Scattergl(
                x=xy[members, 0],
                y=xy[members, 1],
                mode="markers",
                name=f"Group {group_letter(g)} ({int(members.sum())})",
                marker={"size": 6, "color": PALETTE[g % len(PALETTE)], "opacity": 0.75},
                text=[f"participant {p}" for p in a.matrix.participant_ids[members]],
                hoverinfo="text",
            )
        )
    shown = ~a.zeroed
    fig.add_trace(
        go.Scatter(
            x=a.statement_coords[shown, 0],
            y=a.statement_coords[shown, 1],
            mode="markers",
            name="statements",
            visible="legendonly",
            marker={"symbol": "diamond-open", "size": 7, "color": "#555555"},
            text=[
                f"{sid}: {result.text_of(int(sid))[:120]}" for sid in a.matrix.statement_ids[shown]
            ],
            hoverinfo="text",
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=560,
        margin={"l": 30, "r": 30, "t": 30, "b": 30},
        xaxis={"zeroline": True, "title": "PC 1"},
        yaxis={"zeroline": True, "title": "PC 2"},
        legend={"orientation": "h"},
    )
    return fig


def _groups(result: ExportAnalysis, data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for group in data["groups"]:
        rows = []
        for r in group["repness"]:
            rows.append(
                {
                    **r,
                    "text": result.text_of(r["statement"]),
                    "share": 100.0 * r["n_success"] / max(r["n_trials"], 1),
                }
            )
        out.append(
            {
                **group,
                "rows": rows,
                "color": PALETTE[group["id"] % len(PALETTE)],
                "letter": group_letter(int(group["id"])),
            }
        )
    return out


def render_report(result: ExportAnalysis, data: dict[str, Any]) -> str:
    """Render the report as an HTML string (user text escaped by Jinja2's autoescape)."""
    env = Environment(
        loader=PackageLoader("parley.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    env.filters["markdown"] = render_markdown
    by_id = {s["id"]: s for s in data["statements"]}
    gac = sorted(
        (s for s in data["statements"] if s["gac"] is not None and s["moderated"] != -1),
        key=lambda s: -s["gac"],
    )[:10]
    shown_ids = {int(g["id"]) for g in data["groups"]}
    figure = pio.to_html(
        opinion_map(result, frozenset(range(result.analysis.k)) - shown_ids),
        include_plotlyjs=True,
        full_html=False,
        config={
            "displaylogo": False,
            "responsive": True,
            "modeBarButtonsToRemove": ["sendChartToCloud"],
        },
    )
    return env.get_template("report.html.j2").render(
        title=result.export.summary.get("topic") or str(result.export.source),
        description=result.export.summary.get("conversation-description", ""),
        data=data,
        groups=_groups(result, data),
        consensus={
            d: [{**by_id[i], "text": result.text_of(i)} for i in data["consensus"][d]]
            for d in ("agree", "disagree")
        },
        gac=[{**s, "text": result.text_of(s["id"])} for s in gac],
        n_grouped=int(np.sum(result.analysis.labels >= 0))
        - int(data.get("hidden_groups", {}).get("n_participants", 0)),
        hidden=data.get("hidden_groups", {}),
        figure=figure,
    )


def write_report(
    result: ExportAnalysis, path: str | Path, data: dict[str, Any] | None = None
) -> None:
    """Write the self-contained HTML report to ``path`` (of ``data``: the analysis as shown).

    Without ``data`` the analysis is shown with the default minimum group size.
    """
    shown = data if data is not None else shown_analysis(result.to_dict(), DEFAULT_MIN_GROUP_SIZE)
    Path(path).write_text(render_report(result, shown), encoding="utf-8")
