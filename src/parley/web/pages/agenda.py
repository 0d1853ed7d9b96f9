"""The joint agenda of a process: the facilitator's page, its exports, the observers' view.

Every view reads the agenda the analysis worker stored (``services.agenda.read_agenda``):
nothing is computed or written here. Items come best first; each statement shows its text
in its original language, where it was written, its scores and the stance of every format
as a stacked bar (plain HTML and CSS, with the counts as text). Below, the joint map and
each format's opinion map from its latest analysis. Observers read the same agenda at
``/o/{observer_key}``, without a login and without forms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from parley.errors import NotFoundError
from parley.services import agenda, agenda_items, processes, results, rounds
from parley.services.agenda_document import AgendaEntry, AgendaItemEntry, label_for
from parley.services.processes import ProcessInfo
from parley.services.round_changes import what_moved
from parley.web import charts
from parley.web.deps import ObservedProcessDep, SessionFactoryDep
from parley.web.i18n import Translator
from parley.web.pages.access import PageFacilitatorDep, PageProcessDep
from parley.web.pages.processes import flash_message
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["agenda_context", "agenda_groups", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KINDS = ("common", "contested", "rejected", "waiting", "one-sided")
STANCES = ("agree", "disagree", "pass")
MAP_HEIGHT = 380
EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def _stance(name: str, counts: Mapping[Any, int], *, withheld: bool = False) -> dict[str, Any]:
    """One format's stance on a statement: counts and percentages of its votes."""
    n = sum(counts[what] for what in STANCES)
    percent = {what: round(100.0 * counts[what] / n, 1) if n else 0.0 for what in STANCES}
    return {
        "format": name,
        "n": n,
        "withheld": withheld,
        **{what: counts[what] for what in STANCES},
        "pct": percent,
    }


def _statement(entry: AgendaEntry, labels: Mapping[str, str]) -> dict[str, Any]:
    def name(fmt: str) -> str:
        return labels.get(fmt, fmt)

    return {
        **entry.model_dump(),
        "format": None if entry.format is None else name(entry.format),
        "number": entry.shown_number,
        "stances": [
            _stance(name(fmt), counts, withheld=fmt in entry.withheld)
            for fmt, counts in entry.by_format.items()
        ],
        "share_to": [name(fmt) for fmt in entry.share_with or []],
        "waiting": [name(fmt) for fmt in entry.waiting_for],
    }


def agenda_groups(
    items: list[AgendaItemEntry],
    language: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Return the agenda's items best first, their statements grouped by kind, for a page.

    Each item's ``label`` is its label in ``language`` (the reader's), where it has one;
    formats are named as ``labels`` names them (``AgendaDocument.format_labels``);
    stances the document withholds (``rules.min_group_size``) stay withheld.
    """
    out = []
    for item in items:
        groups = [
            (kind, [_statement(s, labels or {}) for s in item.statements if s.group == kind])
            for kind in KINDS
        ]
        label = label_for(item, language)
        out.append(
            {
                **item.model_dump(exclude={"statements"}),
                "label": label,
                "label_languages": sorted({*item.labels, *([language] if language else [])}),
                "groups": [g for g in groups if g[1]],
            }
        )
    return out


def _maps(
    sf: SessionFactoryDep, info: ProcessInfo, t: Translator, labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Each format's opinion map from its latest stored analysis (None before the first),
    named as ``labels`` names the format."""
    out = []
    for fmt in info.formats:
        data = results.latest_analysis(sf, fmt.conversation_id)
        figure = None
        if data:
            texts = {int(s["id"]): s.get("text") or "" for s in data.get("statements", [])}
            fig = charts.opinion_map(data, t, texts=texts, height=MAP_HEIGHT)
            figure = charts.figure_json(fig)
        groups = [
            {"letter": charts.group_letter(int(g["id"])), "size": int(g.get("size", 0))}
            for g in (data or {}).get("groups", [])
        ]
        out.append(
            {
                "format": fmt,
                "name": labels.get(fmt.name, fmt.name),
                "figure": figure,
                "analysis": data,
                "groups": groups,
            }
        )
    return out


