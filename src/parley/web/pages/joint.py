"""A participant's view of the joint picture, after voting, and news of new statements.

``/c/{id}/standing`` shows where the member's format stands on the joint agenda (the joint
statements it holds, each with every format's stance); ``/c/{id}/agenda`` the whole joint
agenda, when the facilitator allows it. Both read the stored agenda with the process's
privacy threshold applied, and poll ``.../live?since=VERSION`` like the facilitator's
agenda (204 while unchanged). A member who voted on everything polls ``/c/{id}/card``:
204 while there is nothing new, else the next statement's card.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from parley.db.engine import SessionFactory
from parley.services import agenda, conversations, participants, rounds
from parley.services.joint_view import check_may_see, format_items, format_view
from parley.web.deps import SessionFactoryDep
from parley.web.pages.access import ensure_page_reader, page_participant
from parley.web.pages.agenda import agenda_groups
from parley.web.pages.participate import card_context
from parley.web.pages.rendering import page_language, render
from parley.web.pages.route import PageRoute

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

LIVE_EVERY = "5s"


def _context(
    request: Request, sf: SessionFactory, conversation_id: int, *, whole: bool
) -> dict[str, Any]:
    ensure_page_reader(request, conversation_id, None)  # a stranger: 404, as if none existed
    participant_id = page_participant(request, conversation_id, join=False)
    progress = participants.participant_progress(sf, conversation_id, participant_id)
    view = check_may_see(
        format_view(sf, conversation_id),
        progress.n_voted,
        whole_agenda=whole,
        conversation_id=conversation_id,
    )
    version = rounds.agenda_version(sf, view.process_id)
    language = page_language(request)
    document = agenda.read_agenda(sf, view.process_id, languages=(language,)).document
    items = document.items if whole else format_items(document, view.format_name)
    labels = document.format_labels()  # formats named in the reader's language
    page = "agenda" if whole else "standing"
    return {
        "conversation": conversations.conversation_summary(sf, conversation_id, (language,)),
        "base": f"/c/{conversation_id}",
        "view": view,
        "whole": whole,
        "version": version,
        "live_url": f"/c/{conversation_id}/{page}/live",
        "live_every": LIVE_EVERY,
        "items": agenda_groups(items, language, labels),
        "format_name": labels.get(view.format_name, view.format_name),
        "min_group_size": view.min_group_size,
        "formats": document.format_names,
        "computed_at": document.computed_at,
    }


@router.get("/c/{conversation_id}/standing", name="format_standing")
def standing_page(request: Request, conversation_id: int, sf: SessionFactoryDep) -> Response:
    """Show a member where their format stands on the joint agenda (after voting)."""
    context = _context(request, sf, conversation_id, whole=False)
    return render(request, "pages/joint_view.html", context)


@router.get("/c/{conversation_id}/agenda", name="participant_agenda")
def joint_agenda_page(request: Request, conversation_id: int, sf: SessionFactoryDep) -> Response:
    """Show a member the whole joint agenda, when the facilitator allows it."""
    context = _context(request, sf, conversation_id, whole=True)
    return render(request, "pages/joint_view.html", context)


def _live(
    request: Request, sf: SessionFactory, conversation_id: int, since: str | None, *, whole: bool
) -> Response:
    ensure_page_reader(request, conversation_id, None)
    view = format_view(sf, conversation_id)
    if (
        since is not None
        and view is not None
        and since == rounds.agenda_version(sf, view.process_id)
    ):
        return Response(status_code=204)
    context = _context(request, sf, conversation_id, whole=whole)
    return render(request, "pages/_joint_live.html", context)


@router.get("/c/{conversation_id}/standing/live", name="format_standing_live")
def standing_live(
    request: Request, conversation_id: int, sf: SessionFactoryDep, since: str | None = None
) -> Response:
    """Return the standing area when the stored agenda changed since ``since``, else 204."""
    return _live(request, sf, conversation_id, since, whole=False)


@router.get("/c/{conversation_id}/agenda/live", name="participant_agenda_live")
def joint_agenda_live(
    request: Request, conversation_id: int, sf: SessionFactoryDep, since: str | None = None
) -> Response:
    """Return the joint agenda area when it changed since ``since``, else 204."""
    return _live(request, sf, conversation_id, since, whole=True)


@router.get("/c/{conversation_id}/card", name="next_card")
def next_card(
    request: Request,
    conversation_id: int,
    sf: SessionFactoryDep,
    key: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Return the next statement's card when one arrived, else 204 (the card stays)."""
    ensure_page_reader(request, conversation_id, key)  # 404 for an unknown or unreadable one
    participant_id = page_participant(request, conversation_id, join=False)
    if participants.next_statement(sf, conversation_id, participant_id) is None:
        return Response(status_code=204)
    context = card_context(sf, conversation_id, participant_id, page_language(request))
    context.update(previous=None, oob=True, arrived=True)
    return render(request, "pages/_card.html", context)
