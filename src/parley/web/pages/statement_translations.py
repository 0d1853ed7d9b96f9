"""The facilitator's page of a conversation's statement translations: add, edit, remove.

Each action calls the same ``services.translation_store`` function as its API twin
(``POST``, ``PATCH``, ``DELETE /conversations/{id}/statements/{sid}/translations``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from parley.services import conversations as conversation_service
from parley.services import translation_store, translations
from parley.web.deps import SessionFactoryDep
from parley.web.pages.access import PageConversationDep, PageFacilitatorDep
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
_DONE = {"saved": "texts.saved", "removed": "statement_translations.removed"}


def _back(conversation_id: int, statement_id: int, done: str) -> Response:
    return RedirectResponse(
        f"/f/c/{conversation_id}/translations?done={done}#statement-{statement_id}",
        status_code=303,
    )


@router.get("/f/c/{conversation_id}/translations", name="statement_translations")
def translations_page(
    request: Request,
    conversation_id: PageConversationDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    offset: int = 0,
    done: str | None = None,
) -> Response:
    """List the conversation's statements with every translation, to add, edit or remove."""
    offset = max(offset, 0)
    found = translations.statement_translations(
        sf, conversation_id, offset=offset, limit=PAGE_SIZE + 1
    )
    flash = _DONE.get(done or "")
    context = {
        "conversation": conversation_service.conversation_summary(
            sf, conversation_id, (page_language(request),)
        ),
        "tab": "translations",
        "statements": found[:PAGE_SIZE],
        "offset": offset,
        "limit": PAGE_SIZE,
        "has_more": len(found) > PAGE_SIZE,
        "flash": None if flash is None else page_translator(request)(flash),
    }
    return render(request, "pages/statement_translations.html", context, facilitator=me.name)


@router.post("/f/c/{conversation_id}/statements/{statement_id}/translations")
def add(
    conversation_id: PageConversationDep,
    statement_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    language: Annotated[str, Form(max_length=35)] = "",
    text: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    """Add the facilitator's translation of a statement (shown at once)."""
    translation_store.add_translation(
        sf, conversation_id, statement_id, language.strip(), text, actor=me.name
    )
    return _back(conversation_id, statement_id, "saved")


@router.post("/f/c/{conversation_id}/statements/{statement_id}/translations/{translation_id}")
def edit(
    conversation_id: PageConversationDep,
    statement_id: int,
    translation_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    text: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    """Change a translation's text."""
    translation_store.update_translation(
        sf, conversation_id, statement_id, translation_id, text=text, actor=me.name
    )
    return _back(conversation_id, statement_id, "saved")


@router.post(
    "/f/c/{conversation_id}/statements/{statement_id}/translations/{translation_id}/remove"
)
def remove(
    conversation_id: PageConversationDep,
    statement_id: int,
    translation_id: int,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
) -> Response:
    """Remove a translation."""
    translation_store.delete_translation(sf, conversation_id, statement_id, translation_id)
    return _back(conversation_id, statement_id, "removed")
