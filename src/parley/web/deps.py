"""Dependencies for routes (API and pages) as ``Annotated`` aliases.

Routes that use ``ParticipantDep`` or ``ManagedConversationDep`` must name their path
parameter ``conversation_id``; ``ManagedProcessDep`` reads ``process_id``. The API and the
pages use the same checks: one per kind of caller. Services take the session factory
(``SessionFactoryDep``) and read without taking SQLite's write lock, so one factory serves
reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from parley.config import Settings
from parley.db.engine import SessionFactory
from parley.errors import AuthenticationError, ForbiddenError
from parley.services.access import ensure_can_read
from parley.services.accounts import API_KEY_PREFIX, facilitator_for_api_key
from parley.services.conversations import ensure_can_manage
from parley.services.participants import participant_for_token
from parley.services.processes import ProcessInfo, managed_process, process_for_observer
from parley.services.rules import Reader

from .costly import limit_observer
from .limits import Limiter
from .runtime import Runtime, runtime_of
from .sessions import session_facilitator, session_participant, verify_csrf
from .writer import VoteWriter

__all__ = [
    "BEARER_SECURITY",
    "Author",
    "AuthorDep",
    "FacilitatorDep",
    "ManagedConversationDep",
    "ManagedProcessDep",
    "ObservedProcessDep",
    "OptionalFacilitatorDep",
    "ParticipantDep",
    "RateLimiterDep",
    "ReadSessionDep",
    "ReadableConversationDep",
    "RuntimeDep",
    "SessionFactoryDep",
    "SettingsDep",
    "VoteWriterDep",
    "WriteSessionDep",
    "bearer_token",
    "current_facilitator",
    "current_participant",
    "find_participant",
]


#: documents the Bearer scheme in OpenAPI; the header is parsed by ``bearer_token``
_BEARER = HTTPBearer(
    auto_error=False,
    description="A facilitator's API key (parley_...) or a participant's token.",
)
_BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
#: ``openapi_extra={"security": BEARER_SECURITY}`` for a route that authenticates by itself
BEARER_SECURITY: list[dict[str, list[str]]] = [{"HTTPBearer": []}]


def bearer_token(request: Request) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header should be 'Bearer <token>'")
    return token.strip()


def _settings(request: Request) -> Settings:
    return runtime_of(request).settings


def _session_factory(request: Request) -> SessionFactory:
    return runtime_of(request).session_factory


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
SettingsDep = Annotated[Settings, Depends(_settings)]
SessionFactoryDep = Annotated[SessionFactory, Depends(_session_factory)]
#: the same factory as SessionFactoryDep: services read without the write lock on any factory
WriteSessionDep = SessionFactoryDep
ReadSessionDep = SessionFactoryDep


def _writer(request: Request) -> VoteWriter:
    return runtime_of(request).writer


def _limiter(request: Request) -> Limiter:
    return runtime_of(request).limiter


VoteWriterDep = Annotated[VoteWriter, Depends(_writer)]
RateLimiterDep = Annotated[Limiter, Depends(_limiter)]


async def _api_key_facilitator(request: Request, key: str) -> int:
    if not key.startswith(API_KEY_PREFIX):
        raise AuthenticationError(
            f"this needs a facilitator API key (Bearer {API_KEY_PREFIX}...), "
            "not a participant token"
        )
    found = await run_in_threadpool(
        facilitator_for_api_key, runtime_of(request).session_factory, key
    )
    if found is None:
        raise AuthenticationError("unknown API key")
    return found


async def optional_facilitator(request: Request, _doc: _BearerDoc) -> int | None:
    """Return the facilitator (API key, else login cookie) or None when there is neither."""
    key = bearer_token(request)
    if key is not None:
        if not key.startswith(API_KEY_PREFIX):
            return None
        return await _api_key_facilitator(request, key)
    facilitator_id = session_facilitator(request)
    if facilitator_id is not None:
        await verify_csrf(request)
    return facilitator_id


async def current_facilitator(request: Request, _doc: _BearerDoc = None) -> int:
    """Return the facilitator's id from the API key (Bearer) or the login cookie, else 401."""
    key = bearer_token(request)
    if key is not None:
        return await _api_key_facilitator(request, key)
    facilitator_id = session_facilitator(request)
    if facilitator_id is None:
        raise AuthenticationError(
            "log in, or send the API key that `parley admin create` printed as "
            "'Authorization: Bearer <key>'"
        )
    await verify_csrf(request)
    return facilitator_id


def find_participant(runtime: Runtime, conversation_id: int, token: str) -> int | None:
    """Return the conversation's participant holding this token (cached), or None."""
    cached = runtime.participants.get(conversation_id, token)
    if cached is not None:
        return cached
    found = participant_for_token(runtime.session_factory, conversation_id, token)
    if found is not None:
        runtime.participants.put(conversation_id, token, found)
    return found


