"""``/conversations/{id}/moderation``: the queue by state, and accept or reject in bulk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from parley.services.accounts import facilitator_info
from parley.services.moderation import moderate, moderation_counts, moderation_queue
from parley.services.numbers import numbers_for

from ..deps import FacilitatorDep, ManagedConversationDep, SessionFactoryDep
from ..schemas import ModerationOut, ModerationRequest, ModerationResult, ModerationStatement

router = APIRouter(prefix="/conversations/{conversation_id}/moderation", tags=["moderation"])

_STATE_NAMES = {-1: "rejected", 0: "unmoderated", 1: "accepted"}


@router.get("", response_model=ModerationOut)
async def queue(
    conversation_id: ManagedConversationDep,
    sf: SessionFactoryDep,
    state: Annotated[int | None, Query(ge=-1, le=1, description="-1, 0 or 1; all if absent")] = 0,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ModerationOut:
    """Return a page of statements in one moderation state (default: waiting, 0)."""

    def read() -> ModerationOut:
        statements = moderation_queue(sf, conversation_id, state=state, offset=offset, limit=limit)
        counts = moderation_counts(sf, conversation_id)
        numbers = numbers_for(sf, [s.id for s in statements])
        return ModerationOut(
            statements=[
                ModerationStatement.model_validate(s, from_attributes=True).model_copy(
                    update={"number": numbers.get(s.id, s.id)}
                )
                for s in statements
            ],
            counts={_STATE_NAMES[k]: v for k, v in counts.items()},
            offset=offset,
            limit=limit,
        )

    return await run_in_threadpool(read)


@router.post("", response_model=ModerationResult)
async def change(
    conversation_id: ManagedConversationDep,
    facilitator_id: FacilitatorDep,
    body: ModerationRequest,
    sf: SessionFactoryDep,
) -> ModerationResult:
    """Accept (1), reject (-1) or re-queue (0) statements of this conversation, all at once."""

    def write() -> int:
        actor = facilitator_info(sf, facilitator_id).name
        return moderate(
            sf,
            body.statement_ids,
            body.state,
            actor=actor,
            reason=body.reason,
            conversation_id=conversation_id,
        )

    return ModerationResult(n_changed=await run_in_threadpool(write))
