"""Fixtures for the HTML pages tests: an app over a fresh SQLite file, a client, stored data.

``pages_env`` migrates a temporary database, stores a facilitator with a password and two
conversations (one open, one strict) with seed statements, and serves ``create_app`` through
Starlette's TestClient (lifespan on, so the vote writer runs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from parley.config import Settings
from parley.db import create_engine_for, create_session_factory
from parley.db.engine import SessionFactory
from parley.db.migrate import upgrade_database
from parley.services import accounts, conversations, statements
from parley.services.refresh import refresh_everything

FACILITATOR = ("ada", "correct horse battery")
SCRIPT = "<script>alert(1)</script>"
SEEDS = ("Parks need more trees", "Cars should pay for parking", f"{SCRIPT} is a statement")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class PagesEnv:
    """The app's client and what was stored before it started."""

    client: TestClient
    session_factory: SessionFactory
    facilitator_id: int
    open_id: int
    strict_id: int
    seed_ids: list[int]
    api_key: str = ""

    def catch_up(self) -> int:
        """Run the analysis worker's pending jobs now (analyses, joint agendas)."""
        return refresh_everything(self.session_factory)

    def csrf(self, path: str = "/login") -> str:
        """Return the CSRF token of the first form on the page at ``path``."""
        found = _CSRF.search(self.client.get(path).text)
        assert found, f"no csrf_token field on {path}"
        return found.group(1)

    def log_in(self, name: str = FACILITATOR[0], password: str = FACILITATOR[1]) -> None:
        """Log the client in as a facilitator through the login form."""
        data = {"name": name, "password": password, "next": "/f", "csrf_token": self.csrf()}
        response = self.client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text


@pytest.fixture
def pages_env(tmp_path: Path) -> Iterator[PagesEnv]:
    """Serve the app over a fresh database holding a facilitator and two conversations."""
    from parley.web.app import create_app

    url = f"sqlite:///{tmp_path / 'pages.db'}"
    engine = create_engine_for(url)
    upgrade_database(engine)
    sf = create_session_factory(engine)
    facilitator_id, api_key = accounts.create_facilitator(
        sf, FACILITATOR[0], password=FACILITATOR[1]
    )
    open_id = conversations.create_conversation(
        sf, facilitator_id=facilitator_id, topic="Open <i>park</i> talk", moderation_mode="open"
    )
    strict_id = conversations.create_conversation(
        sf, facilitator_id=facilitator_id, topic="Strict talk", moderation_mode="strict"
    )
    seed_ids = [statements.add_statement(sf, open_id, s, is_seed=True).id for s in SEEDS]
    for text in SEEDS[:2]:
        statements.add_statement(sf, strict_id, text, is_seed=True)
    settings = Settings(database_url=url, secret_key="pages-test-secret")
    try:
        app = create_app(settings, run_worker=False)  # analyses run when a test asks
        with TestClient(app, base_url="http://testserver") as client:
            yield PagesEnv(client, sf, facilitator_id, open_id, strict_id, seed_ids, api_key)
    finally:
        engine.dispose()
