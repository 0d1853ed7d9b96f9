"""The chart of common ground over the rounds: one line per item, no two alike."""

from __future__ import annotations

from parley.services.round_changes import ItemHistory
from parley.web.charts import PALETTE
from parley.web.i18n import translator
from parley.web.round_charts import MAX_LINES, common_ground_over_rounds


def test_more_items_than_colours_still_draw_lines_that_differ() -> None:
    n = len(PALETTE) + 4  # the demo has 14 items for 10 colours
    history = [
        ItemHistory(item=i, label=f"item <{i}>", scores=[0.1 * (i % 10), None, 0.5])
        for i in range(n)
    ]
    fig = common_ground_over_rounds(history, ["Round 1", "Round 2", "Now"], translator("en"))
    looks = [(t.line.color, t.line.dash, t.marker.symbol) for t in fig.data]
    assert len(looks) == n == len(set(looks))
    assert all("<" not in t.name for t in fig.data)  # labels escaped
    many = [ItemHistory(item=i, label=str(i), scores=[0.5]) for i in range(MAX_LINES + 5)]
    fig = common_ground_over_rounds(many, ["Now"], translator("en"))
    assert len(fig.data) == MAX_LINES
    assert len({(t.line.color, t.line.dash, t.marker.symbol) for t in fig.data}) == MAX_LINES
