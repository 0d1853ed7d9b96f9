"""Facilitator pages of a process: its formats and settings, its statements across formats.

A process's joint agenda and the observers' read-only view of it are in
``parley.web.pages.agenda``. Access is ``PageProcessDep``; every action calls the same
service function as its API twin, which holds the rules.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from parley.errors import InputError
from parley.services import (
    agenda_items,
    duplicates,
    formats,
    joint,
    merging,
    numbers,
    process_texts,
    processes,
    rounds,
    sharing,
)
from parley.services import undo as undo_service
from parley.services.polis_reports import report_id
from parley.services.rules import (
    DEFAULT_MIN_GROUP_SIZE,
    DEFAULT_MIN_VOTES,
    AutoShare,
    ProcessSettings,
)
from parley.web.costly import limit_facilitator_work
from parley.web.deps import SessionFactoryDep
from parley.web.i18n import Translator
from parley.web.links import site_url
from parley.web.pages.access import PageFacilitatorDep, PageProcessDep, process_heading
from parley.web.pages.rendering import page_language, page_translator, render
from parley.web.pages.route import PageRoute
from parley.web.pages.security import PageCsrfDep
from parley.web.reading import page_readings

__all__ = ["flash_message", "router", "site_url"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)

#: ``?done=`` codes of the redirects after a form, and the message each shows
_DONE = {
    "created": "process.created",
    "saved": "process.saved",
    "format_added": "process.format_added",
    "shared": "process.shared",
    "merged": "process.merged",
    "unmerged": "process.unmerged",
    "unshared": "process.unshared",
    "refreshed": "process.refreshed",
    "renamed": "agenda.renamed",
    "round_closed": "rounds.closed",
    "texts_saved": "texts.saved",
    "machine_done": "machine.done",
    "machine_failed": "machine.failed",
}
_BACK = {"statements": "/statements", "agenda": "/agenda", "overview": ""}
_LANGUAGE_SPLIT = re.compile(r"[\s,;]+")
MAX_FORMAT_LINES = formats.MAX_FORMATS


def flash_message(t: Translator, done: str | None, n: int) -> str | None:
    """Return the message of a ``?done=`` code (None for none or an unknown one)."""
    key = _DONE.get(done or "")
    return None if key is None else t(key, n=n)


def _languages(text: str) -> list[str]:
    tags = [tag for tag in _LANGUAGE_SPLIT.split(text) if tag]
    return tags or ["en"]


def _settings(
    min_votes: int,
    enabled: str | None,
    share_min_votes: int,
    min_agree_percent: float,
    see_agenda: str | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> ProcessSettings:
    share = None
    if enabled:
        share = AutoShare(min_votes=share_min_votes, min_agree=min_agree_percent / 100.0)
    return ProcessSettings(
        min_votes=min_votes,
        auto_share=share,
        participants_see_agenda=bool(see_agenda),
        min_group_size=min_group_size,
    )


def _go(
    process_id: int, page: str, done: str, n: int = 0, action_id: int | None = None
) -> Response:
    path = _BACK.get(page, "")
    undo_part = "" if action_id is None else f"&undo={action_id}"
    return RedirectResponse(
        f"/f/p/{process_id}{path}?done={done}&n={n}{undo_part}", status_code=303
    )


@router.get("/f/processes", name="processes")
def process_list(request: Request, me: PageFacilitatorDep, sf: SessionFactoryDep) -> Response:
    """List the facilitator's processes, with a form to create one."""
    items = processes.list_processes(sf, me.id)
    context = {"processes": items, "default_min_votes": DEFAULT_MIN_VOTES}
    return render(request, "pages/processes.html", context, facilitator=me.name)


@router.post("/f/processes")
def create_process(
    request: Request,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    formats: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "en",
    moderation_mode: Annotated[str, Form()] = "open",
    min_votes: Annotated[int, Form()] = DEFAULT_MIN_VOTES,
    auto_share: Annotated[str | None, Form()] = None,
    share_min_votes: Annotated[int, Form()] = 5,
    share_min_agree: Annotated[float, Form()] = 70.0,
    min_group_size: Annotated[int, Form()] = DEFAULT_MIN_GROUP_SIZE,
) -> Response:
    """Create a process with one format per line and open its overview."""
    t = page_translator(request)
    if not name.strip():
        raise InputError(t("process.name") + ": ∅")
    names = [line.strip() for line in formats.splitlines() if line.strip()]
    if len(names) > MAX_FORMAT_LINES:
        raise InputError(f"{len(names)} formats; at most {MAX_FORMAT_LINES}")
    process_id = processes.create_process(
        sf,
        facilitator_id=me.id,
        name=name,
        formats=names,
        description=description,
        languages=_languages(languages),
        moderation_mode=moderation_mode,
        settings=_settings(
            min_votes,
            auto_share,
            share_min_votes,
            share_min_agree,
            min_group_size=min_group_size,
        ),
    )
    return _go(process_id, "overview", "created")


