"""Live results for facilitators: opinion map, groups, consensus, votes over time.

The results area polls ``/results/live?since=VERSION`` every 2 s (htmx). While nothing has
changed the answer is 204 (htmx then keeps the page as it is); when a new analysis or new votes
arrived, it is the area again, with the new version to poll with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, Response

from parley.services import conversations, results
from parley.web import charts
from parley.web.deps import SessionFactoryDep
from parley.web.i18n import Translator
from parley.web.pages.access import PageConversationDep, PageFacilitatorDep
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.reports import report_links
from parley.web.pages.route import PageRoute
from parley.web.reading import page_readings

__all__ = ["results_context", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

N_GAC = 10
#: conversations younger than this chart their votes by the hour, older ones by the day
YOUNG = timedelta(days=3)


def _texts(data: Mapping[str, Any]) -> dict[int, str]:
    return {int(s["id"]): s.get("text") or "" for s in data.get("statements", [])}


def _groups(data: Mapping[str, Any], texts: Mapping[int, str]) -> list[dict[str, Any]]:
    out = []
    for group in data.get("groups", []):
        gid = int(group["id"])
        rows = [
            {
                "statement": int(r["statement"]),
                "direction": r["direction"],
                "text": texts.get(int(r["statement"]), f"#{r['statement']}"),
                "share": 100.0 * r["n_success"] / max(int(r["n_trials"]), 1),
            }
            for r in group.get("repness", [])
        ]
        out.append(
            {
                "id": gid,
                "size": group.get("size", 0),
                "letter": charts.group_letter(gid),
                "color": charts.group_color(gid),
                "color_class": f"group-c{gid % len(charts.PALETTE)}",
                "rows": rows,
            }
        )
    return out


def _analysis_context(
    data: Mapping[str, Any], t: Translator, readings: Mapping[int, Mapping[str, Any]]
) -> dict[str, Any]:
    texts = _texts(data)
    shown = {sid: str(r["text"]) for sid, r in readings.items()}  # the map's hover labels
    by_id = {int(s["id"]): s for s in data.get("statements", [])}
    visible = [s for s in by_id.values() if s.get("moderated", 0) != -1]
    consensus = {
        direction: [
            {**by_id[i], "text": texts.get(i, "")}
            for i in (int(x) for x in data.get("consensus", {}).get(direction, []))
            if i in by_id
        ]
        for direction in ("agree", "disagree")
    }
    gac = sorted((s for s in visible if s.get("gac") is not None), key=lambda s: -s["gac"])
    return {
        "analysis": data,
        "groups": _groups(data, texts),
        "consensus": consensus,
        "gac": gac[:N_GAC],
        "map_figure": charts.figure_json(charts.opinion_map(data, t, texts={**texts, **shown})),
        "readings": readings,
    }


def _version(summary: Any, data: Mapping[str, Any] | None) -> str:
    """Return a short fingerprint of what the results area shows."""
    parts = [
        getattr(summary, "n_votes", ""),
        getattr(summary, "n_statements", ""),
        getattr(summary, "n_participants", ""),
        "-" if data is None else data.get("n_votes", ""),
        "-" if data is None else data.get("computed_at", ""),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _time_rows(points: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """The votes-over-time chart as table rows: each period's start, new votes, running total."""
    rows = []
    total = 0
    for start, n in points:
        total += int(n)
        when = datetime.fromisoformat(start)
        rows.append({"start": when.strftime("%Y-%m-%d %H:%M"), "n": int(n), "total": total})
    return rows


def results_context(
    sf: SessionFactoryDep, conversation_id: int, t: Translator, language: str
) -> dict[str, Any]:
    """Return the template context of the results area, statements in ``language``."""
    summary = conversations.conversation_summary(sf, conversation_id, (language,))
    data = results.latest_analysis(sf, conversation_id)
    now = datetime.now(UTC)
    bucket: Literal["hour", "day"] = "hour" if now - summary.created_at < YOUNG else "day"
    points = results.votes_over_time(sf, conversation_id, bucket=bucket)
    context: dict[str, Any] = {
        "conversation": summary,
        "version": _version(summary, data),
        "analysis": None,
        "time_figure": (
            charts.figure_json(charts.votes_over_time(points, t, bucket=bucket, now=now))
            if points
            else None
        ),
        "time_rows": _time_rows(points),
    }
    if data:
        ids = [int(s["id"]) for s in data.get("statements", [])]
        context.update(_analysis_context(data, t, page_readings(sf, ids, language)))
    return context


@router.get("/f/c/{conversation_id}/results", name="results")
def results_page(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
) -> Response:
    """Show the live results of a conversation."""
    context = results_context(sf, conversation_id, page_translator(request), page_language(request))
    context["tab"] = "results"
    context.update(report_links(request, sf, conversation_id))
    return render(request, "pages/results.html", context, facilitator=me.name)


@router.get("/f/c/{conversation_id}/results/live", name="results_live")
def results_live(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    since: str | None = None,
) -> Response:
    """Return the results area when it changed since ``since``, else 204 No Content."""
    summary = conversations.conversation_summary(sf, conversation_id, (page_language(request),))
    data = results.latest_analysis(sf, conversation_id)
    if since is not None and since == _version(summary, data):
        return Response(status_code=204)
    context = results_context(sf, conversation_id, page_translator(request), page_language(request))
    return render(request, "pages/_results.html", context, facilitator=me.name)
