"""The joint agenda of a process: the facilitator's page, its exports, the observers' view.

Items come best first; each statement shows its text in its original language, where it was
written, its scores and the stance of every format as a stacked bar (plain HTML and CSS,
with the counts as text). Below, each format's opinion map from its latest analysis.
Observers read the same agenda at ``/o/{observer_key}``, without a login and without forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from parley.errors import NotFoundError
from parley.services import process_agenda, processes, results
from parley.services.process_agenda import ProcessAgenda
from parley.services.processes import ProcessInfo
from parley.web import charts
from parley.web.costly import OBSERVER_BURST as OBSERVER_BURST  # the page shares the API's
from parley.web.costly import limit_observer
from parley.web.deps import SessionFactoryDep
from parley.web.i18n import Translator
from parley.web.pages.access import PageFacilitatorDep
from parley.web.pages.processes import flash_message, managed_process
from parley.web.pages.rendering import page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KINDS = ("common", "contested", "rejected", "one-sided")
STANCES = ("agree", "disagree", "pass")
MAP_HEIGHT = 380
EXPORT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def _stance(name: str, counts: Mapping[str, int]) -> dict[str, Any]:
    """One format's stance on a statement: counts and percentages of its votes."""
    n = sum(counts[what] for what in STANCES)
    percent = {what: round(100.0 * counts[what] / n, 1) if n else 0.0 for what in STANCES}
    return {"format": name, "n": n, **{what: counts[what] for what in STANCES}, "pct": percent}


def _statement(entry: Mapping[str, Any], holders: Sequence[str]) -> dict[str, Any]:
    wanted = entry.get("share_with") or []
    return {
        **entry,
        "stances": [_stance(name, counts) for name, counts in entry["by_format"].items()],
        "share_to": [name for name in wanted if name not in holders],
        "waiting": [name for name in wanted if name in holders],
    }


def _group_of(entry: Mapping[str, Any]) -> str:
    """Where a statement is listed: its kind, or "rejected" when every format rejects it."""
    return "rejected" if entry.get("rejected_by_all") else str(entry["kind"])


def agenda_items(agenda: ProcessAgenda, holders: Mapping[int, Sequence[str]]) -> list[Any]:
    """Return the agenda's items best first, their statements grouped by kind, for a page."""
    out = []
    for item in agenda.to_list():
        statements = [_statement(s, holders.get(s["id"], ())) for s in item["statements"]]
        groups = [(kind, [s for s in statements if _group_of(s) == kind]) for kind in KINDS]
        out.append({**item, "groups": [(kind, chosen) for kind, chosen in groups if chosen]})
    return out


def _maps(sf: SessionFactoryDep, info: ProcessInfo, t: Translator) -> list[dict[str, Any]]:
    """Each format's opinion map from its latest stored analysis (None before the first)."""
    out = []
    for fmt in info.formats:
        data = results.latest_analysis(sf, fmt.conversation_id)
        figure = None
        if data:
            texts = {int(s["id"]): s.get("text") or "" for s in data.get("statements", [])}
            fig = charts.opinion_map(data, t, texts=texts, height=MAP_HEIGHT)
            figure = charts.figure_json(fig)
        out.append({"format": fmt, "figure": figure, "analysis": data})
    return out


def _agenda_context(request: Request, sf: SessionFactoryDep, process_id: int) -> dict[str, Any]:
    agenda = process_agenda.process_agenda(sf, process_id)
    holders = {sid: s.format_names for sid, s in agenda.statements.items()}
    t = page_translator(request)
    joint = agenda.joint_map()
    joint_figure = None
    if joint["participants"]:
        joint_figure = charts.figure_json(charts.opinion_map(joint, t, height=MAP_HEIGHT))
    return {
        "process": agenda.process,
        "n_participants": agenda.n_participants,
        "items": agenda_items(agenda, holders),
        "joint_map": joint_figure,
        "n_mapped": len(joint["participants"]),
        "maps": _maps(sf, agenda.process, t),
    }


def _export(sf: SessionFactoryDep, process_id: int, ext: str) -> Response:
    media_type = EXPORT_TYPES.get(ext)
    if media_type is None:
        raise NotFoundError(f"no agenda export as .{ext}; there are {sorted(EXPORT_TYPES)}")
    agenda = process_agenda.process_agenda(sf, process_id)
    response: Response
    if ext == "json":
        response = JSONResponse(agenda.document())
    else:
        body = agenda.to_csv() if ext == "csv" else agenda.to_markdown()
        response = Response(body, media_type=media_type)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="agenda-{process_id}.{ext}"'
        )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/f/p/{process_id}/agenda", name="process_agenda")
def agenda_page(
    request: Request,
    process_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    done: str | None = None,
    n: int = 0,
) -> Response:
    """Show the joint agenda with forms to rename items and share one-sided statements."""
    managed_process(sf, me.id, process_id)
    context = _agenda_context(request, sf, process_id)
    context.update(
        {
            "tab": "agenda",
            "flash": flash_message(page_translator(request), done, n),
            "editable": True,
            "export_base": f"/f/p/{process_id}/agenda",
        }
    )
    return render(request, "pages/agenda.html", context, facilitator=me.name)


@router.get("/f/p/{process_id}/agenda.{ext}", name="process_agenda_export")
def agenda_export(
    process_id: int, ext: str, me: PageFacilitatorDep, sf: SessionFactoryDep
) -> Response:
    """Export the joint agenda as JSON, CSV or Markdown."""
    managed_process(sf, me.id, process_id)
    return _export(sf, process_id, ext)


@router.post("/f/p/{process_id}/items/{item_id}/label")
def rename(
    process_id: int,
    item_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    label: Annotated[str, Form()] = "",
) -> Response:
    """Give an agenda item a label of the facilitator's (kept when items are recomputed)."""
    managed_process(sf, me.id, process_id)
    process_agenda.rename_item(sf, process_id, item_id, label)
    return RedirectResponse(
        f"/f/p/{process_id}/agenda?done=renamed#item-{item_id}", status_code=303
    )


def _observed(request: Request, sf: SessionFactoryDep, key: str) -> int:
    """Return the process of an observer key, within the address's observer rate."""
    limit_observer(request)
    process_id = processes.process_for_observer(sf, key)
    if process_id is None:
        raise NotFoundError("no process has this observer key")
    return process_id


@router.get("/o/{observer_key}", name="observer")
def observer_page(request: Request, observer_key: str, sf: SessionFactoryDep) -> Response:
    """Show a process's joint agenda to observers: read-only, no login."""
    process_id = _observed(request, sf, observer_key)
    context = _agenda_context(request, sf, process_id)
    context.update(
        {"tab": None, "flash": None, "editable": False, "export_base": f"/o/{observer_key}/agenda"}
    )
    response = render(request, "pages/agenda_observer.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"  # the key is in the URL
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/o/{observer_key}/agenda.{ext}", name="observer_export")
def observer_export(
    request: Request, observer_key: str, ext: str, sf: SessionFactoryDep
) -> Response:
    """Export the joint agenda for observers as JSON, CSV or Markdown."""
    response = _export(sf, _observed(request, sf, observer_key), ext)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
