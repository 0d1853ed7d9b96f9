"""``/conversations``: create one (facilitator), list yours, read one, close one, its privacy.

A closed conversation takes no votes or statements (``rules.check_open``); reopening it
lets them in again.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status
from starlette.concurrency import run_in_threadpool

from parley.services.conversations import (
    conversation_summary,
    create_conversation,
    list_conversations,
    privacy_of,
    set_closed,
    set_privacy,
)

from ..deps import (
    FacilitatorDep,
    ManagedConversationDep,
    ReadableConversationDep,
    SessionFactoryDep,
)
from ..schemas import ConversationCreate, ConversationOut, Created, PrivacyIn, PrivacyOut

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


async def _set_closed(sf: SessionFactoryDep, conversation_id: int, closed: bool) -> ConversationOut:
    def write() -> ConversationOut:
        set_closed(sf, conversation_id, closed=closed)
        return ConversationOut.model_validate(asdict(conversation_summary(sf, conversation_id)))

    return await run_in_threadpool(write)


@router.post("/{conversation_id}/close", response_model=ConversationOut)
async def close(conversation_id: ManagedConversationDep, sf: SessionFactoryDep) -> ConversationOut:
    """Close the conversation: it takes no more votes or statements (409 for them)."""
    return await _set_closed(sf, conversation_id, True)


@router.post("/{conversation_id}/reopen", response_model=ConversationOut)
async def reopen(conversation_id: ManagedConversationDep, sf: SessionFactoryDep) -> ConversationOut:
    """Open a closed conversation again for votes and statements."""
    return await _set_closed(sf, conversation_id, False)


@router.get("/{conversation_id}/privacy", response_model=PrivacyOut)
async def privacy(conversation_id: ManagedConversationDep, sf: SessionFactoryDep) -> PrivacyOut:
    """Who may read the conversation, its minimum group size and its join link (owner)."""
    info = await run_in_threadpool(privacy_of, sf, conversation_id)
    return PrivacyOut.model_validate(info)


@router.put("/{conversation_id}/privacy", response_model=PrivacyOut)
async def change_privacy(
    body: PrivacyIn, conversation_id: ManagedConversationDep, sf: SessionFactoryDep
) -> PrivacyOut:
    """Make the conversation public or members-only and set its own minimum group size."""

    def write() -> PrivacyOut:
        set_privacy(
            sf, conversation_id, visibility=body.visibility, min_group_size=body.min_group_size
        )
        return PrivacyOut.model_validate(privacy_of(sf, conversation_id))

    return await run_in_threadpool(write)
