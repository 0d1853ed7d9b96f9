"""Who is asking on a page: the logged-in facilitator, the participant.

Both the facilitator's login and the participants this browser votes as live in the
server-side session of ``parley.web.sessions`` (the cookie holds only a random id).
"""

from __future__ import annotations

from typing import Annotated, overload

from fastapi import Depends, Request

from parley.errors import NotFoundError
from parley.services import access, accounts, conversations, participants, process_texts, processes
from parley.services.accounts import FacilitatorInfo
from parley.services.processes import ProcessInfo
from parley.services.rules import Reader
from parley.web import sessions
from parley.web.costly import limit_join
from parley.web.pages.error_messages import TranslatedConflictError
from parley.web.pages.rendering import page_language, page_translator
from parley.web.pages.security import LoginRequired
from parley.web.runtime import runtime_of

__all__ = [
    "PageConversationDep",
    "PageFacilitatorDep",
    "PageProcessDep",
    "ensure_page_reader",
    "page_participant",
    "process_heading",
]


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


def _page_conversation(conversation_id: int, request: Request, me: PageFacilitatorDep) -> int:
    conversations.ensure_can_manage(runtime_of(request).session_factory, me.id, conversation_id)
    return conversation_id


#: the path's ``conversation_id``, once the logged-in facilitator may manage it
PageConversationDep = Annotated[int, Depends(_page_conversation)]


def _page_process(process_id: int, request: Request, me: PageFacilitatorDep) -> ProcessInfo:
    return processes.managed_process(runtime_of(request).session_factory, process_id, me.id)


#: the process of the path's ``process_id``, once the logged-in facilitator may manage it
PageProcessDep = Annotated[ProcessInfo, Depends(_page_process)]


def process_heading(request: Request, info: ProcessInfo) -> dict[str, object]:
    """Return the process and its texts as the reader reads them, for every process page.

    ``process_name``, ``process_description`` and ``format_names`` (format id -> name) are
    in the page's language where the process has them translated, else as written.
    """
    texts = process_texts.process_texts(runtime_of(request).session_factory, info.id)
    read = (page_language(request),)
    return {
        "process": info,
        "process_name": texts.get("name", 0, info.name, read),
        "process_description": texts.get("description", 0, info.description, read),
        "format_names": {f.id: texts.get("format", f.id, f.name, read) for f in info.formats},
    }


def ensure_page_reader(request: Request, conversation_id: int, key: str | None) -> None:
    """Raise NotFoundError unless this browser may read the conversation (``rules.may_read``).

    A member (by this browser's session), the logged-in facilitator who may manage it, or
    whoever came by its join link (``key``) may read a members-only conversation.
    """
    reader = Reader(
        facilitator_id=sessions.session_facilitator(request),
        is_member=sessions.session_participant(request, conversation_id) is not None,
    )
    access.ensure_can_read(runtime_of(request).session_factory, conversation_id, reader, key=key)


@overload
def page_participant(request: Request, conversation_id: int, *, key: str | None = None) -> int: ...


@overload
def page_participant(
    request: Request, conversation_id: int, *, join: bool, key: str | None = None
) -> int | None: ...


def page_participant(
    request: Request, conversation_id: int, *, join: bool = True, key: str | None = None
) -> int | None:
    """Return this browser's participant id in a conversation.

    With ``join`` (a vote or a statement) a browser that has not joined joins now (with the
    join ``key`` a members-only conversation needs); without (viewing a page) it gets None,
    so that reading a page never writes.
    """
    runtime = runtime_of(request)
    member = sessions.session_participant(request, conversation_id)
    if member is not None:
        return member
    other = processes.joined_other_format(
        runtime.session_factory, conversation_id, sessions.remembered_conversations(request)
    )
    if other is not None:
        message = page_translator(request)("participate.other_format", format=other)
        raise TranslatedConflictError(message)
    if not join:
        return None
    limit_join(request)
    participant_id, _ = participants.join_by_link(runtime.session_factory, conversation_id, key=key)
    sessions.remember_participant(request, conversation_id, participant_id)
    return participant_id
