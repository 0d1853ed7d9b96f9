"""Who is asking on a page: the logged-in facilitator, the participant.

Both the facilitator's login and the participant tokens of the conversations this browser
joined live in the signed session cookie of ``parley.web.sessions`` (HttpOnly, SameSite=Lax).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from parley.errors import ConflictError, NotFoundError
from parley.services import accounts, participation, processes
from parley.services.accounts import FacilitatorInfo
from parley.web import sessions
from parley.web.costly import limit_join
from parley.web.pages.rendering import page_translator
from parley.web.pages.security import LoginRequired
from parley.web.runtime import runtime_of

__all__ = ["PageFacilitatorDep", "page_participant"]


def _page_facilitator(request: Request) -> FacilitatorInfo:
    facilitator_id = sessions.session_facilitator(request)
    if facilitator_id is None:
        raise LoginRequired
    try:
        return accounts.facilitator_info(runtime_of(request).session_factory, facilitator_id)
    except NotFoundError:
        sessions.logout(request)
        raise LoginRequired from None


#: the logged-in facilitator; without a login the page redirects to /login
PageFacilitatorDep = Annotated[FacilitatorInfo, Depends(_page_facilitator)]


def page_participant(request: Request, conversation_id: int) -> int:
    """Return this browser's participant id in a conversation, joining it on the first visit."""
    runtime = runtime_of(request)
    token = sessions.participant_token(request, conversation_id)
    if token is not None:
        participant_id = runtime.participants.get(conversation_id, token)
        if participant_id is None:
            participant_id = participation.participant_for_token(
                runtime.session_factory, conversation_id, token
            )
        if participant_id is not None:
            runtime.participants.put(conversation_id, token, participant_id)
            return participant_id
    other = processes.joined_other_format(
        runtime.session_factory, conversation_id, sessions.remembered_conversations(request)
    )
    if other is not None:
        raise ConflictError(page_translator(request)("participate.other_format", format=other))
    limit_join(request)
    participant_id, token = participation.join_conversation(
        runtime.session_factory, conversation_id
    )
    sessions.remember_participant(request, conversation_id, token)
    runtime.participants.put(conversation_id, token, participant_id)
    return participant_id
