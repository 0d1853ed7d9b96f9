"""Authorization matrix: every route of the app times every kind of caller, with the answer.

The routes come from the app's own route table (``route_table.iter_routes``); each must have
an entry in ``ACCESS`` (a new route without one fails ``test_every_route_has_an_expectation``).
The target of every request belongs to facilitator A: A's conversation, A's process, a
statement and an agenda item of theirs, the observer key of A's process. The callers are
strangers to it: nobody; a participant of B's conversation (by token, and by cookie); B, a
facilitator (by API key, and by login cookie); the holder of B's process's observer key.
Owner A and a participant of A's conversation are the controls that must get through. Cookie
callers send their session's CSRF token, so that only authorization can stop them.

A denial is 401, 403, 404 or the redirect to /login; anything else given to a caller who
should be denied is a wrong grant (a 422 too: the route validated a stranger's body before
asking who they are, so the body in ``BODIES`` should be made valid).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from route_table import iter_routes
from sqlalchemy import update

from parley.config import Settings
from parley.db import create_engine_for, create_session_factory
from parley.db.engine import SessionFactory
from parley.db.migrate import upgrade_database
from parley.db.models import AgendaItem, Statement
from parley.db.translation_models import StatementTranslation
from parley.services import (
    accounts,
    conversations,
    merging,
    participants,
    processes,
    sharing,
    statements,
    translation_store,
)
from parley.services.agenda import refresh_agenda
from parley.services.polis_reports import REPORT_SECRET, report_id_of
from parley.services.rounds import close_round
from parley.services.web_sessions import SessionLifetimes, create_web_session
from parley.web.app import create_app, session_lifetimes
from parley.web.server_sessions import SESSION_COOKIE

# who may call a route
PUBLIC = "public"  # anybody
KEY = "key"  # anybody holding the observer key in the path
FACILITATOR = "facilitator"  # any facilitator (acts on their own things)
OWNER = "owner"  # only the facilitator owning the target
PARTICIPANT = "participant"  # only a participant of the target conversation
AUTHOR = "author"  # only the participant who wrote the target statement
SELF_JOIN = "self-join"  # a browser session, which joins the conversation as itself
SESSION = "session"  # a browser session acting on itself (logout)
LOGIN = "login"  # anybody may try; the answer depends on the password, not the caller

A = "/api/v1/conversations/{conversation_id}"
P = "/api/v1/processes/{process_id}"
ACCESS: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/assets/plotly.min.js"): PUBLIC,
    ("GET", "/assets/plotly.css"): PUBLIC,
    ("POST", f"{A}/votes"): PARTICIPANT,
    ("POST", f"{A}/statements"): PARTICIPANT,  # or the owner's seed (control below)
    ("GET", f"{A}/statements"): PUBLIC,
    ("GET", f"{A}/statements/next"): PARTICIPANT,
    ("POST", f"{A}/statements/similar"): PARTICIPANT,
    ("PATCH", f"{A}/statements/{{statement_id}}"): AUTHOR,
    ("POST", f"{A}/statements/{{statement_id}}/translations"): PARTICIPANT,  # or the owner's
    ("GET", f"{A}/statements/{{statement_id}}/translations"): PUBLIC,
    ("PATCH", f"{A}/statements/{{statement_id}}/translations/{{translation_id}}"): OWNER,
    ("DELETE", f"{A}/statements/{{statement_id}}/translations/{{translation_id}}"): OWNER,
    ("POST", f"{A}/participants"): PUBLIC,
    ("GET", f"{A}/participants/me"): PARTICIPANT,
    ("POST", "/api/v1/conversations"): FACILITATOR,
    ("GET", "/api/v1/conversations"): FACILITATOR,
    ("GET", A): PUBLIC,
    ("POST", f"{A}/close"): OWNER,
    ("POST", f"{A}/reopen"): OWNER,
    ("GET", f"{A}/privacy"): OWNER,
    ("PUT", f"{A}/privacy"): OWNER,
    ("GET", f"{A}/moderation"): OWNER,
    ("POST", f"{A}/moderation"): OWNER,
    ("GET", f"{A}/analysis"): PUBLIC,
    ("GET", f"{A}/summary"): PUBLIC,
    ("GET", f"{A}/activity"): PUBLIC,
    ("GET", "/api/v1/session"): PUBLIC,
    ("POST", "/api/v1/session"): LOGIN,
    ("DELETE", "/api/v1/session"): SESSION,
    ("POST", "/api/v1/processes"): FACILITATOR,
    ("GET", "/api/v1/processes"): FACILITATOR,
    ("GET", P): OWNER,
    ("POST", f"{P}/formats"): OWNER,
    ("PUT", f"{P}/settings"): OWNER,
    ("POST", f"{P}/share"): OWNER,
    ("POST", f"{P}/auto-share"): OWNER,
    ("POST", f"{P}/merge"): OWNER,
    ("POST", f"{P}/share-all"): OWNER,
    ("GET", f"{P}/actions"): OWNER,
    ("POST", f"{P}/merges/{{merge_id}}/undo"): OWNER,
    ("POST", f"{P}/shares/{{share_id}}/undo"): OWNER,
    ("GET", f"{P}/agenda"): OWNER,
    ("GET", f"{P}/agenda.csv"): OWNER,
    ("GET", f"{P}/agenda.md"): OWNER,
    ("GET", f"{P}/duplicates"): OWNER,
    ("PUT", f"{P}/items/{{item_id}}"): OWNER,
    ("POST", f"{P}/items/refresh"): OWNER,
    ("GET", f"{P}/rounds"): OWNER,
    ("POST", f"{P}/rounds"): OWNER,
    ("GET", f"{P}/rounds/{{number}}"): OWNER,
    ("GET", f"{P}/changes"): OWNER,
    ("GET", f"{P}/brief"): OWNER,
    ("GET", f"{P}/texts"): OWNER,
    ("PUT", f"{P}/texts"): OWNER,
    ("POST", f"{P}/machine-translations"): OWNER,
    ("GET", "/api/v1/observe/{observer_key}/agenda"): KEY,
    ("GET", "/c/{conversation_id}"): PUBLIC,  # viewing joins nobody: the first vote does
    ("POST", "/c/{conversation_id}/vote"): SELF_JOIN,
    ("GET", "/c/{conversation_id}/votes"): PUBLIC,
    ("POST", "/c/{conversation_id}/statements"): SELF_JOIN,
    ("POST", "/c/{conversation_id}/statements/{statement_id}/language"): AUTHOR,
    ("GET", "/c/{conversation_id}/card"): PUBLIC,  # the next card (or 204), as on /c/{id}
    # a member who voted, in a format of a process (A's conversation is none: 404)
    ("GET", "/c/{conversation_id}/standing"): PARTICIPANT,
    ("GET", "/c/{conversation_id}/standing/live"): PARTICIPANT,
    ("GET", "/c/{conversation_id}/agenda"): PARTICIPANT,
    ("GET", "/c/{conversation_id}/agenda/live"): PARTICIPANT,
    ("POST", "/c/{conversation_id}/statements/{statement_id}/translations"): SELF_JOIN,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): LOGIN,
    ("POST", "/logout"): SESSION,
    ("GET", "/f"): FACILITATOR,
    ("POST", "/f/conversations"): FACILITATOR,
    ("GET", "/f/c/{conversation_id}"): OWNER,
    ("POST", "/f/c/{conversation_id}/seed"): OWNER,
    ("POST", "/f/c/{conversation_id}/close"): OWNER,
    ("POST", "/f/c/{conversation_id}/privacy"): OWNER,
    ("GET", "/f/c/{conversation_id}/moderation"): OWNER,
    ("POST", "/f/c/{conversation_id}/translations/{translation_id}"): OWNER,
    ("GET", "/f/c/{conversation_id}/translations"): OWNER,
    ("POST", "/f/c/{conversation_id}/statements/{statement_id}/translations"): OWNER,
    ("POST", "/f/c/{conversation_id}/statements/{statement_id}/translations/{translation_id}"): (
        OWNER
    ),
    (
        "POST",
        "/f/c/{conversation_id}/statements/{statement_id}/translations/{translation_id}/remove",
    ): OWNER,
    ("POST", "/f/c/{conversation_id}/moderation"): OWNER,
    ("GET", "/f/c/{conversation_id}/results"): OWNER,
    ("GET", "/f/c/{conversation_id}/results/live"): OWNER,
    ("GET", "/f/c/{conversation_id}/export.zip"): OWNER,  # the Polis export, zipped
    ("GET", "/r/{report_id}"): KEY,  # the report page: the report id is the key
    ("GET", "/f/processes"): FACILITATOR,
    ("POST", "/f/processes"): FACILITATOR,
    ("GET", "/f/p/{process_id}"): OWNER,
    ("POST", "/f/p/{process_id}/settings"): OWNER,
    ("POST", "/f/p/{process_id}/formats"): OWNER,
    ("POST", "/f/p/{process_id}/attach"): OWNER,
    ("GET", "/f/p/{process_id}/statements"): OWNER,
    ("POST", "/f/p/{process_id}/share"): OWNER,
    ("POST", "/f/p/{process_id}/share-all"): OWNER,
    ("POST", "/f/p/{process_id}/merge"): OWNER,
    ("GET", "/f/p/{process_id}/merge"): OWNER,  # asks first
    ("GET", "/f/p/{process_id}/share-all"): OWNER,  # asks first
    ("POST", "/f/p/{process_id}/merges/{merge_id}/undo"): OWNER,
    ("POST", "/f/p/{process_id}/shares/{share_id}/undo"): OWNER,
    ("POST", "/f/p/{process_id}/items/refresh"): OWNER,
    ("POST", "/f/p/{process_id}/texts"): OWNER,
    ("POST", "/f/p/{process_id}/machine-translations"): OWNER,
    ("GET", "/f/p/{process_id}/agenda"): OWNER,
    ("GET", "/f/p/{process_id}/agenda.{ext}"): OWNER,
    ("POST", "/f/p/{process_id}/items/{item_id}/label"): OWNER,
    ("GET", "/f/p/{process_id}/agenda/live"): OWNER,
    ("POST", "/f/p/{process_id}/rounds"): OWNER,
    ("GET", "/f/p/{process_id}/rounds"): OWNER,
    ("GET", "/f/p/{process_id}/brief"): OWNER,
    ("GET", "/help/reading"): PUBLIC,
    ("GET", "/o/{observer_key}"): KEY,
    ("GET", "/o/{observer_key}/agenda.{ext}"): KEY,
    ("GET", "/o/{observer_key}/live"): KEY,
    ("GET", "/o/{observer_key}/brief"): KEY,
    ("GET", "/api/v3/conversations"): PUBLIC,
    ("GET", "/api/v3/comments"): PUBLIC,
    ("GET", "/api/v3/votes"): PUBLIC,
    ("GET", "/api/v3/math/pca2"): PUBLIC,
    ("GET", "/api/v3/participationInit"): PUBLIC,  # the pid behind an xid: the owner's only
    ("GET", "/api/v3/reports"): OWNER,  # listing a conversation's reports
    ("GET", "/api/v3/reportExport/{report_id}/{file_name}"): KEY,  # the report id is the key
}

#: query strings of the routes that name their target there (Polis's API)
QUERIES: dict[tuple[str, str], str] = {
    ("GET", "/api/v3/conversations"): "conversation_id={conversation_id}",
    ("GET", "/api/v3/comments"): "conversation_id={conversation_id}&moderation=true",
    ("GET", "/api/v3/votes"): "conversation_id={conversation_id}&pid=0",
    ("GET", "/api/v3/math/pca2"): "conversation_id={conversation_id}",
    ("GET", "/api/v3/participationInit"): "conversation_id={conversation_id}",
    ("GET", "/api/v3/reports"): "conversation_id={conversation_id}",
    ("GET", f"{P}/changes"): "since=1",
    ("GET", "/f/p/{process_id}/merge"): "keep_id={confirm_keep}&drop_id={confirm_drop}",
}

#: callers: (kind, how they authenticate); the first six are strangers to A's things
STRANGERS = (
    "anonymous",
    "participant-token",
    "participant-cookie",
    "facilitator-key",
    "facilitator-cookie",
    "observer-key",
)
CONTROLS = ("owner-key", "owner-cookie", "member-token")
_COOKIE_CALLERS = {"participant-cookie", "facilitator-cookie", "owner-cookie"}


def expected(access: str, caller: str, *, is_page: bool) -> str:
    """Return "allow", "deny" or "any" (not judged) for a caller of a route.

    Pages take no bearer credentials: on a page, a caller with a token or key is anonymous.
    """
    if is_page and caller not in _COOKIE_CALLERS:
        caller = "anonymous"
    if access in (PUBLIC, KEY):
        return "allow"
    if access == LOGIN:
        return "any"
    if access == FACILITATOR:
        return "allow" if caller.startswith(("facilitator", "owner")) else "deny"
    if access == OWNER:
        return "allow" if caller.startswith("owner") else "deny"
    if access == PARTICIPANT:
        return "allow" if caller == "member-token" else "deny"
    if access in (SELF_JOIN, SESSION):
        return "allow" if caller in _COOKIE_CALLERS else "deny"
    if access == AUTHOR:
        return "deny"
    raise AssertionError(f"unknown access {access!r}")


@dataclass
class World:
    """What the requests aim at (A's) and what the callers hold (B's, A's for controls)."""

    client: TestClient
    session_factory: SessionFactory
    lifetimes: SessionLifetimes
    params: dict[str, str]
    credentials: dict[str, dict[str, str]]
    cookies: dict[str, dict[str, Any]]  # session data of the cookie callers
    statement_id: int
    process_statement_ids: tuple[int, int]
    format_id: int  # a members-only conversation: A's process's first format
    format_member_token: str
    format_join_key: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Store A's and B's things; serve the app (no worker) over them."""
    folder: Path = tmp_path_factory.mktemp("matrix")
    url = f"sqlite:///{folder / 'matrix.db'}"
    engine = create_engine_for(url)
    upgrade_database(engine)
    sf = create_session_factory(engine)
    a_id, a_key = accounts.create_facilitator(sf, "owner-a", password="password of a")
    b_id, b_key = accounts.create_facilitator(sf, "stranger-b", password="password of b")
    conversation = conversations.create_conversation(sf, facilitator_id=a_id, topic="A's")
    statement = statements.add_statement(
        sf, conversation, "A's seed", is_seed=True, language="en"
    ).id
    member, member_token = participants.join_conversation(sf, conversation)
    translation = translation_store.add_translation(
        sf, conversation, statement, "de", "A's Saat", participant_id=member
    ).id  # offered by a member: the moderation page's target too
    b_conversation = conversations.create_conversation(sf, facilitator_id=b_id, topic="B's")
    b_member, b_token = participants.join_conversation(sf, b_conversation)
    process = processes.create_process(sf, facilitator_id=a_id, name="A's", formats=["x", "y"])
    info = processes.process_info(sf, process)
    first, second = (f.conversation_id for f in info.formats)
    _, format_member_token = participants.join_conversation(sf, first)
    kept = statements.add_statement(sf, first, "Keep this one", is_seed=True).id
    translation_store.add_translation(sf, first, kept, "de", "Behalte diese", actor="owner-a")
    dropped = statements.add_statement(sf, second, "Drop this one", is_seed=True).id
    with sf.begin() as session:
        item = AgendaItem(process_id=process, label="item", is_custom=False)
        session.add(item)
        session.flush()
        session.execute(
            update(Statement).values(agenda_item_id=item.id).where(Statement.id == kept)
        )
        item_id = item.id
    refresh_agenda(sf, process)
    close_round(sf, process)  # round 1, for the routes that read a round
    # a merge and a share of A's to undo, and two statements to ask about merging
    merged_in, merged = (
        statements.add_statement(sf, first, text, is_seed=True).id
        for text in ("Undo keeps this", "Undo brings this back")
    )
    merge_id = merging.merge_statements(sf, merged_in, merged, process_id=process)
    share_id = sharing.share_statement(sf, merged_in, process_id=process).action_id
    confirm_keep, confirm_drop = (
        statements.add_statement(sf, first, text, is_seed=True).id
        for text in ("Merge this?", "Into this?")
    )
    b_process = processes.create_process(sf, facilitator_id=b_id, name="B's", formats=["z"])
    b_observer = processes.process_info(sf, b_process).observer_key
    settings = Settings(database_url=url, vote_rate=0, statement_rate=0, observer_rate=0)
    app = create_app(settings, session_factory=sf, run_worker=False)
    try:
        with TestClient(app) as client:
            yield World(
                client=client,
                session_factory=sf,
                lifetimes=session_lifetimes(settings),
                params={
                    "conversation_id": str(conversation),
                    "statement_id": str(statement),
                    "process_id": str(process),
                    "item_id": str(item_id),
                    "translation_id": str(translation),
                    "observer_key": info.observer_key,
                    "ext": "csv",
                    "report_id": report_id_of(
                        accounts.instance_secret(sf, REPORT_SECRET), conversation
                    ),
                    "file_name": "summary.csv",
                    "number": "1",
                    "merge_id": str(merge_id),
                    "share_id": str(share_id),
                    "confirm_keep": str(confirm_keep),
                    "confirm_drop": str(confirm_drop),
                },
                credentials={
                    "participant-token": {"authorization": f"Bearer {b_token}"},
                    "facilitator-key": {"authorization": f"Bearer {b_key}"},
                    "observer-key": {"authorization": f"Bearer {b_observer}"},
                    "owner-key": {"authorization": f"Bearer {a_key}"},
                    "member-token": {"authorization": f"Bearer {member_token}"},
                },
                cookies={
                    "participant-cookie": {"participants": {str(b_conversation): b_member}},
                    "facilitator-cookie": {"facilitator_id": b_id},
                    "owner-cookie": {"facilitator_id": a_id},
                },
                statement_id=statement,
                process_statement_ids=(kept, dropped),
                format_id=first,
                format_member_token=format_member_token,
                format_join_key=info.formats[0].join_path.partition("?key=")[2],
            )
    finally:
        engine.dispose()


_COUNTER = itertools.count()
_TRANSLATION = f"{A}/statements/{{statement_id}}/translations/{{translation_id}}"
_PAGE_TRANSLATION = "/f/c/{conversation_id}/statements/{statement_id}/translations/{translation_id}"


def _restore_translation(world: World) -> None:
    """Put A's translation back, so that each caller of its DELETE finds it."""
    tid = int(world.params["translation_id"])
    with world.session_factory.begin() as session:
        if session.get(StatementTranslation, tid) is None:
            session.add(
                StatementTranslation(
                    id=tid,
                    statement_id=world.statement_id,
                    language="de",
                    text="A's Saat",
                    source="participant",
                    moderation_state=0,
                    conversation_id=int(world.params["conversation_id"]),
                )
            )


def _bodies(world: World) -> dict[tuple[str, str], Callable[[], dict[str, Any]]]:
    """Valid bodies for routes that check the caller only after reading the body."""
    kept, dropped = world.process_statement_ids
    conversation = int(world.params["conversation_id"])
    return {
        ("POST", f"{A}/votes"): lambda: {"statement_id": world.statement_id, "vote": 1},
        ("POST", f"{A}/statements"): lambda: {"text": f"Statement number {next(_COUNTER)}"},
        ("POST", f"{A}/statements/{{statement_id}}/translations"): lambda: {
            "language": "fr",
            "text": f"Traduction {next(_COUNTER)}",
        },
        ("POST", "/c/{conversation_id}/statements/{statement_id}/translations"): lambda: {
            "language": "fr",
            "text": f"Traduction {next(_COUNTER)}",
        },
        ("POST", "/f/p/{process_id}/texts"): lambda: {
            "what": "name:0",
            "language": "de",
            "text": "As",
        },
        ("POST", "/f/c/{conversation_id}/translations/{translation_id}"): lambda: {"to_state": "1"},
        ("POST", "/f/c/{conversation_id}/statements/{statement_id}/translations"): lambda: {
            "language": "fr",
            "text": f"Traduction {next(_COUNTER)}",
        },
        ("POST", _PAGE_TRANSLATION): lambda: {"text": f"Saat {next(_COUNTER)}"},
        ("PATCH", _TRANSLATION): lambda: {"text": f"Saat {next(_COUNTER)}"},
        ("PUT", f"{P}/texts"): lambda: {"kind": "name", "language": "de", "text": "As"},
        ("POST", "/c/{conversation_id}/statements/{statement_id}/language"): lambda: {
            "language": "de"
        },
        ("POST", "/f/p/{process_id}/attach"): lambda: {"conversation_id": conversation},
        ("POST", "/f/p/{process_id}/share"): lambda: {"statement_id": kept},
        ("POST", "/f/p/{process_id}/merge"): lambda: {"keep_id": kept, "drop_id": dropped},
    }


def _call(world: World, method: str, path: str, caller: str) -> tuple[int, str]:
    """Send one request as ``caller``; return (status, Location header)."""
    url = path.format(**world.params)
    if (method, path) in QUERIES:
        url += "?" + QUERIES[(method, path)].format(**world.params)
    headers = dict(world.credentials.get(caller, {}))
    if caller in world.cookies:
        csrf = f"csrf-{next(_COUNTER)}"
        session_id, _ = create_web_session(
            world.session_factory,
            {**world.cookies[caller], "csrf": csrf},
            lifetimes=world.lifetimes,
        )
        headers["cookie"] = f"{SESSION_COOKIE}={session_id}"
        headers["x-csrf-token"] = csrf
    world.client.cookies.clear()
    if "{translation_id}" in path:
        _restore_translation(world)
    body = _bodies(world).get((method, path), dict)()
    is_page = not path.startswith("/api/")
    options: dict[str, Any] = {"headers": headers, "follow_redirects": False}
    if method in ("GET", "DELETE"):
        response = world.client.request(method, url, **options)
    elif is_page:
        response = world.client.request(method, url, data=body, **options)
    else:
        response = world.client.request(method, url, json=body, **options)
    return response.status_code, response.headers.get("location", "")


def _is_denied(status: int, location: str, path: str) -> bool:
    to_login = status in (302, 303) and location.startswith("/login") and path != "/logout"
    return status in (401, 403, 404) or to_login  # logging out ends at /login


def _app_routes(world: World) -> list[tuple[str, str]]:
    return sorted({(method, path) for method, path, _ in iter_routes(world.client.app.routes)})  # type: ignore[attr-defined]


def test_every_route_has_an_expectation(world: World) -> None:
    routes = _app_routes(world)
    assert len(routes) >= 70  # the walk reaches the included routers
    missing = [route for route in routes if route not in ACCESS]
    assert not missing, f"routes without an entry in ACCESS (say who may call them): {missing}"
    stale = [route for route in ACCESS if route not in routes]
    assert not stale, f"ACCESS names routes that no longer exist: {stale}"


def test_no_stranger_is_granted_anything(world: World) -> None:
    wrong: list[str] = []
    n_cells = 0
    for method, path in _app_routes(world):
        access = ACCESS[(method, path)]
        for caller in STRANGERS:
            want = expected(access, caller, is_page=not path.startswith("/api/"))
            if want == "any":
                continue
            n_cells += 1
            status, location = _call(world, method, path, caller)
            denied = _is_denied(status, location, path)
            if want == "deny" and not denied:
                wrong.append(f"WRONG GRANT {caller}: {method} {path} -> {status}")
            if want == "allow" and ((denied and status != 404) or status >= 500):
                wrong.append(f"wrong denial {caller}: {method} {path} -> {status} {location}")
    n_routes = len(_app_routes(world))
    print(
        f"\nauthorization matrix: {n_routes} routes x {len(STRANGERS)} strangers, "
        f"{n_cells} cells judged, {len(wrong)} wrong"
    )
    assert not wrong, "\n".join(wrong)


def test_the_owner_and_a_member_get_through(world: World) -> None:
    """Controls: the same requests succeed for those entitled (so denials above are real)."""
    refused: list[str] = []
    for method, path in _app_routes(world):
        access = ACCESS[(method, path)]
        for caller in CONTROLS:
            want = expected(access, caller, is_page=not path.startswith("/api/"))
            if want != "allow" or access in (PUBLIC, KEY):
                continue
            status, location = _call(world, method, path, caller)
            if _is_denied(status, location, path) or status >= 500:
                refused.append(f"{caller}: {method} {path} -> {status} {location}")
    assert not refused, "\n".join(refused)


@pytest.mark.parametrize(
    "path", ["/o/{key}", "/o/{key}/agenda.csv", "/api/v1/observe/{key}/agenda"]
)
def test_a_wrong_observer_key_finds_nothing(world: World, path: str) -> None:
    right = world.params["observer_key"]
    for key in (right[:-1], right + "x", "0"):
        assert world.client.get(path.format(key=key)).status_code == 404


def _conversation_reads(world: World) -> list[tuple[str, str]]:
    """The routes anybody may call on a public conversation that read what it holds."""
    return [
        (method, path)
        for method, path in _app_routes(world)
        if method == "GET"
        and ACCESS[(method, path)] == PUBLIC
        and ("{conversation_id}" in path or (method, path) in QUERIES)
    ]


def _on_format(world: World) -> World:
    """The same world, aimed at A's members-only format (its member as the member control)."""
    params = {
        **world.params,
        "conversation_id": str(world.format_id),
        "statement_id": str(world.process_statement_ids[0]),  # one of the format's own
    }
    credentials = {
        **world.credentials,
        "member-token": {"authorization": f"Bearer {world.format_member_token}"},
    }
    return replace(world, params=params, credentials=credentials)


def test_a_members_only_format_is_read_by_nobody_else(world: World) -> None:
    """Statements, analysis, votes and pages of a process's format: members and owner only."""
    on_format = _on_format(world)
    reads = _conversation_reads(world)
    assert len(reads) >= 12  # API v1, the participation pages, Polis's API
    wrong: list[str] = []
    for method, path in reads:
        is_page = not path.startswith("/api/")
        for caller in STRANGERS:
            status, location = _call(on_format, method, path, caller)
            if not _is_denied(status, location, path):
                wrong.append(f"WRONG GRANT {caller}: {method} {path} -> {status}")
            elif caller == "anonymous" and status != 404:  # as if it did not exist
                wrong.append(f"existence told {caller}: {method} {path} -> {status}")
        for caller in ("owner-key", "owner-cookie", "member-token"):
            if is_page and caller != "owner-cookie":
                continue  # pages take no bearer credentials
            if path.startswith("/api/v3/") and caller == "member-token":
                continue  # Polis's API knows facilitators, not members
            status, location = _call(on_format, method, path, caller)
            if (_is_denied(status, location, path) and status != 404) or status >= 500:
                wrong.append(f"wrong denial {caller}: {method} {path} -> {status}")
    assert not wrong, "\n".join(wrong)


def test_no_participation_page_of_a_members_only_format_tells_a_stranger_it_exists(
    world: World,
) -> None:
    """Every /c/ page (voting, votes, a member's standing and agenda) answers 404 to strangers."""
    on_format = _on_format(world)
    pages = [(m, p) for m, p in _app_routes(world) if m == "GET" and p.startswith("/c/{")]
    assert len(pages) >= 6
    told = []
    for method, path in pages:
        for caller in ("anonymous", "participant-cookie"):
            status, _ = _call(on_format, method, path, caller)
            if status != 404:
                told.append(f"{caller}: {method} {path} -> {status}")
    assert not told, "\n".join(told)


def test_a_members_only_format_answers_a_stranger_as_if_it_did_not_exist(world: World) -> None:
    missing = world.client.get("/api/v1/conversations/999999/analysis")
    hidden = world.client.get(f"/api/v1/conversations/{world.format_id}/analysis")
    assert hidden.status_code == missing.status_code == 404
    assert "members" not in hidden.text


def test_a_members_only_format_is_joined_by_its_link_only(world: World) -> None:
    path = f"/api/v1/conversations/{world.format_id}/participants"
    world.client.cookies.clear()
    assert world.client.post(path).status_code == 403
    assert world.client.post(path, params={"key": "guessed"}).status_code == 403
    joined = world.client.post(path, params={"key": world.format_join_key})
    assert joined.status_code == 201, joined.text
    token = joined.json()["token"]
    read = world.client.get(
        f"/api/v1/conversations/{world.format_id}/statements",
        headers={"authorization": f"Bearer {token}"},
    )
    assert read.status_code == 200
    page = world.client.get(f"/c/{world.format_id}", params={"key": world.format_join_key})
    assert page.status_code == 200
    assert f'name="key" value="{world.format_join_key}"' in page.text
