"""``/processes``: formats in parallel, shared statements, the joint agenda; ``/observe/{key}``.

A facilitator manages the processes they created and those without an owner (as with
conversations). Observers read a process's agenda with its observer key and no login. Every
read serves the agenda the analysis worker stored (``services.agenda``); ``POST
.../items/refresh`` reclusters the agenda items at once. Each route calls the same service
function as its page twin, which holds the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from parley.db.engine import SessionFactory
from parley.services.accounts import facilitator_info
from parley.services.agenda import read_agenda
from parley.services.agenda_document import AgendaDocument
from parley.services.agenda_items import refresh_agenda_items, rename_item
from parley.services.duplicates import duplicate_pairs
from parley.services.formats import FormatInfo, add_format, attach_conversation
from parley.services.joint import JointStatement
from parley.services.merging import merge_statements
from parley.services.numbers import numbers_for
from parley.services.processes import (
    ProcessInfo,
    create_process,
    list_processes,
    process_info,
    set_process_settings,
)
from parley.services.sharing import Copies, auto_share, share_statement

from ..costly import limit_facilitator_work
from ..deps import FacilitatorDep, ManagedProcessDep, ObservedProcessDep, SessionFactoryDep
from ..i18n import negotiate_language
from ..reading import ReaderLanguagesDep
from ..schemas.processes import (
    AgendaOut,
    AutoShareRule,
    DuplicateOut,
    FormatCreate,
    FormatOut,
    ItemLabel,
    ItemsRefreshed,
    JointStatementOut,
    MergedOut,
    MergeRequest,
    ProcessCreate,
    ProcessOut,
    ProcessSettingsIn,
    SharedOut,
    ShareRequest,
)

router = APIRouter(tags=["processes"])

_PROCESS = "/processes/{process_id}"
_CSV = "text/csv; charset=utf-8"
_MARKDOWN = "text/markdown; charset=utf-8"


def _format_out(info: FormatInfo) -> FormatOut:
    return FormatOut(
        id=info.id,
        name=info.name,
        conversation_id=info.conversation_id,
        position=info.position,
        n_members=info.n_members,
        n_statements=info.n_statements,
        join_url=info.join_path or f"/c/{info.conversation_id}",
    )


def _process_out(info: ProcessInfo) -> ProcessOut:
    share = info.auto_share
    return ProcessOut(
        id=info.id,
        name=info.name,
        description=info.description,
        min_votes=info.min_votes,
        min_group_size=info.settings.min_group_size,
        auto_share=(
            None
            if share is None
            else AutoShareRule(min_votes=share.min_votes, min_agree=share.min_agree)
        ),
        observer_key=info.observer_key,
        formats=[_format_out(f) for f in info.formats],
    )


def _joint_out(statement: JointStatement, numbers: Mapping[int, int]) -> JointStatementOut:
    return JointStatementOut(
        id=statement.id,
        number=numbers.get(statement.id, statement.id),
        text=statement.text,
        language=statement.language,
        format=statement.format_name,
    )


@router.post("/processes", status_code=status.HTTP_201_CREATED, response_model=ProcessOut)
async def create(
    body: ProcessCreate, facilitator_id: FacilitatorDep, sf: SessionFactoryDep
) -> ProcessOut:
    """Create a process owned by the calling facilitator, with a conversation per format."""

    def write() -> ProcessInfo:
        process_id = create_process(
            sf,
            facilitator_id=facilitator_id,
            name=body.name,
            formats=body.formats,
            description=body.description,
            languages=body.languages,
            moderation_mode=body.moderation_mode,
            settings=body.to_settings(),
        )
        return process_info(sf, process_id)

    return _process_out(await run_in_threadpool(write))


@router.get("/processes", response_model=list[ProcessOut])
async def list_mine(facilitator_id: FacilitatorDep, sf: SessionFactoryDep) -> list[ProcessOut]:
    """List the processes the facilitator may manage, newest first."""
    infos = await run_in_threadpool(list_processes, sf, facilitator_id)
    return [_process_out(info) for info in infos]


@router.get(_PROCESS, response_model=ProcessOut)
async def read(info: ManagedProcessDep) -> ProcessOut:
    """Return the process, its settings, formats (with join paths) and observer key."""
    return _process_out(info)


@router.post(f"{_PROCESS}/formats", status_code=status.HTTP_201_CREATED, response_model=FormatOut)
async def create_format(
    info: ManagedProcessDep,
    body: FormatCreate,
    facilitator_id: FacilitatorDep,
    sf: SessionFactoryDep,
) -> FormatOut:
    """Add a format to the process, after the others: a new conversation or an existing one."""

    def write() -> FormatInfo:
        if body.conversation_id is not None:
            return attach_conversation(
                sf, info.id, body.conversation_id, body.name, facilitator_id=facilitator_id
            )
        return add_format(
            sf, info.id, body.name, languages=body.languages, moderation_mode=body.moderation_mode
        )

    return _format_out(await run_in_threadpool(write))


@router.put(f"{_PROCESS}/settings", response_model=ProcessOut)
async def settings(
    info: ManagedProcessDep, body: ProcessSettingsIn, sf: SessionFactoryDep
) -> ProcessOut:
    """Set the agenda's minimum votes per format and the auto-share rule (null turns it off)."""

    def write() -> ProcessInfo:
        set_process_settings(sf, info.id, body.to_settings())
        return process_info(sf, info.id)

    return _process_out(await run_in_threadpool(write))


