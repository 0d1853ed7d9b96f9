"""The chart of each agenda item's common ground over the rounds (plotly, drawn by parley.js)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from parley.services.round_changes import ItemHistory
from parley.web.charts import PALETTE
from parley.web.i18n import Translator

__all__ = ["common_ground_over_rounds"]

MAX_LINES = 20  # the best items; the table below the chart lists every item
#: past the palette's colours, lines differ by dash and marker too: no two lines look alike
DASHES = ("solid", "dash", "dot", "dashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up")
LABEL_CHARS = 40


def common_ground_over_rounds(
    history: Sequence[ItemHistory], columns: Sequence[str], t: Translator, *, height: int = 320
) -> go.Figure:
    """Return one line per item: its common ground in each round (``columns`` name them)."""
    fig = go.Figure()
    ranked = sorted(history, key=lambda h: -max([s or 0.0 for s in h.scores], default=0.0))
    for n, item in enumerate(ranked[:MAX_LINES]):
        label = (
            item.label if len(item.label) <= LABEL_CHARS else item.label[: LABEL_CHARS - 1] + "…"
        )
        fig.add_trace(
            go.Scatter(
                x=list(columns),
                y=item.scores,
                mode="lines+markers",
                name=html.escape(label),
                line={
                    "color": PALETTE[n % len(PALETTE)],
                    "dash": DASHES[n // len(PALETTE) % len(DASHES)],
                },
                marker={"symbol": SYMBOLS[n // len(PALETTE) % len(SYMBOLS)]},
                connectgaps=False,
                hovertemplate="%{x}: %{y:.2f}<extra>" + html.escape(label) + "</extra>",
            )
        )
    fig.update_layout(
        template="plotly_white",
        height=height,
        autosize=True,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        yaxis={"title": {"text": t("agenda.common_ground")}, "range": [0, 1]},
        legend={"orientation": "h", "y": -0.2},
        hovermode="closest",
    )
    return fig
