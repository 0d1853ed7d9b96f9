"""Plotly figures for the pages: opinion map and votes over time."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from parley.web import charts
from parley.web.i18n import translator


def _analysis() -> dict[str, Any]:
    return {
        "k": 2,
        "n_votes": 12,
        "participants": [
            {"id": 1, "x": 0.5, "y": 0.1, "group": 0, "in_conv": True},
            {"id": 2, "x": 0.6, "y": 0.0, "group": 0, "in_conv": True},
            {"id": 3, "x": -0.7, "y": 0.2, "group": 1, "in_conv": True},
            {"id": 4, "x": None, "y": None, "group": None, "in_conv": False},
            {"id": 5, "x": 0.0, "y": 0.0, "group": None, "in_conv": True},
        ],
        "groups": [{"id": 0, "size": 2, "repness": []}, {"id": 1, "size": 1, "repness": []}],
        "statements": [
            {"id": 10, "text": "<b>bold</b> & <script>x</script>", "x": 0.1, "y": 0.0},
            {"id": 11, "text": None, "x": 0.2, "y": 0.3, "moderated": -1},
            {"id": 12, "text": "no coordinates", "x": None, "y": None},
        ],
        "consensus": {"agree": [], "disagree": []},
    }


def test_opinion_map_has_one_trace_per_group_and_escapes_text() -> None:
    fig = charts.opinion_map(_analysis(), translator("en"))
    names = [trace.name for trace in fig.data]
    assert names == ["not grouped (1)", "Group A (2)", "Group B (1)", "statements"]
    assert list(fig.data[1].text) == ["1 participant here", "1 participant here"]
    assert fig.data[1].marker.color == charts.group_color(0)
    statements = fig.data[3]
    assert list(statements.text) == [
        "#10: &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;"
    ]
    assert statements.visible == "legendonly"


def test_opinion_map_labels_follow_the_language() -> None:
    fig = charts.opinion_map(_analysis(), translator("ru"))
    assert fig.data[1].name == "Группа A (2)"


def test_opinion_map_of_an_empty_analysis_is_an_empty_figure() -> None:
    fig = charts.opinion_map({"participants": [], "groups": [], "statements": []}, translator("en"))
    assert len(fig.data) == 0


def test_votes_over_time_is_a_running_total_from_zero() -> None:
    points = [("2025-01-01T10:00:00+00:00", 3), ("2025-01-01T12:00:00+00:00", 4)]
    now = datetime(2025, 1, 1, 12, 30, tzinfo=UTC)
    fig = charts.votes_over_time(points, translator("de"), bucket="hour", now=now)
    assert list(fig.data[0].y) == [0, 3, 7]
    assert [x.isoformat() for x in fig.data[0].x] == [
        "2025-01-01T10:00:00+00:00",
        "2025-01-01T11:00:00+00:00",
        "2025-01-01T12:30:00+00:00",  # the current hour ends now
    ]
    assert fig.layout.yaxis.title.text == "Stimmen"


def test_votes_over_time_by_day_and_bad_buckets() -> None:
    fig = charts.votes_over_time([("2025-01-01", 5)], translator("en"), bucket="day")
    assert list(fig.data[0].y) == [0, 5]
    with pytest.raises(ValueError, match="minute"):
        charts.votes_over_time([], translator("en"), bucket="minute")


def test_figure_json_round_trips_and_has_no_raw_script_tags() -> None:
    text = charts.figure_json(charts.opinion_map(_analysis(), translator("en")))
    data = json.loads(text)
    assert {"data", "layout"} <= set(data)
    assert "<script>" not in text


def test_participants_at_the_same_place_share_a_bigger_marker() -> None:
    data = _analysis()
    data["participants"] = [{"id": i, "x": 1.0, "y": 2.0, "group": 0} for i in range(5)]
    fig = charts.opinion_map(data, translator("en"))
    group_a = fig.data[0]
    assert list(group_a.x) == [1.0]
    assert list(group_a.marker.size) == [16.0]
    assert list(group_a.text) == ["5 participants here"]


def test_group_letters() -> None:
    assert [charts.group_letter(g) for g in (0, 1, 25, 26)] == ["A", "B", "Z", "26"]
