"""The Polis report page (``/r/{report_id}``) and the facilitator's Polis export download.

The report link is the capability: anybody holding it reads the report, which shows only
what ``services.reports.conversation_report`` allows. The statement table sorts on the
server (``?sort=agree``, ``?sort=-agree``), so sorting needs no script under the CSP.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from parley.db.engine import SessionFactory
from parley.services import polis_reports, reports
from parley.web import charts, report_charts
from parley.web.deps import SessionFactoryDep
from parley.web.i18n import Translator
from parley.web.links import site_url
from parley.web.pages.access import PageConversationDep, PageFacilitatorDep
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.reading import page_readings

__all__ = ["report_links", "router", "sort_links"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ReportId = Annotated[str, Path(max_length=64)]
Sort = Annotated[str, Query(max_length=32)]


def sort_links(sort: str, columns: list[str]) -> dict[str, str]:
    """Return each column's sort link: highest first, reversed when it is the current sort.

    The id column sorts lowest first by default, as the table starts.
    """
    links = {}
    for column in columns:
        first = column if column == "id" else f"-{column}"
        other = first.removeprefix("-") if first.startswith("-") else f"-{first}"
        links[column] = f"?sort={other if sort == first else first}#statements"
    return links


def report_links(request: Request, sf: SessionFactory, conversation_id: int) -> dict[str, str]:
    """Return the template context of a facilitator's report link and export button."""
    report_id = polis_reports.report_id(sf, conversation_id)
    return {"report_id": report_id, "report_url": site_url(request, f"/r/{report_id}")}


def _group_figures(report: reports.Report, t: Translator) -> dict[int, str]:
    return {
        group.id: charts.figure_json(report_charts.group_bars(group.representative, t))
        for group in report.groups
        if group.representative
    }


@router.get("/r/{report_id}", name="report")
def report_page(
    request: Request, report_id: ReportId, sf: SessionFactoryDep, sort: Sort = "id"
) -> Response:
    """Show a conversation's Polis report to anybody holding its link."""
    t = page_translator(request)
    report = reports.conversation_report(sf, report_id)
    letters = [group.letter for group in report.groups]
    rows = reports.sort_statements(report.statements, sort, letters=letters)
    columns = [*reports.SORT_COLUMNS, *(f"group-{letter}" for letter in letters)]
    readings = page_readings(sf, (s.id for s in report.statements), page_language(request))
    shown = {sid: str(r["text"]) for sid, r in readings.items()}  # the map's hover labels
    context: dict[str, Any] = {
        "report": report,
        "rows": rows,
        "readings": readings,
        "sort": sort,
        "sort_links": sort_links(sort, columns),
        "uncertain_share": reports.UNCERTAIN_PASS_SHARE,
        "computed_when": _when(t, report.computed_at),
        "map_figure": (
            charts.figure_json(charts.opinion_map(report.map_data, t, texts=shown))
            if report.computed_at
            else None
        ),
        "group_figures": _group_figures(report, t),
        "group_color_classes": {
            group.id: f"group-c{group.id % len(charts.PALETTE)}" for group in report.groups
        },
    }
    response = render(request, "pages/report.html", context)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/f/c/{conversation_id}/export.zip", name="polis_export_zip")
def polis_export_zip(
    conversation_id: PageConversationDep, me: PageFacilitatorDep, sf: SessionFactoryDep
) -> Response:
    """Download the conversation's Polis export files as one zip (facilitators only)."""
    body = reports.polis_export_zip(sf, conversation_id)
    name = f"parley-{conversation_id}-polis-export.zip"
    return Response(
        body,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _when(t: Translator, computed_at: str | None) -> str:
    """Return an analysis time in the page's language, isolated so that it keeps its order."""
    text = (computed_at or "")[:16].replace("T", " ")
    with contextlib.suppress(ValueError):
        text = t.datetime(dt.datetime.fromisoformat(computed_at or ""))
    return f"\u2068{text}\u2069"
