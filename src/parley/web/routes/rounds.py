"""``/processes/{id}/rounds``: close a round, list them, read one; what moved; the brief.

A closed round is the stored agenda frozen when the facilitator closed it
(``services.rounds``); ``/changes`` tells what moved between two rounds, or from the last
round to now (``services.round_changes``); ``/brief`` is the printable document of a round
or of now, as HTML or PDF (``services.brief``), the same as the page's download.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from parley.errors import InputError
from parley.services.agenda import read_agenda
from parley.services.agenda_document import AgendaDocument
from parley.services.round_changes import RoundChanges, what_moved
from parley.services.rounds import close_round, list_rounds, read_round

from ..costly import limit_facilitator_work
from ..deps import FacilitatorDep, ManagedProcessDep, SessionFactoryDep
from ..i18n import DEFAULT_LANGUAGE
from ..pages.rounds import brief_response
from ..schemas.rounds import RoundClose, RoundOut

router = APIRouter(tags=["rounds"])

_PROCESS = "/processes/{process_id}"
RoundNumber = Annotated[int, Query(ge=1, le=1_000_000)]


@router.get(f"{_PROCESS}/rounds", response_model=list[RoundOut])
async def rounds(info: ManagedProcessDep, sf: SessionFactoryDep) -> list[RoundOut]:
    """List the process's closed rounds, first first."""
    found = await run_in_threadpool(list_rounds, sf, info.id)
    return [RoundOut(**asdict(r)) for r in found]


@router.post(f"{_PROCESS}/rounds", status_code=status.HTTP_201_CREATED, response_model=RoundOut)
async def close(info: ManagedProcessDep, body: RoundClose, sf: SessionFactoryDep) -> RoundOut:
    """Close the current round: freeze the stored agenda as the next numbered round."""
    closed = await run_in_threadpool(lambda: close_round(sf, info.id, note=body.note))
    return RoundOut(**asdict(closed))


@router.get(f"{_PROCESS}/rounds/{{number}}", response_model=AgendaDocument)
async def read(info: ManagedProcessDep, number: int, sf: SessionFactoryDep) -> AgendaDocument:
    """Return the agenda document frozen when round ``number`` closed."""
    return await run_in_threadpool(read_round, sf, info.id, number)


@router.get(f"{_PROCESS}/changes", response_model=RoundChanges)
async def changes(
    info: ManagedProcessDep,
    sf: SessionFactoryDep,
    since: RoundNumber,
    until: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> RoundChanges:
    """Return what moved from round ``since`` to round ``until`` (absent: to now)."""
    if until is not None and until <= since:
        raise InputError(f"until={until} should be a later round than since={since}")

    def read() -> RoundChanges:
        before = read_round(sf, info.id, since)
        after = (
            read_agenda(sf, info.id).document if until is None else read_round(sf, info.id, until)
        )
        return what_moved(before, after)

    return await run_in_threadpool(read)


@router.get(
    f"{_PROCESS}/brief",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}, "text/html": {}},
            "description": "The brief of a round (or of now) as PDF or HTML.",
        }
    },
)
async def brief(
    request: Request,
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    sf: SessionFactoryDep,
    round: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    lang: Annotated[str, Query(max_length=8)] = DEFAULT_LANGUAGE,
    format: Literal["pdf", "html"] = "pdf",
) -> Response:
    """Return the brief of round ``round`` (absent: of now) in language ``lang``."""
    if format == "pdf":
        limit_facilitator_work(request, facilitator_id, what="briefs as PDF")
    return await run_in_threadpool(
        lambda: brief_response(sf, info.id, round_number=round, language=lang, kind=format)
    )
