"""Participation pages: vote on one statement at a time, change votes, add a statement.

Every form works without JavaScript (POST, then a redirect); with htmx the vote buttons swap
in the next statement and the progress in place. The participant is joined on their first
visit and known afterwards by the session cookie. Votes go through the app's vote writer
(group commit) and its rate limits, through ``parley.web.actions`` as the JSON API's do.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from parley.db.engine import SessionFactory
from parley.errors import ConflictError, InputError
from parley.services import participation, results
from parley.services.votes import is_votable
from parley.web import actions
from parley.web.deps import SessionFactoryDep
from parley.web.pages.access import page_participant
from parley.web.pages.rendering import is_htmx, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["MAX_STATEMENT_CHARS", "router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_STATEMENT_CHARS = participation.MAX_STATEMENT_LENGTH
_VOTES = {"1": 1, "-1": -1, "0": 0}


def _card_context(sf: SessionFactory, conversation_id: int, participant_id: int) -> dict[str, Any]:
    return {
        "base": f"/c/{conversation_id}",
        "statement": participation.next_statement(sf, conversation_id, participant_id),
        "progress": participation.participant_progress(sf, conversation_id, participant_id),
        "idempotency_key": secrets.token_urlsafe(12),
        "max_statement_chars": MAX_STATEMENT_CHARS,
    }


@router.get("/c/{conversation_id}", name="participate")
def participate_page(
    request: Request, conversation_id: int, sf: SessionFactoryDep, added: str | None = None
) -> Response:
    """Show the conversation: the next statement to vote on, progress, a statement form."""
    conversation = results.conversation_summary(sf, conversation_id)
    participant_id = page_participant(request, conversation_id)
    context = _card_context(sf, conversation_id, participant_id)
    context.update(
        conversation=conversation,
        added=added if added in ("held", "shown") else None,
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
) -> Response:
    """Record a vote; htmx gets the next statement card, a plain form a redirect."""
    if vote not in _VOTES:
        raise InputError(page_translator(request)("vote.invalid"))
    participant_id = await run_in_threadpool(page_participant, request, conversation_id)
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
    if not is_htmx(request):
        return RedirectResponse(base, status_code=303)
    context = await run_in_threadpool(_card_context, sf, conversation_id, participant_id)
    context.update(previous=statement_id, oob=True)
    return render(request, "pages/_card.html", context)


@router.get("/c/{conversation_id}/votes", name="my_votes")
def my_votes(request: Request, conversation_id: int, sf: SessionFactoryDep) -> Response:
    """List the participant's votes, each with buttons to change it."""
    conversation = results.conversation_summary(sf, conversation_id)
    participant_id = page_participant(request, conversation_id)
    context = {
        "conversation": conversation,
        "base": f"/c/{conversation_id}",
        "votes": _votes_of(sf, conversation_id, participant_id),
        "on_votes_page": True,
        "progress": participation.participant_progress(sf, conversation_id, participant_id),
    }
    return render(request, "pages/votes.html", context)


@router.post("/c/{conversation_id}/statements", name="add_statement")
async def add_statement(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Add a participant's statement; say whether it waits for a moderator."""
    t = page_translator(request)
    participant_id = await run_in_threadpool(page_participant, request, conversation_id)
    text = text.strip()
    error = None
    outcome = "error"
    if not text:
        error = t("add.empty")
    elif len(text) > MAX_STATEMENT_CHARS:
        error = t("add.too_long", max=MAX_STATEMENT_CHARS)
    else:
        try:
            info = await actions.submit_statement(
                request, conversation_id=conversation_id, participant_id=participant_id, text=text
            )
        except (InputError, ConflictError) as problem:
            error = str(problem)
        else:
            outcome = await run_in_threadpool(_outcome, sf, conversation_id, info.moderation_state)
    if is_htmx(request):
        return render(request, "pages/_added.html", {"added": outcome, "error": error})
    if error is not None:
        return render(request, "pages/error.html", {"message": error}, status_code=400)
    return RedirectResponse(f"/c/{conversation_id}?added={outcome}#add", status_code=303)


def _outcome(sf: SessionFactory, conversation_id: int, moderation_state: int) -> str:
    """Say what happens to a new statement: shown at once, held for a moderator, rejected."""
    if moderation_state == 1:
        return "shown"
    if moderation_state == -1:
        return "rejected"
    mode = results.conversation_summary(sf, conversation_id).moderation_mode
    return "shown" if is_votable(0, mode) else "held"


def _votes_of(
    sf: SessionFactory, conversation_id: int, participant_id: int
) -> list[dict[str, Any]]:
    """Return the visible statements the participant voted on, each with their vote."""
    # one query per statement: participation.participant_votes (one query) would replace it
    out = []
    for statement in participation.visible_statements(sf, conversation_id):
        value = participation.participant_vote(sf, participant_id, statement.id)
        if value is not None:
            out.append({"statement": statement, "value": value})
    return out
