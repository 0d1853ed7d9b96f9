"""``/conversations``: create one (facilitator), list yours, read one (who may, see rules)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status
from starlette.concurrency import run_in_threadpool

from parley.services.conversations import (
    conversation_summary,
    create_conversation,
    list_conversations,
)

from ..deps import FacilitatorDep, ReadableConversationDep, SessionFactoryDep
from ..schemas import ConversationCreate, ConversationOut, Created

router = APIRouter(prefix="/conversations", tags=["conversations"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Created)
async def create(
    body: ConversationCreate, facilitator_id: FacilitatorDep, sf: SessionFactoryDep
) -> Created:
    """Create a conversation owned by the calling facilitator."""
    conversation_id = await run_in_threadpool(
        lambda: create_conversation(
            sf,
            facilitator_id=facilitator_id,
            topic=body.topic,
            description=body.description,
            languages=body.languages,
            moderation_mode=body.moderation_mode,
            visibility=body.visibility,
            min_group_size=body.min_group_size,
        )
    )
    return Created(id=conversation_id)


@router.get("", response_model=list[ConversationOut])
async def list_mine(facilitator_id: FacilitatorDep, sf: SessionFactoryDep) -> list[ConversationOut]:
    """List the conversations the facilitator may manage, newest first."""
    infos = await run_in_threadpool(list_conversations, sf, facilitator_id)
    return [ConversationOut.model_validate(asdict(info)) for info in infos]


@router.get("/{conversation_id}", response_model=ConversationOut)
async def read(conversation_id: ReadableConversationDep, sf: SessionFactoryDep) -> ConversationOut:
    """Return a conversation's topic, description, languages and counts (if you may read it)."""
    info = await run_in_threadpool(conversation_summary, sf, conversation_id)
    return ConversationOut.model_validate(asdict(info))
