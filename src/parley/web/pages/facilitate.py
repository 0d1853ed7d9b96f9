"""Facilitator pages: log in, list and create conversations, seed statements, moderate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from parley.errors import InputError
from parley.services import (
    access,
    accounts,
    moderation,
    numbers,
    rules,
    statements,
    translation_store,
)
from parley.services import conversations as conversation_service
from parley.web import sessions
from parley.web.costly import limit_login
from parley.web.deps import SessionFactoryDep
from parley.web.links import site_url
from parley.web.pages.access import PageConversationDep, PageFacilitatorDep
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.reports import report_links
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep
from parley.web.reading import page_readings

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_STATES = {str(int(state)): int(state) for state in rules.ModerationState}
PAGE_SIZE = 50
MAX_SEEDS = 200


def _safe_next(target: str | None) -> str:
    """Return a local path to go to after logging in (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/f"


@router.get("/", name="home")
def home(request: Request) -> Response:
    """Show the start page with a link to the facilitator login."""
    return render(request, "pages/home.html")


@router.get("/login", name="login")
def login_page(request: Request, next: str | None = None) -> Response:
    """Show the login form."""
    return render(
        request, "pages/login.html", {"next": _safe_next(next), "error": None, "name": ""}
    )


@router.post("/login")
def login(
    request: Request,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Check name and password; on success log in (session cookie) and go on."""
    limit_login(request, name)
    facilitator_id = accounts.check_password(sf, name, password) if name and password else None
    if facilitator_id is None:
        context = {
            "next": _safe_next(next),
            "error": page_translator(request)("login.failed"),
            "name": name,
        }
        return render(request, "pages/login.html", context, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    sessions.login(request, facilitator_id)
    return response


@router.post("/logout")
def logout(request: Request, _: PageCsrfDep) -> Response:
    """Forget the login and go to the login page."""
    response = RedirectResponse("/login", status_code=303)
    sessions.logout(request)
    return response


@router.get("/f", name="conversations")
def conversations(request: Request, me: PageFacilitatorDep, sf: SessionFactoryDep) -> Response:
    """List the facilitator's conversations, with a form to create one."""
    items = conversation_service.list_conversations(sf, me.id)
    return render(
        request, "pages/conversations.html", {"conversations": items}, facilitator=me.name
    )


@router.post("/f/conversations")
def create_conversation(
    request: Request,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    topic: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    moderation_mode: Annotated[str, Form()] = "open",
) -> Response:
    """Create a conversation and open its overview."""
    if not topic.strip():
        raise InputError(page_translator(request)("conversations.topic") + ": ∅")
    conversation_id = conversation_service.create_conversation(
        sf,
        facilitator_id=me.id,
        topic=topic.strip(),
        description=description.strip(),
        moderation_mode=moderation_mode,
    )
    return RedirectResponse(f"/f/c/{conversation_id}?created=1", status_code=303)


@router.get("/f/c/{conversation_id}", name="conversation")
def conversation(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    created: int = 0,
    seeded: int | None = None,
) -> Response:
    """Show a conversation's overview: counts, the participants' link, the seed form."""
    t = page_translator(request)
    flash = None
    if created:
        flash = t("conversation.created")
    elif seeded is not None:
        flash = t("seed.added", n=seeded)
    own, shown = conversation_service.group_size_settings(sf, conversation_id)
    context: dict[str, Any] = {
        "conversation": conversation_service.conversation_summary(
            sf, conversation_id, (page_language(request),)
        ),
        "own_min_group_size": own,
        "shown_min_group_size": shown,
        "tab": "overview",
        "flash": flash,
        "participant_url": site_url(
            request, access.join_path(conversation_id, access.join_key_of(sf, conversation_id))
        ),
        **report_links(request, sf, conversation_id),
    }
    return render(request, "pages/conversation.html", context, facilitator=me.name)


@router.post("/f/c/{conversation_id}/seed")
def seed(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Add seed statements, one per line; they are accepted at once."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_SEEDS:
        raise InputError(f"{len(lines)} statements at once; at most {MAX_SEEDS}")
    for line in lines:
        statements.add_statement(sf, conversation_id, line, is_seed=True)
    return RedirectResponse(f"/f/c/{conversation_id}?seeded={len(lines)}", status_code=303)


@router.post("/f/c/{conversation_id}/close")
def close(
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    closed: Annotated[int, Form()] = 1,
) -> Response:
    """Close the conversation (no more votes or statements), or reopen it (``closed=0``)."""
    conversation_service.set_closed(sf, conversation_id, closed=bool(closed))
    return RedirectResponse(f"/f/c/{conversation_id}", status_code=303)


@router.post("/f/c/{conversation_id}/privacy")
def privacy(
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    visibility: Annotated[str, Form(max_length=16)] = "public",
    min_group_size: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Set who may read the conversation and the smallest opinion group shown."""
    size = int(min_group_size) if min_group_size.strip().isdigit() else None
    if min_group_size.strip() and size is None:
        size = 0  # not a whole number: the rule's own message says what is expected
    conversation_service.set_privacy(
        sf, conversation_id, visibility=visibility, min_group_size=size
    )
    return RedirectResponse(f"/f/c/{conversation_id}", status_code=303)


@router.get("/f/c/{conversation_id}/moderation", name="moderation")
def moderation_page(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    state: int = 0,
    offset: int = 0,
    done: int | None = None,
) -> Response:
    """Show the statements in one moderation state, to accept or reject (one or many)."""
    state = int(rules.moderation_state(state))
    offset = max(offset, 0)
    statements = moderation.moderation_queue(
        sf, conversation_id, state=state, offset=offset, limit=PAGE_SIZE + 1
    )
    t = page_translator(request)
    offered = translation_store.offered_translations(sf, conversation_id)
    shown = [s.id for s in statements] + [o.translation.statement_id for o in offered]
    context = {
        "conversation": conversation_service.conversation_summary(
            sf, conversation_id, (page_language(request),)
        ),
        "tab": "moderation",
        "state": state,
        "offset": offset,
        "limit": PAGE_SIZE,
        "statements": statements[:PAGE_SIZE],
        "counts": moderation.moderation_counts(sf, conversation_id),
        "has_more": len(statements) > PAGE_SIZE,
        "flash": None
        if done is None
        else (t("moderation.done", n=done) if done else t("moderation.none_selected")),
        "offered": offered,
        "numbers": numbers.numbers_for(sf, shown),
        "readings": page_readings(
            sf, (s.id for s in statements[:PAGE_SIZE]), page_language(request)
        ),
    }
    return render(request, "pages/moderation.html", context, facilitator=me.name)


@router.post("/f/c/{conversation_id}/translations/{translation_id}")
def moderate_translation(
    conversation_id: PageConversationDep,
    translation_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    to_state: Annotated[str, Form()] = "",
) -> Response:
    """Accept or reject a translation a participant offered in this format."""
    target = _STATES.get(to_state)
    if target is None:
        raise InputError(f"to_state={to_state!r} should be -1, 0 or 1")
    translation_store.moderate_offered(sf, conversation_id, translation_id, target, actor=me.name)
    return RedirectResponse(
        f"/f/c/{conversation_id}/moderation?done=1#translations", status_code=303
    )


@router.post("/f/c/{conversation_id}/moderation")
def moderate(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    statement_ids: Annotated[list[int] | None, Form()] = None,
    to_state: Annotated[str | None, Form()] = None,
    single: Annotated[str | None, Form()] = None,
    state: Annotated[int, Form()] = 0,
) -> Response:
    """Accept or reject the selected statements (or the one whose button was pressed)."""
    if single:
        sid, _sep, value = single.partition(":")
        if not sid.isdigit():
            raise InputError(f"statement id {sid!r} is not a number")
        ids, target = [int(sid)], _STATES.get(value)
    else:
        ids, target = list(statement_ids or []), _STATES.get(to_state or "")
    if target is None:
        raise InputError(f"to_state={to_state!r} should be -1, 0 or 1")
    n = (
        moderation.moderate(sf, ids, target, actor=me.name, conversation_id=conversation_id)
        if ids
        else 0
    )
    return RedirectResponse(
        f"/f/c/{conversation_id}/moderation?state={state}&done={n}", status_code=303
    )