async def _participant_for(request: Request, conversation_id: int, token: str) -> int | None:
    runtime = runtime_of(request)
    # a known token is answered on the event loop: a thread hop costs more than the look-up
    cached = runtime.participants.get(conversation_id, token)
    if cached is not None:
        return cached
    return await run_in_threadpool(find_participant, runtime, conversation_id, token)


async def current_participant(
    request: Request, conversation_id: int, _doc: _BearerDoc = None
) -> int:
    """Return the participant's id from their token (Bearer) or this browser's cookie, else 401."""
    token = bearer_token(request)
    if token is None:
        member = session_participant(request, conversation_id)
        if member is not None:
            await verify_csrf(request)
            return member
        raise AuthenticationError(
            f"join conversation {conversation_id} first (POST /api/v1/conversations/"
            f"{conversation_id}/participants) and send the token as 'Authorization: Bearer <token>'"
        )
    if token.startswith(API_KEY_PREFIX):
        raise ForbiddenError("an API key cannot vote or write as a participant; join instead")
    participant_id = await _participant_for(request, conversation_id, token)
    if participant_id is None:
        raise AuthenticationError(f"unknown participant token for conversation {conversation_id}")
    return participant_id


FacilitatorDep = Annotated[int, Depends(current_facilitator)]
OptionalFacilitatorDep = Annotated[int | None, Depends(optional_facilitator)]
ParticipantDep = Annotated[int, Depends(current_participant)]


async def managed_conversation(
    request: Request, conversation_id: int, facilitator_id: FacilitatorDep
) -> int:
    """Return the conversation id once the facilitator may manage it (else 403 or 404)."""
    await run_in_threadpool(
        ensure_can_manage, runtime_of(request).session_factory, facilitator_id, conversation_id
    )
    return conversation_id


ManagedConversationDep = Annotated[int, Depends(managed_conversation)]


async def conversation_reader(request: Request, conversation_id: int) -> Reader:
    """Return who asks to read a conversation: facilitator (key or login), member, or nobody."""
    token = bearer_token(request)
    if token is not None:
        if token.startswith(API_KEY_PREFIX):
            return Reader(facilitator_id=await _api_key_facilitator(request, token))
        member = await _participant_for(request, conversation_id, token)
        return Reader(is_member=member is not None)
    return Reader(
        facilitator_id=session_facilitator(request),
        is_member=session_participant(request, conversation_id) is not None,
    )


async def readable_conversation(
    request: Request, conversation_id: int, _doc: _BearerDoc = None
) -> int:
    """Return the conversation id once the caller may read it (``rules.may_read``), else 404.

    A members-only conversation is read by its members, its facilitator, and whoever holds
    its join link (the ``key`` query parameter).
    """
    reader = await conversation_reader(request, conversation_id)
    await run_in_threadpool(
        lambda: ensure_can_read(
            runtime_of(request).session_factory,
            conversation_id,
            reader,
            key=request.query_params.get("key"),
        )
    )
    return conversation_id


#: the path's ``conversation_id``, once the caller may read it (public, or a member's)
ReadableConversationDep = Annotated[int, Depends(readable_conversation)]


async def _managed_process(
    request: Request, process_id: int, facilitator_id: FacilitatorDep
) -> ProcessInfo:
    """Return the process once the facilitator may manage it (else 403 or 404)."""
    return await run_in_threadpool(
        managed_process, runtime_of(request).session_factory, process_id, facilitator_id
    )


#: the process of the path's ``process_id``, once the caller may manage it
ManagedProcessDep = Annotated[ProcessInfo, Depends(_managed_process)]


@dataclass(frozen=True)
class Author:
    """Who writes a statement: a facilitator (a seed) or a participant; exactly one is set."""

    facilitator_id: int | None = None
    participant_id: int | None = None


async def statement_author(
    request: Request, conversation_id: int, _doc: _BearerDoc = None
) -> Author:
    """Return the author: an API key is a facilitator, another token a participant."""
    token = bearer_token(request)
    if (token is not None and token.startswith(API_KEY_PREFIX)) or (
        token is None
        and session_participant(request, conversation_id) is None
        and session_facilitator(request) is not None
    ):
        facilitator_id = await current_facilitator(request)
        await managed_conversation(request, conversation_id, facilitator_id)
        return Author(facilitator_id=facilitator_id)
    return Author(participant_id=await current_participant(request, conversation_id))


AuthorDep = Annotated[Author, Depends(statement_author)]


async def _observed_process(request: Request, observer_key: str) -> int:
    """Return the process of the path's observer key, within the address's observer rate."""
    limit_observer(request)
    return await run_in_threadpool(
        process_for_observer, runtime_of(request).session_factory, observer_key
    )


#: the process whose observer key is the path's ``observer_key`` (no login; rate-limited)
ObservedProcessDep = Annotated[int, Depends(_observed_process)]
