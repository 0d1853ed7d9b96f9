"""Rounds of a process: close one, compare two, the history chart, the brief, live agenda.

Closing a round freezes the stored agenda (``services.rounds``). The rounds page compares any
two rounds, or a round and now (``services.round_changes``), and charts each item's common
ground over the rounds with the same numbers as a table. The brief of a round (or of now) is
served as HTML or PDF (``services.brief``). The agenda's live area polls
``.../live?since=VERSION``: 204 while the stored agenda and its rounds are unchanged, else the
area again; the version is one small read, nothing is computed per viewer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from parley.errors import InputError
from parley.services import agenda, rounds
from parley.services.brief import brief_of, render_brief_html, render_brief_pdf
from parley.services.round_changes import item_history, what_moved
from parley.web import charts
from parley.web.costly import limit_facilitator_work
from parley.web.deps import ObservedProcessDep, SessionFactoryDep
from parley.web.i18n import SUPPORTED_LANGUAGES, text_direction, translator
from parley.web.pages.access import PageFacilitatorDep, PageProcessDep, process_heading
from parley.web.pages.agenda import agenda_context
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep
from parley.web.round_charts import common_ground_over_rounds

__all__ = ["brief_response", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BRIEF_FORMATS = ("html", "pdf")
#: the brief's own policy: its styles are inline (a self-contained file), no script at all
BRIEF_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def brief_response(
    sf: SessionFactoryDep,
    process_id: int,
    *,
    round_number: int | None,
    language: str,
    kind: str,
) -> Response:
    """Return the brief of a round (or of now) as an HTML or PDF download.

    A PDF waits its turn in ``brief.render_brief_pdf``; refused after a long wait, it is a 429.
    """
    if kind not in BRIEF_FORMATS:
        raise InputError(f"format={kind!r} should be one of {', '.join(BRIEF_FORMATS)}")
    if language not in SUPPORTED_LANGUAGES:
        raise InputError(f"lang={language!r} should be one of {', '.join(SUPPORTED_LANGUAGES)}")
    brief = brief_of(sf, process_id, round_number, languages=(language,))
    page = render_brief_html(
        brief, translator(language), language=language, direction=text_direction(language)
    )
    name = f"brief-{process_id}-{'now' if round_number is None else f'round-{round_number}'}"
    response: Response
    if kind == "pdf":
        response = Response(render_brief_pdf(page), media_type="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HTMLResponse(page)
        response.headers["Content-Disposition"] = f'inline; filename="{name}.html"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = BRIEF_POLICY
    return response


def _language(request: Request, lang: str | None) -> str:
    return page_language(request) if lang is None else lang


@router.post("/f/p/{process_id}/rounds", name="close_round")
def close_round(
    info: PageProcessDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    note: Annotated[str, Form(max_length=rounds.MAX_NOTE_LENGTH)] = "",
) -> Response:
    """Close the current round: freeze the joint agenda as it stands, dated and numbered."""
    closed = rounds.close_round(sf, info.id, note=note)
    return RedirectResponse(
        f"/f/p/{info.id}/agenda?done=round_closed&n={closed.number}#rounds", status_code=303
    )


@router.get("/f/p/{process_id}/brief", name="process_brief")
async def process_brief(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    round: int | None = None,
    lang: str | None = None,
    format: str = "html",
) -> Response:
    """Download the brief of a round (or of now) as HTML or PDF."""
    if format == "pdf":
        limit_facilitator_work(request, me.id, what="briefs as PDF")
    return await run_in_threadpool(
        brief_response,
        sf,
        info.id,
        round_number=round,
        language=_language(request, lang),
        kind=format,
    )


@router.get("/o/{observer_key}/brief", name="observer_brief")
async def observer_brief(
    request: Request,
    process_id: ObservedProcessDep,
    sf: SessionFactoryDep,
    round: int | None = None,
    lang: str | None = None,
    format: str = "html",
) -> Response:
    """Download the brief for observers (the observer rate limit applies)."""
    response = await run_in_threadpool(
        brief_response,
        sf,
        process_id,
        round_number=round,
        language=_language(request, lang),
        kind=format,
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _round_label(number: int | None, t: Any) -> str:
    return str(t("rounds.now")) if number is None else str(t("rounds.round_n", n=number))


@router.get("/f/p/{process_id}/rounds", name="process_rounds")
def rounds_page(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    since: int | None = None,
    until: int | None = None,
) -> Response:
    """Compare two rounds (or a round and now) and chart each item's common ground."""
    t = page_translator(request)
    closed = rounds.list_rounds(sf, info.id)
    now = agenda.read_agenda(sf, info.id, languages=(page_language(request),)).document
    if since is None and closed:
        since = closed[-1].number if until is None else max(1, until - 1)
    before = None if since is None else rounds.read_round(sf, info.id, since)
    after = now if until is None else rounds.read_round(sf, info.id, until)
    if since is not None and until is not None and since >= until:
        raise InputError(f"since={since} should be an earlier round than until={until}")
    documents = [rounds.read_round(sf, info.id, r.number) for r in closed] + [now]
    columns = [_round_label(r.number, t) for r in closed] + [_round_label(None, t)]
    history = item_history(documents)
    context = {
        **process_heading(request, info),
        "tab": "agenda",
        "flash": None,
        "rounds": closed,
        "since": since,
        "until": until,
        "moved": None if before is None else what_moved(before, after).named(now.format_labels()),
        "columns": columns,
        "history": history,
        "history_figure": (
            charts.figure_json(common_ground_over_rounds(history, columns, t)) if closed else None
        ),
    }
    return render(request, "pages/rounds.html", context, facilitator=me.name)


@router.get("/f/p/{process_id}/agenda/live", name="process_agenda_live")
def agenda_live(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    since: str | None = None,
) -> Response:
    """Return the agenda area when the stored agenda changed since ``since``, else 204."""
    if since is not None and since == rounds.agenda_version(sf, info.id):
        return Response(status_code=204)
    context = agenda_context(
        request, sf, info.id, live_url=f"/f/p/{info.id}/agenda/live", with_maps=True
    )
    context.update(
        editable=True,
        export_base=f"/f/p/{info.id}/agenda",
        brief_base=f"/f/p/{info.id}/brief",
    )
    return render(request, "pages/agenda_body.html", context, facilitator=me.name)


@router.get("/o/{observer_key}/live", name="observer_live")
def observer_live(
    request: Request,
    process_id: ObservedProcessDep,
    observer_key: str,
    sf: SessionFactoryDep,
    since: str | None = None,
) -> Response:
    """Return the observers' agenda area when it changed since ``since``, else 204."""
    if since is not None and since == rounds.agenda_version(sf, process_id):
        response = Response(status_code=204)
    else:
        context = agenda_context(
            request, sf, process_id, live_url=f"/o/{observer_key}/live", with_maps=False
        )
        context.update(
            editable=False,
            live_every="5s",
            export_base=f"/o/{observer_key}/agenda",
            brief_base=f"/o/{observer_key}/brief",
        )
        response = render(request, "pages/agenda_body.html", context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
