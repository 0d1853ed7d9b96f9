"""``/conversations/{id}/votes``: vote as yourself; answered only once the vote is durable.

The hottest path of the app: it takes no FastAPI dependencies (each costs tens of
microseconds to solve) and authenticates the participant by calling the dependency function
itself.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from parley.services.votes import MAX_IDEMPOTENCY_KEY_LENGTH

from ..actions import submit_vote
from ..deps import BEARER_SECURITY, current_participant
from ..schemas import VoteCreate, VoteOut

router = APIRouter(prefix="/conversations/{conversation_id}/votes", tags=["votes"])

_KEY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Same as the body's idempotency_key (the body wins when both are given).",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH},
}


@router.post(
    "",
    response_model=VoteOut,
    openapi_extra={"security": BEARER_SECURITY, "parameters": [_KEY_HEADER]},
)
async def vote(request: Request, conversation_id: int, body: VoteCreate) -> VoteOut:
    """Record the participant's vote (agree 1, disagree -1, pass 0); 200 once committed."""
    participant_id = await current_participant(request, conversation_id)
    is_recorded = await submit_vote(
        request,
        conversation_id=conversation_id,
        participant_id=participant_id,
        statement_id=body.statement_id,
        value=body.vote,
        idempotency_key=body.idempotency_key or request.headers.get("idempotency-key") or None,
    )
    return VoteOut(statement_id=body.statement_id, vote=body.vote, is_recorded=is_recorded)
