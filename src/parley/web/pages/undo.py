"""Confirm, then undo: the facilitator's merge and "share everything" ask first, and can be
undone afterwards.

``GET /f/p/{id}/merge`` and ``GET /f/p/{id}/share-all`` show what would happen with a button
that does it (the ``POST`` twins in ``parley.web.pages.processes``); the statements page lists
the merges and shares not undone yet, each with an Undo button posting here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from parley.errors import NotFoundError
from parley.services import joint, numbers, undo
from parley.web.deps import SessionFactoryDep
from parley.web.pages.access import PageFacilitatorDep, PageProcessDep, process_heading
from parley.web.pages.rendering import render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/f/p/{process_id}/merge", name="confirm_merge")
def confirm_merge(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    keep_id: int,
    drop_id: int,
) -> Response:
    """Ask before a merge: both statements, which one stays, and that it can be undone."""
    placed = {s.id: s for s in joint.joint_statements(sf, info.id)}
    for sid in (keep_id, drop_id):
        if sid not in placed:
            raise NotFoundError(f"statement {sid} is not a joint statement of process {info.id}")
    context = {
        **process_heading(request, info),
        "tab": "statements",
        "flash": None,
        "keep": placed[keep_id],
        "drop": placed[drop_id],
        "numbers": numbers.numbers_for(sf, (keep_id, drop_id)),
    }
    return render(request, "pages/confirm_merge.html", context, facilitator=me.name)


@router.get("/f/p/{process_id}/share-all", name="confirm_share_all")
def confirm_share_all(
    request: Request, info: PageProcessDep, me: PageFacilitatorDep, sf: SessionFactoryDep
) -> Response:
    """Ask before sharing every joint statement with every format: how many copies it makes."""
    placed = joint.joint_statements(sf, info.id)
    n_formats = len(info.formats)
    n_copies = sum(n_formats - len(s.format_names) for s in placed)
    context = {
        **process_heading(request, info),
        "tab": "statements",
        "flash": None,
        "n_copies": n_copies,
    }
    return render(request, "pages/confirm_share_all.html", context, facilitator=me.name)


@router.post("/f/p/{process_id}/merges/{merge_id}/undo")
def unmerge(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    merge_id: int,
) -> Response:
    """Undo a merge: both statements and their votes as before."""
    undo.undo_merge(sf, info.id, merge_id, actor=me.name)
    return RedirectResponse(f"/f/p/{info.id}/statements?done=unmerged", status_code=303)


@router.post("/f/p/{process_id}/shares/{share_id}/undo")
def unshare(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    share_id: int,
) -> Response:
    """Undo a share: its copies leave the formats (votes on them stay in the log)."""
    n = undo.undo_share(sf, info.id, share_id, actor=me.name)
    return RedirectResponse(f"/f/p/{info.id}/statements?done=unshared&n={n}", status_code=303)