@router.get("/f/p/{process_id}", name="process")
def process_page(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    done: str | None = None,
    n: int = 0,
) -> Response:
    """Show a process: its formats with their join links, the observer link, its settings."""
    context = {
        **process_heading(request, info),
        "tab": "overview",
        "flash": flash_message(page_translator(request), done, n),
        "join_urls": {f.id: site_url(request, f.join_path) for f in info.formats},
        "report_ids": {f.id: report_id(sf, f.conversation_id) for f in info.formats},
        "observer_url": site_url(request, f"/o/{info.observer_key}"),
        "n_members": sum(f.n_members for f in info.formats),
        "n_statements": info.n_joint_statements,
        "free_conversations": formats.free_conversations(sf, me.id),
        "rounds": rounds.list_rounds(sf, info.id),
        "texts": process_texts.list_text_translations(sf, info.id),
    }
    return render(request, "pages/process.html", context, facilitator=me.name)


@router.post("/f/p/{process_id}/settings")
def save_settings(
    info: PageProcessDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    min_votes: Annotated[int, Form()] = DEFAULT_MIN_VOTES,
    auto_share: Annotated[str | None, Form()] = None,
    share_min_votes: Annotated[int, Form()] = 5,
    share_min_agree: Annotated[float, Form()] = 70.0,
    participants_see_agenda: Annotated[str | None, Form()] = None,
    min_group_size: Annotated[int, Form()] = DEFAULT_MIN_GROUP_SIZE,
) -> Response:
    """Save the agenda's minimum votes, the auto-share rule, who sees the agenda and the
    minimum group size; apply the auto-share rule at once."""
    settings = replace(
        _settings(
            min_votes,
            auto_share,
            share_min_votes,
            share_min_agree,
            participants_see_agenda,
            min_group_size,
        ),
        demo=info.settings.demo,
    )
    created = processes.set_process_settings(sf, info.id, settings)
    return _go(info.id, "overview", "saved", len(created))


@router.post("/f/p/{process_id}/formats")
def add_format(
    info: PageProcessDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    name: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "en",
    moderation_mode: Annotated[str, Form()] = "open",
) -> Response:
    """Add a format (with a conversation of its own) to the process."""
    formats.add_format(
        sf, info.id, name, languages=_languages(languages), moderation_mode=moderation_mode
    )
    return _go(info.id, "overview", "format_added")


@router.post("/f/p/{process_id}/attach")
def attach(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    conversation_id: Annotated[int, Form()],
    name: Annotated[str, Form()] = "",
) -> Response:
    """Make one of the facilitator's conversations (an imported Polis export) a format."""
    formats.attach_conversation(sf, info.id, conversation_id, name, facilitator_id=me.id)
    return _go(info.id, "overview", "format_added")


def _pair(pair: duplicates.DuplicatePair) -> dict[str, Any]:
    votes = pair.votes
    return {
        "a": pair.a,
        "b": pair.b,
        "score": pair.score,
        "verdict": None if votes is None else votes.verdict,
        "votes": votes,
    }


@router.get("/f/p/{process_id}/statements", name="process_statements")
def statements_page(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    done: str | None = None,
    n: int = 0,
    undo: int | None = None,
) -> Response:
    """Show the joint statements per format, where each is, and look-alike pairs to merge."""
    placed = joint.joint_statements(sf, info.id)
    pairs = duplicates.duplicate_pairs(sf, info.id)
    actions = undo_service.recent_actions(sf, info.id)
    shown = [s.id for s in placed] + [s.id for p in pairs for s in (p.a, p.b)]
    shown += [sid for a in actions for sid in a.statement_ids]
    context = {
        "actions": actions,
        "undo_id": undo,
        **process_heading(request, info),
        "tab": "statements",
        "flash": flash_message(page_translator(request), done, n),
        "by_format": {f.name: [s for s in placed if s.format_name == f.name] for f in info.formats},
        "n_formats": len(info.formats),
        "pairs": [_pair(p) for p in pairs],
        "numbers": numbers.numbers_for(sf, shown),
        "readings": page_readings(sf, (s.id for s in placed), page_language(request)),
    }
    return render(request, "pages/process_statements.html", context, facilitator=me.name)


@router.post("/f/p/{process_id}/share")
def share(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    statement_id: Annotated[int, Form()],
    back: Annotated[str, Form()] = "statements",
) -> Response:
    """Share a joint statement with every format that lacks it."""
    created = sharing.share_statement(sf, statement_id, process_id=info.id, actor=me.name)
    return _go(info.id, back, "shared", len(created), created.action_id)


@router.post("/f/p/{process_id}/share-all")
def share_all(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    back: Annotated[str, Form()] = "statements",
) -> Response:
    """Share every joint statement with every format that lacks it."""
    created = sharing.share_everything(sf, info.id, actor=me.name)
    return _go(info.id, back, "shared", len(created), created.action_id)


@router.post("/f/p/{process_id}/merge")
def merge(
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
    keep_id: Annotated[int, Form()],
    drop_id: Annotated[int, Form()],
) -> Response:
    """Merge one joint statement into another (its votes count for the one kept)."""
    merge_id = merging.merge_statements(sf, keep_id, drop_id, process_id=info.id, actor=me.name)
    return _go(info.id, "statements", "merged", action_id=merge_id)


@router.post("/f/p/{process_id}/items/refresh")
def refresh_items(
    request: Request,
    info: PageProcessDep,
    me: PageFacilitatorDep,
    sf: SessionFactoryDep,
    _: PageCsrfDep,
) -> Response:
    """Cluster the joint statements into agenda items anew (renamed labels stay)."""
    limit_facilitator_work(request, me.id, what="look-alike listings and reclusterings")
    n_items = agenda_items.refresh_agenda_items(sf, info.id, force=True)
    return _go(info.id, "statements", "refreshed", n_items)
