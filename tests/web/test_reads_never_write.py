"""Reads never write: every GET of the API and the pages leaves the database as it was.

The routes come from the app's route table, so a new GET route is checked without being
listed; a path parameter this test cannot fill fails it, to be added to ``VALUES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from parley.db.models import Base
from parley.services.access import join_key_of
from parley.services.accounts import instance_secret
from parley.services.agenda_items import item_labels
from parley.services.participants import join_conversation
from parley.services.polis_reports import REPORT_SECRET, report_id_of
from parley.services.processes import create_process, process_info
from parley.services.rounds import close_round
from parley.services.rules import ProcessSettings
from parley.services.sharing import share_statement
from parley.services.statements import add_statement
from parley.services.translation_store import add_translation
from parley.services.votes import cast_vote

pytestmark = pytest.mark.slow  # the worker's catch-up clusters the statements

_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def _get_routes(routes: list[Any], prefix: str = "") -> Iterator[str]:
    """Yield the path of every GET route, inside included routers too."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _get_routes(included.routes, prefix + route.include_context.prefix)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def _snapshot(env: Any) -> dict[str, Any]:
    """Row counts of every table and the versions the worker compares."""
    with env.session_factory() as session:
        counts = {
            name: session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar()
            for name in Base.metadata.tables
        }
        versions = session.execute(
            text("SELECT id, votes_version, moderation_version FROM conversations ORDER BY id")
        ).all()
        processes = session.execute(text("SELECT id, version FROM processes ORDER BY id")).all()
        agendas = session.execute(
            text("SELECT process_id, fingerprint, computed_at FROM process_agendas")
        ).all()
        items = session.execute(text("SELECT id, label FROM agenda_items ORDER BY id")).all()
    return {
        "counts": counts,
        "versions": [tuple(r) for r in versions],
        "processes": [tuple(r) for r in processes],
        "agendas": [tuple(r) for r in agendas],
        "items": [tuple(r) for r in items],
    }


def test_every_get_leaves_the_database_unchanged(pages_env: Any) -> None:
    env = pages_env
    sf = env.session_factory
    pid = create_process(
        sf,
        facilitator_id=env.facilitator_id,
        name="Talks",
        formats=["Astana group", "Small Group"],
        settings=ProcessSettings(min_votes=1),
    )
    a, b = (f.conversation_id for f in process_info(sf, pid).formats)
    roots = [
        add_statement(sf, a, text_, is_seed=True, language="en").id
        for text_ in ("Open the crossings for aid.", "Elections within two years.")
    ]
    copies = [share_statement(sf, r)[0] for r in roots]
    add_translation(sf, a, roots[0], "ru", "Откройте переходы для помощи.")
    for conversation, targets in ((a, roots), (b, copies)):
        for n in range(3):
            member = join_conversation(sf, conversation)[0]
            for target in targets:
                cast_vote(sf, member, target, 1 if n else -1)
    add_statement(sf, a, "A statement still to be placed on the agenda.", is_seed=True)
    env.catch_up()
    close_round(sf, pid)  # round 1, read by the rounds routes and the brief
    add_statement(sf, b, "Votes and statements after the worker's last run.", is_seed=True)
    (item_id, *_) = item_labels(sf, pid)
    observer_key = process_info(sf, pid).observer_key
    join_key = join_key_of(sf, a)
    values = {
        "conversation_id": str(a),
        "process_id": str(pid),
        "statement_id": str(roots[0]),
        "item_id": str(item_id),
        "observer_key": observer_key,
        "ext": "json",
        "path": "app.css",
        "report_id": report_id_of(instance_secret(sf, REPORT_SECRET), a),
        "file_name": "votes.csv",
        "number": "1",
    }
    # GETs whose query parameters choose what they read
    with_params = {
        "/api/v1/processes/{process_id}/changes": ["?since=1"],
        "/api/v1/processes/{process_id}/brief": ["?round=1&lang=ar&format=html", "?format=pdf"],
        "/f/p/{process_id}/brief": ["?round=1&format=pdf", "?lang=de&format=html"],
        "/f/p/{process_id}/rounds": ["?since=1", "?since=1&until=1"],
        "/o/{observer_key}/brief": ["?round=1&format=html"],
        "/f/p/{process_id}/agenda/live": ["?since=stale"],
        "/o/{observer_key}/live": ["?since=stale"],
        "/f/c/{conversation_id}/translations": ["?offset=50", "?done=saved&lang=ru"],
        "/f/c/{conversation_id}/results": ["?lang=ru"],
        "/f/c/{conversation_id}/moderation": ["?state=1&lang=ru"],
        "/f/p/{process_id}/statements": ["?lang=ru"],
        "/r/{report_id}": ["?lang=ru"],
    }
    # Polis's read API takes the conversation in the query
    polis_query = f"?conversation_id={a}&pid=0&xid=nobody"
    env.log_in()
    visitor = TestClient(env.client.app, base_url="http://testserver")  # no cookie, no login
    key_header = {"Authorization": f"Bearer {env.api_key}"}
    paths = sorted(set(_get_routes(env.client.app.routes)))
    assert any(p.startswith("/api/v1/") for p in paths) and "/f/p/{process_id}/agenda" in paths
    before = _snapshot(env)
    checked = 0
    for path in paths:
        missing = set(_PARAM.findall(path)) - set(values)
        assert not missing, f"{path}: give the test a value for {sorted(missing)}"
        url = _PARAM.sub(lambda m: values[m.group(1)], path)
        urls = [url] + [url[: -len(".json")] + f".{e}" for e in ("csv", "md") if ".json" in url]
        if url.startswith("/api/v3/") and "{" not in path:
            urls.append(url + polis_query)
        urls += [url + query for query in with_params.get(path, [])]
        if "agenda" in url or "statements" in url or url.startswith(("/c/", "/o/")):
            urls += [u + "?lang=ru" for u in list(urls) if "?" not in u]  # read in a language
        if "{conversation_id}" in path and not url.startswith("/f/"):
            urls.append(f"{url}?key={join_key}")  # a visitor by the join link reads, joins not
        for target in urls:
            for client, headers in ((env.client, key_header), (visitor, {})):
                response = client.get(target, headers=headers, follow_redirects=False)
                assert response.status_code < 500, (target, response.text[:300])
                checked += 1
    assert checked > 60
    # the page that asks before a merge, with the two statements it names
    confirm = f"/f/p/{pid}/merge?keep_id={roots[0]}&drop_id={roots[1]}"
    assert env.client.get(confirm).status_code == 200
    assert _snapshot(env) == before