@router.post(f"{_PROCESS}/share", response_model=SharedOut)
async def share(
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    body: ShareRequest,
    sf: SessionFactoryDep,
) -> SharedOut:
    """Share a statement of the process into other formats (all of them by default)."""

    def write() -> Copies:
        return share_statement(
            sf,
            body.statement_id,
            process_id=info.id,
            format_ids=body.format_ids,
            actor=facilitator_info(sf, facilitator_id).name,
        )

    copies = await run_in_threadpool(write)
    return SharedOut(created=list(copies), share_id=copies.action_id)


@router.post(f"{_PROCESS}/auto-share", response_model=SharedOut)
async def share_supported(info: ManagedProcessDep, sf: SessionFactoryDep) -> SharedOut:
    """Share every statement its own format supports as the auto-share rule asks (now)."""
    return SharedOut(created=await run_in_threadpool(auto_share, sf, info.id))


@router.post(f"{_PROCESS}/merge", response_model=MergedOut)
async def merge(
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    body: MergeRequest,
    sf: SessionFactoryDep,
) -> MergedOut:
    """Merge duplicate ``drop_id`` into ``keep_id``: in one format votes join, across formats
    ``drop_id`` becomes a copy of ``keep_id``'s joint statement. Undo: ``.../merges/{id}/undo``.
    """

    def write() -> int:
        actor = facilitator_info(sf, facilitator_id).name
        return merge_statements(sf, body.keep_id, body.drop_id, process_id=info.id, actor=actor)

    return MergedOut(merge_id=await run_in_threadpool(write))


def _read(sf: SessionFactory, process_id: int, languages: tuple[str, ...]) -> AgendaDocument:
    return read_agenda(sf, process_id, languages=languages).document


@router.get(f"{_PROCESS}/agenda", response_model=AgendaOut)
async def agenda(
    info: ManagedProcessDep, sf: SessionFactoryDep, languages: ReaderLanguagesDep
) -> AgendaOut:
    """Return the stored joint agenda: items best first, each statement's counts per format.

    ``computed_at`` is null (and ``items`` empty) until the analysis worker has computed it.
    Texts and item labels come in the reader's language (``?lang=``) where translated.
    """
    return await run_in_threadpool(_read, sf, info.id, languages)


@router.get(
    f"{_PROCESS}/agenda.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per statement."}},
)
async def agenda_csv(
    info: ManagedProcessDep, sf: SessionFactoryDep, languages: ReaderLanguagesDep
) -> Response:
    """Return the agenda as CSV: one row per statement, items best first, counts per format."""
    document = await run_in_threadpool(_read, sf, info.id, languages)
    return Response(
        document.to_csv(),
        media_type=_CSV,
        headers={"Content-Disposition": f'attachment; filename="process-{info.id}-agenda.csv"'},
    )


@router.get(
    f"{_PROCESS}/agenda.md",
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}}, "description": "A Markdown document."}},
)
async def agenda_markdown(
    info: ManagedProcessDep, sf: SessionFactoryDep, languages: ReaderLanguagesDep
) -> Response:
    """Return the agenda as a Markdown document: items best first, stances per format."""
    document = await run_in_threadpool(_read, sf, info.id, languages)
    return Response(document.to_markdown(), media_type=_MARKDOWN)


@router.get(f"{_PROCESS}/duplicates", response_model=list[DuplicateOut])
async def duplicates(
    request: Request,
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    sf: SessionFactoryDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DuplicateOut]:
    """List look-alike joint statements (any language), with the vote test once people voted."""
    limit_facilitator_work(request, facilitator_id, what="look-alike listings and reclusterings")
    pairs = await run_in_threadpool(lambda: duplicate_pairs(sf, info.id, limit=limit))
    ids = [s.id for p in pairs for s in (p.a, p.b)]
    numbers = await run_in_threadpool(numbers_for, sf, ids)
    return [
        DuplicateOut(
            a=_joint_out(p.a, numbers),
            b=_joint_out(p.b, numbers),
            score=p.score,
            verdict=None if p.votes is None else p.votes.verdict,
            n_co_voters=0 if p.votes is None else p.votes.n_co_voters,
        )
        for p in pairs
    ]


@router.put(f"{_PROCESS}/items/{{item_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def rename(
    request: Request,
    info: ManagedProcessDep,
    item_id: int,
    body: ItemLabel,
    sf: SessionFactoryDep,
) -> Response:
    """Label an agenda item in a language; the label is kept when the items are recomputed.

    Without ``language`` the label is for the client's language (Accept-Language, else en).
    """
    language = body.language or negotiate_language(
        accept_language=request.headers.get("accept-language")
    )
    await run_in_threadpool(
        lambda: rename_item(sf, info.id, item_id, body.label, language=language)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(f"{_PROCESS}/items/refresh", response_model=ItemsRefreshed)
async def refresh_items(
    request: Request,
    info: ManagedProcessDep,
    facilitator_id: FacilitatorDep,
    sf: SessionFactoryDep,
    force: Annotated[bool, Query(description="recluster even when every statement has one")] = (
        False
    ),
) -> ItemsRefreshed:
    """Cluster the joint statements into agenda items (embedding them first where needed)."""
    limit_facilitator_work(request, facilitator_id, what="look-alike listings and reclusterings")
    n_items = await run_in_threadpool(lambda: refresh_agenda_items(sf, info.id, force=force))
    return ItemsRefreshed(n_items=n_items)


@router.get("/observe/{observer_key}/agenda", response_model=AgendaOut)
async def observe_agenda(
    process_id: ObservedProcessDep, sf: SessionFactoryDep, languages: ReaderLanguagesDep
) -> AgendaOut:
    """Return a process's stored joint agenda to an observer holding its key (no login)."""
    return await run_in_threadpool(_read, sf, process_id, languages)
