"""Facilitator pages for translations: a process's name, description and format names in
other languages, and machine translation runs on demand. The rules are in
``services.translations`` and ``services.process_texts``; each action calls the same service
function as its API twin. Agenda items are labelled per language on the agenda page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from parley.errors import InputError, UnavailableError
from parley.services import process_texts
from parley.services.machine_translation import machine_translator, translate_process
from parley.web.costly import limit_facilitator_work
from parley.web.deps import SessionFactoryDep, SettingsDep
from parley.web.pages.access import PageFacilitatorDep, PageProcessDep
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.post("/f/p/{process_id}/texts")
def save_text(
    info: PageProcessDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    what: Annotated[str, Form(max_length=40)] = "",
    language: Annotated[str, Form(max_length=35)] = "",
    text: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    """Store a translation of the process's name, description or a format name."""
    kind, _sep, ref = what.partition(":")
    if not ref.isdigit():
        raise InputError(f"what={what!r} should look like 'name:0' or 'format:12'")
    process_texts.set_text_translation(sf, info.id, kind, int(ref), language.strip(), text)
    return RedirectResponse(f"/f/p/{info.id}?done=texts_saved#texts", status_code=303)


@router.post("/f/p/{process_id}/machine-translations")
async def machine_translate(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    settings: SettingsDep,
    _: PageCsrfDep,
) -> Response:
    """Machine-translate the statements that lack a translation; a failure is a message."""
    limit_facilitator_work(request, me.id, what="look-alike listings and reclusterings")

    def run() -> tuple[int, bool]:
        try:
            translator = machine_translator(settings)
        except (InputError, UnavailableError):
            return 0, False
        if translator is None:
            return 0, False
        done = translate_process(sf, info.id, translator)
        return done.n_translated, done.error is None

    n, ok = await run_in_threadpool(run)
    done = "machine_done" if ok else "machine_failed"
    return RedirectResponse(f"/f/p/{info.id}?done={done}&n={n}#texts", status_code=303)
