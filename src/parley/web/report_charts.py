"""Plotly figures of the Polis report: a group's votes on its representative statements.

Like ``charts``, figures travel as JSON in a ``data-figure`` attribute and statement text in
hover labels is HTML-escaped. Each figure has a text alternative next to it on the page (the
table of the same numbers).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from parley.services.reports import ReportStatement, Representative
from parley.web.i18n import Translator

__all__ = ["CHOICE_COLORS", "group_bars"]

#: the colours of agree, disagree and pass, as the stylesheet's stance bars
CHOICE_COLORS = {"agree": "#1a7f37", "disagree": "#c0392b", "pass": "#b8bcc4"}
_HOVER_CHARS = 140
_ROW_HEIGHT = 34


def _number(statement: ReportStatement) -> int:
    """The number people see (``ReportStatement.number``; its id when none was given)."""
    return statement.id if statement.number is None else statement.number


def _hover(representative: Representative) -> str:
    statement = representative.statement
    body = statement.text.strip()
    if len(body) > _HOVER_CHARS:
        body = body[: _HOVER_CHARS - 1] + "…"
    return f"#{_number(statement)}: {html.escape(body)}"


def group_bars(representatives: Sequence[Representative], t: Translator) -> go.Figure:
    """Return stacked bars (agree, disagree, pass; percent of the group's votes) per statement.

    One bar per representative statement, labelled ``#number``, the first at the top.
    """
    labels = [f"#{_number(r.statement)}" for r in representatives]
    hovers = [_hover(r) for r in representatives]
    fig = go.Figure()
    for choice in ("agree", "disagree", "pass"):
        counts = [
            {"agree": r.stance.agree, "disagree": r.stance.disagree, "pass": r.stance.passes}[
                choice
            ]
            for r in representatives
        ]
        fig.add_trace(
            go.Bar(
                x=[r.stance.percent(choice) for r in representatives],
                y=labels,
                orientation="h",
                name=t("vote." + choice),
                marker={"color": CHOICE_COLORS[choice]},
                customdata=[[hover, n] for hover, n in zip(hovers, counts, strict=True)],
                hovertemplate="%{customdata[0]}<br>%{x} % (%{customdata[1]})<extra></extra>",
            )
        )
    fig.update_layout(
        template="plotly_white",
        barmode="stack",
        height=70 + _ROW_HEIGHT * max(len(representatives), 1),
        autosize=True,
        margin={"l": 50, "r": 10, "t": 10, "b": 30},
        xaxis={"range": [0, 100], "ticksuffix": " %", "fixedrange": True},
        yaxis={"autorange": "reversed", "type": "category", "fixedrange": True},
        legend={
            "orientation": "h",
            "traceorder": "normal",
            "y": -0.25 if len(representatives) > 3 else -0.5,
        },
        hovermode="closest",
    )
    return fig
