"""Browser tests: a real parley server in a thread, and Debian's chromium driven by Playwright.

The server is uvicorn on 127.0.0.1 (a free port) serving ``create_app(settings)`` over a
temporary SQLite file; the browser is /usr/bin/chromium, launched with the flags that keep it
off the network (no browser is ever downloaded). Everything skips cleanly when chromium or
the playwright package is missing. Screenshots go to ``$PARLEY_ARTIFACTS`` (default: a
temporary folder, printed at the end of the session).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from parley.services import conversations, participants, statements, votes

CHROMIUM = os.environ.get("PARLEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
FACILITATOR = ("ada", "correct horse battery")


def _skip_reason() -> str | None:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    return None


@dataclass
class ProcessSeed:
    """A process with two formats, each holding one statement of its own, nothing shared."""

    id: int
    format_conversations: dict[str, int]
    statements: dict[str, str]  # format name -> the text of its statement
    join_links: dict[str, str]  # format name -> its members' join link (/c/{id}?key=...)


@dataclass
class LiveServer:
    """A parley server running in this process, and what was stored before it started."""

    url: str
    database_url: str
    conversation_id: int
    statement_ids: list[int]
    process: ProcessSeed
    facilitator_name: str = FACILITATOR[0]
    facilitator_password: str = FACILITATOR[1]


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _seed_process(sf: Any, facilitator_id: int) -> ProcessSeed:

    from tests.support.processes import new_process

    pid, formats = new_process(
        sf,
        ["Astana group", "Small Group"],
        name="Syria <i>talks</i>",
        facilitator_id=facilitator_id,
        min_votes=1,
    )
    conversations = {f.name: f.conversation_id for f in formats}
    texts = {
        "Astana group": "Гуманитарная помощь должна доходить до всех нуждающихся.",
        "Small Group": "Sanctions on the civilian economy should be lifted.",
    }
    for name, text in texts.items():
        statements.add_statement(sf, conversations[name], text, is_seed=True)
    links = {f.name: f.join_path for f in formats}
    return ProcessSeed(pid, conversations, texts, links)


def _seed(database_url: str) -> tuple[int, list[int], ProcessSeed]:
    """Store a facilitator and a strict conversation whose votes form two opinion groups."""
    from parley.db import create_engine_for, create_session_factory
    from parley.db.migrate import upgrade_database
    from parley.services import accounts

    engine = create_engine_for(database_url)
    try:
        upgrade_database(engine)
        sf = create_session_factory(engine)
        facilitator_id, _ = accounts.create_facilitator(sf, FACILITATOR[0], password=FACILITATOR[1])
        cid = conversations.create_conversation(
            sf,
            facilitator_id=facilitator_id,
            topic="Wie gestalten wir den Stadtpark?",
            description="A test conversation <b>with markup</b> that must stay text.",
            moderation_mode="strict",
        )
        texts = [
            "More trees and shade in the park",
            "A new car park next to the playground",
            "Longer opening hours for the café",
            "Ban barbecues on the lawn",
            "More benches along the pond",
            "Free concerts on summer evenings",
            "Dogs allowed off the lead everywhere",
            "<script>alert(1)</script> should stay text",
        ]
        ids = [statements.add_statement(sf, cid, text, is_seed=True).id for text in texts]
        for n in range(24):  # two camps with opposite views on every statement
            participant_id, _ = participants.join_conversation(sf, cid)
            camp = 1 if n % 2 == 0 else -1
            for j, sid in enumerate(ids):
                value = camp if j % 3 else (1 if n % 5 else 0)
                votes.cast_vote(sf, participant_id, sid, value)
        return cid, ids, _seed_process(sf, facilitator_id)
    finally:
        engine.dispose()


@contextmanager
def serve(database_url: str, **settings: Any) -> Iterator[str]:
    """Run parley over ``database_url`` on a free port in a thread; yield its base URL."""
    import uvicorn

    from parley.config import Settings
    from parley.web.app import create_app

    sock = _free_socket()
    port = sock.getsockname()[1]
    options = {"analysis_interval": 0.2, **settings}
    config = uvicorn.Config(
        create_app(Settings(database_url=database_url, port=port, **options)),
        log_level="warning",
        lifespan="on",
        ws="none",
        http="h11",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the parley server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Start parley on a free port over a fresh SQLite file; stop it after the session."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("server")
    database_url = f"sqlite:///{folder / 'parley.db'}"
    conversation_id, statement_ids, process = _seed(database_url)
    with serve(database_url) as url:
        yield LiveServer(url, database_url, conversation_id, statement_ids, process)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the folder for screenshots ($PARLEY_ARTIFACTS or a temporary one)."""
    given = os.environ.get("PARLEY_ARTIFACTS")
    folder = Path(given) if given else tmp_path_factory.mktemp("artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def chromium(live_server: LiveServer) -> Iterator[Any]:
    """Launch Debian's chromium once for the session (headless, off the network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    """Return a factory of pages, each in its own context (cookies, viewport, locale).

    Any request to another host than the test server is aborted and fails the test: the
    pages must work offline, with no CDN; so does a JavaScript error on a page, and so does
    anything the Content-Security-Policy refused (the pages must work under it).
    """
    contexts: list[Any] = []
    outside: list[str] = []
    js_errors: list[str] = []
    refused: list[str] = []

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def block(route: Any) -> None:
        if not route.request.url.startswith(live_server.url):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def make(*, viewport: dict[str, int] | None = None, locale: str = "en-GB") -> Any:
        context = chromium.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, locale=locale
        )
        context.set_default_timeout(10_000)
        context.route("**/*", block)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(str(error)))
        page.on("console", console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not outside, f"pages asked other hosts: {outside}"
    assert not js_errors, f"JavaScript errors: {js_errors}"
    assert not refused, f"the Content-Security-Policy refused: {refused}"
