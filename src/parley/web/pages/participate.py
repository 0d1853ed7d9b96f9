"""Participation pages: vote on one statement at a time, change votes, add a statement.

Every form works without JavaScript (POST, then a redirect); with htmx the vote buttons swap
in the next statement and the progress in place. The participant is joined on their first
vote (or statement) and known afterwards by the session cookie: viewing never writes. Votes
go through the app's vote writer
(group commit) and its rate limits, through ``parley.web.actions`` as the JSON API's do.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from parley.db.engine import SessionFactory
from parley.errors import ConflictError, InputError
from parley.services import (
    conversations,
    look_alikes,
    participants,
    rules,
    sharing,
    statements,
    translation_store,
    translations,
)
from parley.services.inputs import MAX_STATEMENT_LENGTH
from parley.services.joint_view import format_view
from parley.web import actions
from parley.web.costly import look_alike_check
from parley.web.deps import SessionFactoryDep
from parley.web.pages.access import ensure_page_reader, page_participant
from parley.web.pages.error_messages import TranslatedInputError, error_message
from parley.web.pages.rendering import is_htmx, page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep
from parley.web.reading import reading_view

__all__ = ["MAX_STATEMENT_CHARS", "card_context", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_STATEMENT_CHARS = MAX_STATEMENT_LENGTH
_VOTES = {"1": 1, "-1": -1, "0": 0}
#: languages an author may pick for a statement, by their own names
LANGUAGE_NAMES = {
    "ar": "العربية",
    "de": "Deutsch",
    "en": "English",
    "es": "Español",
    "fa": "فارسی",
    "fr": "Français",
    "he": "עברית",
    "it": "Italiano",
    "ku": "Kurdî",
    "pt": "Português",
    "ru": "Русский",
    "tr": "Türkçe",
    "uk": "Українська",
    "zh": "中文",
}


def card_context(
    sf: SessionFactory,
    conversation_id: int,
    participant_id: int | None,
    language: str,
    key: str | None = None,
) -> dict[str, Any]:
    """Return the context of the voting card: the next statement (None: all voted) and more."""
    statement = participants.next_statement(sf, conversation_id, participant_id)
    origins = sharing.origins_of(sf, [statement.id], (language,)) if statement else {}
    found = translations.readings(sf, [statement.id], (language,)) if statement else {}
    reading = found.get(statement.id) if statement is not None else None
    return {
        "base": f"/c/{conversation_id}",
        "statement": statement,
        "reading": None if reading is None else reading_view(reading),
        # no translation into the reader's language yet: offer to write one
        "can_translate": reading is not None
        and not reading.is_translation
        and translations.base_language(reading.language) != language,
        "origin": origins.get(statement.id) if statement is not None else None,
        "progress": participants.participant_progress(sf, conversation_id, participant_id),
        "idempotency_key": secrets.token_urlsafe(12),
        "max_statement_chars": MAX_STATEMENT_CHARS,
        "joint": None if statement is not None else format_view(sf, conversation_id),
        # a members-only conversation's join key, carried by the forms until the first vote
        "join_key": key if participant_id is None else None,
    }


@router.get("/c/{conversation_id}", name="participate")
def participate_page(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    added: str | None = None,
    translated: str | None = None,
    voted: int | None = None,
    key: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Show the conversation: the next statement to vote on, progress, a statement form.

    A members-only conversation shows itself to its members, its facilitator and whoever
    comes by its join link (``key``); to anybody else it does not exist.
    """
    ensure_page_reader(request, conversation_id, key)
    language = page_language(request)
    conversation = conversations.conversation_summary(sf, conversation_id, (language,))
    participant_id = page_participant(request, conversation_id, join=False)
    context = card_context(sf, conversation_id, participant_id, language, key)
    context.update(
        conversation=conversation,
        topic=conversation.topic,
        format_name=conversation.format_name,
        translated=translated if translated in ("held", "shown") else None,
        added=added if added in ("held", "shown") else None,
        voted=voted is not None,
        error=None,
        previous=None,
    )
    return render(request, "pages/participate.html", context)


