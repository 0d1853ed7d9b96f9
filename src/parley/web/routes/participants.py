"""``/conversations/{id}/participants``: join (no login needed) and see your progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from parley.services.participants import join_by_link, participant_progress

from ..costly import limit_join
from ..deps import ParticipantDep, SessionFactoryDep
from ..runtime import runtime_of
from ..schemas import Joined, JoinRequest, ParticipantOut

router = APIRouter(prefix="/conversations/{conversation_id}/participants", tags=["participants"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Joined)
async def join(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    body: JoinRequest | None = None,
    key: Annotated[
        str | None, Query(max_length=64, description="a members-only conversation's join key")
    ] = None,
) -> Joined:
    """Join the conversation; the token in the answer is shown only this once.

    A members-only conversation (a process's format) needs the ``key`` of its join link.
    """
    limit_join(request)
    xid = body.xid if body is not None else None
    participant_id, token = await run_in_threadpool(
        lambda: join_by_link(sf, conversation_id, key=key, xid=xid)
    )
    runtime_of(request).participants.put(conversation_id, token, participant_id)
    return Joined(id=participant_id, token=token)


@router.get("/me", response_model=ParticipantOut)
async def me(
    conversation_id: int, participant_id: ParticipantDep, sf: SessionFactoryDep
) -> ParticipantOut:
    """Return the participant's id and how many of the visible statements they voted on."""
    progress = await run_in_threadpool(participant_progress, sf, conversation_id, participant_id)
    return ParticipantOut(
        id=participant_id,
        conversation_id=conversation_id,
        n_voted=progress.n_voted,
        n_total=progress.n_total,
    )
