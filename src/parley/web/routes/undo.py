"""``/processes/{id}``: share everything at once, and undo a merge or a share.

Each merge and share a facilitator makes is recorded (``services.undo``); ``GET .../actions``
lists those not undone yet, newest first, each with the URL that undoes it.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool

from parley.services.accounts import facilitator_info
from parley.services.sharing import Copies, share_everything
from parley.services.undo import recent_actions, undo_merge, undo_share

from ..deps import FacilitatorDep, ManagedProcessDep, SessionFactoryDep
from ..schemas.processes import ActionOut, SharedOut, UndoneOut

router = APIRouter(tags=["processes"])

_PROCESS = "/processes/{process_id}"


def undo_path(process_id: int, kind: str, action_id: int) -> str:
    """Return the API path that undoes a merge or a share."""
    return f"/api/v1/processes/{process_id}/{kind}s/{action_id}/undo"


@router.post(f"{_PROCESS}/share-all", response_model=SharedOut)
async def share_all(
    info: ManagedProcessDep, facilitator_id: FacilitatorDep, sf: SessionFactoryDep
) -> SharedOut:
    """Share every visible joint statement with every format that lacks it (undoable)."""

    def write() -> Copies:
        return share_everything(sf, info.id, actor=facilitator_info(sf, facilitator_id).name)

    copies = await run_in_threadpool(write)
    return SharedOut(created=list(copies), share_id=copies.action_id)


@router.get(f"{_PROCESS}/actions", response_model=list[ActionOut])
async def actions(info: ManagedProcessDep, sf: SessionFactoryDep) -> list[ActionOut]:
    """List the merges and shares that can still be undone, newest first."""
    found = await run_in_threadpool(recent_actions, sf, info.id)
    return [
        ActionOut(
            id=a.id,
            kind="merge" if a.kind == "merge" else "share",
            actor=a.actor,
            created_at=a.created_at,
            statement_ids=list(a.statement_ids),
            undo_url=undo_path(info.id, a.kind, a.id),
        )
        for a in found
    ]


@router.post(f"{_PROCESS}/merges/{{merge_id}}/undo", status_code=status.HTTP_204_NO_CONTENT)
async def unmerge(
    info: ManagedProcessDep, merge_id: int, facilitator_id: FacilitatorDep, sf: SessionFactoryDep
) -> Response:
    """Undo a merge: both statements and their votes as before (votes cast since stay)."""

    def write() -> None:
        undo_merge(sf, info.id, merge_id, actor=facilitator_info(sf, facilitator_id).name)

    await run_in_threadpool(write)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(f"{_PROCESS}/shares/{{share_id}}/undo", response_model=UndoneOut)
async def unshare(
    info: ManagedProcessDep, share_id: int, facilitator_id: FacilitatorDep, sf: SessionFactoryDep
) -> UndoneOut:
    """Undo a share: its copies leave the formats (those with votes keep them, rejected)."""

    def write() -> int:
        return undo_share(sf, info.id, share_id, actor=facilitator_info(sf, facilitator_id).name)

    return UndoneOut(n_copies=await run_in_threadpool(write))