@router.post("/c/{conversation_id}/vote", name="vote")
async def vote(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    statement_id: Annotated[int, Form()],
    vote: Annotated[str, Form()],
    idempotency_key: Annotated[str | None, Form(max_length=64)] = None,
    back: Annotated[str | None, Form()] = None,
    key: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Record a vote; htmx gets the next statement card, a plain form a redirect."""
    if vote not in _VOTES:
        raise TranslatedInputError(page_translator(request)("vote.invalid"))
    participant_id = await run_in_threadpool(
        lambda: page_participant(request, conversation_id, key=key)
    )
    await actions.submit_vote(
        request,
        conversation_id=conversation_id,
        participant_id=participant_id,
        statement_id=statement_id,
        value=_VOTES[vote],
        idempotency_key=idempotency_key or None,
    )
    base = f"/c/{conversation_id}"
    if back == "votes":
        return RedirectResponse(f"{base}/votes#vote-{statement_id}", status_code=303)
    if back == "add":  # "vote on it instead": back to the statement form, the vote confirmed
        return RedirectResponse(f"{base}?voted={statement_id}#add", status_code=303)
    if not is_htmx(request):
        return RedirectResponse(base, status_code=303)
    context = await run_in_threadpool(
        card_context, sf, conversation_id, participant_id, page_language(request)
    )
    context.update(previous=statement_id, oob=True)
    return render(request, "pages/_card.html", context)


@router.get("/c/{conversation_id}/votes", name="my_votes")
def my_votes(request: Request, conversation_id: int, sf: SessionFactoryDep) -> Response:
    """List the participant's votes, each with buttons to change it."""
    ensure_page_reader(request, conversation_id, None)
    conversation = conversations.conversation_summary(
        sf, conversation_id, (page_language(request),)
    )
    participant_id = page_participant(request, conversation_id, join=False)
    context = {
        "conversation": conversation,
        "base": f"/c/{conversation_id}",
        "votes": []
        if participant_id is None
        else _votes_of(sf, conversation_id, participant_id, page_language(request)),
        "on_votes_page": True,
        "progress": participants.participant_progress(sf, conversation_id, participant_id),
    }
    return render(request, "pages/votes.html", context)


@router.post("/c/{conversation_id}/statements", name="add_statement")
async def add_statement(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    text: Annotated[str, Form()] = "",
    language: Annotated[str | None, Form(max_length=35)] = None,
    confirm: Annotated[str | None, Form()] = None,
    key: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    """Add a participant's statement, after showing look-alikes in any language first.

    The first post detects the language and looks for similar statements (in the whole
    process when the conversation is a format); when there are some, the author sees them
    and may submit anyway (``confirm``), with the language corrected if need be.
    """
    t = page_translator(request)
    participant_id = await run_in_threadpool(
        lambda: page_participant(request, conversation_id, key=key)
    )
    text = text.strip()
    error = None
    outcome = "error"
    info = None
    if not text:
        error = t("add.empty")
    elif len(text) > MAX_STATEMENT_CHARS:
        error = t("add.too_long", max=MAX_STATEMENT_CHARS)
    else:
        known = language if language in LANGUAGE_NAMES else None
        with look_alike_check(request, participant_id):
            draft = await run_in_threadpool(
                look_alikes.check_draft, sf, conversation_id, text, known
            )
        same = [
            match
            for match in draft.similar
            if match.conversation_id == conversation_id and match.score == 1.0
        ]
        if draft.similar and confirm != "1" and not same:  # an exact repeat: refused below
            context = {
                "language": draft.language,
                "similar": draft.similar,
                "languages": LANGUAGE_NAMES,
                "base": f"/c/{conversation_id}",
                "text": text,
                "join_key": None,
            }
            template = "pages/_check.html" if is_htmx(request) else "pages/check.html"
            return render(request, template, context)
        try:
            info = await actions.submit_statement(
                request,
                conversation_id=conversation_id,
                participant_id=participant_id,
                text=text,
                language=known,
                vector=draft.vector,
            )
        except (InputError, ConflictError) as problem:
            error = error_message(t, problem)
        else:
            outcome = await run_in_threadpool(_outcome, sf, conversation_id, info.moderation_state)
    if is_htmx(request):
        added: dict[str, Any] = {
            "added": outcome,
            "error": error,
            "statement": info,
            "base": f"/c/{conversation_id}",
            "languages": LANGUAGE_NAMES,
        }
        return render(request, "pages/_added.html", added)
    if error is not None:
        return render(request, "pages/error.html", {"message": error}, status_code=400)
    return RedirectResponse(f"/c/{conversation_id}?added={outcome}#add", status_code=303)


@router.post("/c/{conversation_id}/statements/{statement_id}/language", name="statement_language")
async def correct_language(
    request: Request,
    conversation_id: int,
    statement_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    language: Annotated[str, Form(max_length=35)] = "",
) -> Response:
    """Let the author correct the language detected for their statement."""
    participant_id = await run_in_threadpool(page_participant, request, conversation_id)
    if language not in LANGUAGE_NAMES:
        raise InputError(f"language {language!r} is not one of {', '.join(LANGUAGE_NAMES)}")
    info = await run_in_threadpool(
        statements.correct_language, sf, statement_id, participant_id, language
    )
    if is_htmx(request):
        context = {
            "added": "language",
            "error": None,
            "statement": info,
            "base": f"/c/{conversation_id}",
            "languages": LANGUAGE_NAMES,
        }
        return render(request, "pages/_added.html", context)
    return RedirectResponse(f"/c/{conversation_id}#add", status_code=303)


@router.post(
    "/c/{conversation_id}/statements/{statement_id}/translations", name="offer_translation"
)
async def offer_translation(
    request: Request,
    conversation_id: int,
    statement_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    text: Annotated[str, Form(max_length=MAX_STATEMENT_CHARS)] = "",
    language: Annotated[str, Form(max_length=35)] = "",
) -> Response:
    """Let a participant offer a translation of a statement into their language while voting."""
    participant_id = await run_in_threadpool(page_participant, request, conversation_id)
    info = await run_in_threadpool(
        lambda: translation_store.add_translation(
            sf, conversation_id, statement_id, language, text, participant_id=participant_id
        )
    )
    outcome = "shown" if info.is_shown else "held"
    return RedirectResponse(f"/c/{conversation_id}?translated={outcome}", status_code=303)


def _outcome(sf: SessionFactory, conversation_id: int, moderation_state: int) -> str:
    """Say what happens to a new statement: shown at once, held for a moderator, rejected."""
    mode = conversations.conversation_summary(sf, conversation_id).moderation_mode
    status = rules.statement_status(moderation_state, mode)
    return "shown" if status == "accepted" else status


def _votes_of(
    sf: SessionFactory, conversation_id: int, participant_id: int, language: str
) -> list[dict[str, Any]]:
    """Return the visible statements the participant voted on, each with their vote."""
    votes = participants.participant_votes(sf, participant_id)
    voted = [s for s in statements.visible_statements(sf, conversation_id) if s.id in votes]
    found = translations.readings(sf, [s.id for s in voted], (language,))
    return [
        {"statement": s, "value": votes[s.id], "reading": reading_view(found[s.id])} for s in voted
    ]
