"""``/conversations/{id}/statements``: write one (seed or participant), list, draw the next."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from parley.services.look_alikes import Draft, check_draft
from parley.services.participants import next_statement
from parley.services.statements import add_statement, correct_language, visible_statements

from ..actions import submit_statement
from ..costly import look_alike_check
from ..deps import AuthorDep, ParticipantDep, ReadableConversationDep, SessionFactoryDep
from ..reading import ReaderLanguagesDep, reading_fields, readings_for, statements_out
from ..schemas import (
    LanguageFix,
    SimilarOut,
    SimilarQuery,
    SimilarResult,
    StatementCreate,
    StatementCreated,
    StatementOut,
)

router = APIRouter(prefix="/conversations/{conversation_id}", tags=["statements"])


@router.post("/statements", status_code=status.HTTP_201_CREATED, response_model=StatementCreated)
async def create(
    request: Request,
    conversation_id: int,
    body: StatementCreate,
    author: AuthorDep,
    sf: SessionFactoryDep,
) -> StatementCreated:
    """Add a statement: with an API key a seed (accepted), with a token a participant's."""
    if author.participant_id is not None:
        info = await submit_statement(
            request,
            conversation_id=conversation_id,
            participant_id=author.participant_id,
            text=body.text,
            language=body.language,
        )
    else:
        info = await run_in_threadpool(
            lambda: add_statement(
                sf, conversation_id, body.text, is_seed=True, language=body.language
            )
        )
    return StatementCreated(id=info.id, moderation_state=info.moderation_state)


@router.get("/statements", response_model=list[StatementOut])
async def list_visible(
    conversation_id: ReadableConversationDep,
    sf: SessionFactoryDep,
    languages: ReaderLanguagesDep,
) -> list[StatementOut]:
    """List the statements participants see (accepted; in open mode unmoderated ones too).

    Each comes in the reader's language where a translation exists, with the original.
    """
    infos = await run_in_threadpool(visible_statements, sf, conversation_id)
    return await statements_out(sf, infos, languages)


@router.get(
    "/statements/next",
    response_model=StatementOut,
    responses={204: {"description": "The participant has voted on every statement."}},
)
async def next_for_participant(
    conversation_id: int,
    participant_id: ParticipantDep,
    sf: SessionFactoryDep,
    languages: ReaderLanguagesDep,
) -> StatementOut | Response:
    """Draw the next statement for the participant (Polis routing by priority); 204 when done.

    It comes in the reader's language where a translation exists; the vote is on it all the same.
    """
    info = await run_in_threadpool(next_statement, sf, conversation_id, participant_id)
    if info is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return (await statements_out(sf, [info], languages))[0]


@router.post("/statements/similar", response_model=SimilarResult)
async def similar(
    request: Request,
    conversation_id: int,
    body: SimilarQuery,
    participant_id: ParticipantDep,
    sf: SessionFactoryDep,
    languages: ReaderLanguagesDep,
) -> SimilarResult:
    """Detect a draft's language and list look-alikes from any format, before submitting it.

    Each look-alike comes in the reader's language where a translation exists, with the original.
    """
    with look_alike_check(request, participant_id):
        draft: Draft = await run_in_threadpool(
            check_draft, sf, conversation_id, body.text, body.language
        )
    found = await readings_for(sf, (m.statement_id for m in draft.similar), languages)
    return SimilarResult(
        language=draft.language,
        similar=[
            SimilarOut.model_validate(m, from_attributes=True).model_copy(
                update=reading_fields(found.get(m.statement_id), m.text, m.language)
            )
            for m in draft.similar
        ],
    )


@router.patch("/statements/{statement_id}", response_model=StatementOut)
async def fix_language(
    conversation_id: int,
    statement_id: int,
    body: LanguageFix,
    participant_id: ParticipantDep,
    sf: SessionFactoryDep,
) -> StatementOut:
    """Let the author correct the language of their statement (404 for anyone else's)."""
    info = await run_in_threadpool(
        correct_language, sf, statement_id, participant_id, body.language
    )
    return StatementOut.model_validate(info, from_attributes=True)