def agenda_context(
    request: Request,
    sf: SessionFactoryDep,
    process_id: int,
    *,
    live_url: str,
    with_maps: bool,
) -> dict[str, Any]:
    """Return the context of the agenda body (shared by every agenda view and its live area).

    Stances are withheld below the process's minimum group size, for everyone. Each
    format's own opinion map only ``with_maps`` (the facilitator; never observers, who read
    the joint agenda only: ``rules.may_read``).
    """
    version = rounds.agenda_version(sf, process_id)  # read first: a newer agenda polls again
    view = agenda.read_agenda(sf, process_id, with_map=True, languages=(page_language(request),))
    info = processes.process_info(sf, process_id)
    closed = rounds.list_rounds(sf, process_id)
    last = rounds.last_round(sf, process_id) if closed else None
    t = page_translator(request)
    threshold = info.settings.min_group_size
    labels = view.document.format_labels()
    joint = view.joint_map.chart_data()
    for group in joint["groups"]:  # the legend: formats by the name the reader reads
        group["label"] = labels.get(group["label"], group["label"])
    joint_figure = None
    if joint["participants"]:
        joint_figure = charts.figure_json(charts.opinion_map(joint, t, height=MAP_HEIGHT))
    return {
        "process": info,
        "version": version,
        "live_url": live_url,
        "rounds": closed,
        "moved": None if last is None else what_moved(last[1], view.document).named(labels),
        "process_name": view.document.process.name,  # in the reader's language
        "process_description": view.document.process.description,
        "n_participants": view.document.process.n_participants,
        "items": agenda_groups(view.document.items, page_language(request), labels),
        "min_group_size": threshold,
        "page_language": page_language(request),
        "computed_at": view.document.computed_at,
        "joint_map": joint_figure,
        "n_mapped": len(joint["participants"]),
        "maps": _maps(sf, info, t, labels) if with_maps else [],
    }


def _export(request: Request, sf: SessionFactoryDep, process_id: int, ext: str) -> Response:
    media_type = EXPORT_TYPES.get(ext)
    if media_type is None:
        raise NotFoundError(f"no agenda export as .{ext}; there are {sorted(EXPORT_TYPES)}")
    languages = (page_language(request),)  # texts in the reader's language, originals kept
    document = agenda.read_agenda(sf, process_id, languages=languages).document
    response: Response
    if ext == "json":
        response = JSONResponse(document.model_dump(mode="json"))
    else:
        body = document.to_csv() if ext == "csv" else document.to_markdown()
        response = Response(body, media_type=media_type)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="agenda-{process_id}.{ext}"'
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/f/p/{process_id}/agenda", name="process_agenda")
def agenda_page(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    done: str | None = None,
    n: int = 0,
) -> Response:
    """Show the joint agenda with forms to rename items and share one-sided statements."""
    process_id = info.id
    context = agenda_context(
        request, sf, process_id, live_url=f"/f/p/{process_id}/agenda/live", with_maps=True
    )
    context.update(
        {
            "tab": "agenda",
            "flash": flash_message(page_translator(request), done, n),
            "editable": True,
            "export_base": f"/f/p/{process_id}/agenda",
            "brief_base": f"/f/p/{process_id}/brief",
        }
    )
    return render(request, "pages/agenda.html", context, facilitator=me.name)


@router.get("/f/p/{process_id}/agenda.{ext}", name="process_agenda_export")
def agenda_export(
    request: Request, info: PageProcessDep, ext: str, sf: SessionFactoryDep
) -> Response:
    """Export the joint agenda as JSON, CSV or Markdown."""
    return _export(request, sf, info.id, ext)


@router.post("/f/p/{process_id}/items/{item_id}/label")
def rename(
    info: PageProcessDep,
    item_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    request: Request,
    label: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
) -> Response:
    """Label an agenda item in a language (by default the page's; kept when items recompute)."""
    chosen = language.strip() or page_language(request)
    agenda_items.rename_item(sf, info.id, item_id, label, language=chosen)
    return RedirectResponse(f"/f/p/{info.id}/agenda?done=renamed#item-{item_id}", status_code=303)


@router.get("/o/{observer_key}", name="observer")
def observer_page(
    request: Request, process_id: ObservedProcessDep, observer_key: str, sf: SessionFactoryDep
) -> Response:
    """Show a process's joint agenda to observers: read-only, no login."""
    context = agenda_context(
        request, sf, process_id, live_url=f"/o/{observer_key}/live", with_maps=False
    )
    context.update(
        {
            "tab": None,
            "flash": None,
            "editable": False,
            "export_base": f"/o/{observer_key}/agenda",
            "brief_base": f"/o/{observer_key}/brief",
            "live_every": "5s",  # within the observer rate limit, a few observers per address
        }
    )
    response = render(request, "pages/agenda_observer.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"  # the key is in the URL
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/o/{observer_key}/agenda.{ext}", name="observer_export")
def observer_export(
    request: Request, process_id: ObservedProcessDep, ext: str, sf: SessionFactoryDep
) -> Response:
    """Export the joint agenda for observers as JSON, CSV or Markdown."""
    response = _export(request, sf, process_id, ext)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
