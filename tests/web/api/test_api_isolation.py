"""Hostile input is refused before it reaches the database: no 5xx, no traceback, 404 or 422.

Ids past the database's range (2**64 on SQLite, 3,000,000,000 on PostgreSQL's 32-bit ids)
answer 404 on every route that takes an id in its path, pages included, and 422 in a body;
text with a NUL or a lone surrogate answers 422 naming the field. Each runs on both backends.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from parley.db.storable import MAX_ID
from parley.web.problems import PROBLEM_JSON, install_error_handlers

from .conftest import V1, Api, auth

HUGE_IDS = [2**64, 2**63, 3_000_000_000, MAX_ID + 1, -(2**63) - 1]
_PARAMETER = re.compile(r"\{([^}]+)\}")


def _routes_with_ids(api: Api) -> list[tuple[str, str]]:
    """Return (method, path template) of every API operation and page with an id in its path."""
    found = []
    for path, item in api.client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        if any(name.endswith("_id") for name in _PARAMETER.findall(path)):
            found += [(method.upper(), path) for method in item]
    pages = [
        ("GET", "/c/{conversation_id}"),
        ("POST", "/c/{conversation_id}/vote"),
        ("GET", "/f/c/{conversation_id}"),
        ("GET", "/f/p/{process_id}/agenda"),
        ("POST", "/f/p/{process_id}/items/{item_id}/label"),
    ]
    return found + pages


def _fill(path: str, value: int) -> str:
    return _PARAMETER.sub(lambda m: str(value) if m.group(1).endswith("_id") else "x", path)


def test_every_id_in_a_path_past_the_range_answers_404(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    routes = _routes_with_ids(api)
    assert len(routes) >= 20
    for method, template in routes:
        for value in HUGE_IDS:
            path = _fill(template, value)
            response = api.client.request(method, path, headers=auth(api.key))
            assert response.status_code == 404, (method, path, response.text[:300])
            if path.startswith("/api/"):
                assert response.headers["content-type"] == PROBLEM_JSON
                assert f"={value} does not exist" in response.json()["detail"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("value", [2**64, 3_000_000_000])
def test_ids_past_the_range_in_a_body_answer_422(api: Api, value: int) -> None:
    cid = api.create_conversation()
    api.seed(cid, "Parks need trees")
    _, token = api.join(cid)
    response = api.vote(cid, token, value, 1)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "statement_id"
    moderated = api.client.post(
        f"{V1}/conversations/{cid}/moderation",
        json={"statement_ids": [value], "state": 1},
        headers=auth(api.key),
    )
    assert moderated.status_code == 422, moderated.text


def _post(api: Api, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    """POST ``body`` as JSON with its non-ASCII escaped (as \\uXXXX, lone surrogates too)."""
    headers = {**auth(token or api.key), "content-type": "application/json"}
    return api.client.post(f"{V1}{path}", content=json.dumps(body), headers=headers)


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
def test_text_the_database_cannot_store_answers_422_naming_the_field(
    api: Api, bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    _, token = api.join(cid)
    answers = {
        "topic": _post(api, "/conversations", {"topic": bad}),
        "statement text": _post(api, f"/conversations/{cid}/statements", {"text": bad}),
        "own statement": _post(api, f"/conversations/{cid}/statements", {"text": bad}, token),
        "xid": _post(api, f"/conversations/{cid}/participants", {"xid": bad}),
        "idempotency_key": _post(
            api,
            f"/conversations/{cid}/votes",
            {"statement_id": sid, "vote": 1, "idempotency_key": bad},
            token,
        ),
        "process name": _post(api, "/processes", {"name": bad, "formats": ["a", "b"]}),
        "format name": _post(api, "/processes", {"name": "p", "formats": [bad, "b"]}),
        "name": _post(api, "/session", {"name": bad, "password": "x" * 12}),
    }
    # in a path, a lone surrogate arrives as invalid UTF-8, which the server decodes lossily
    observed = api.client.get(f"{V1}/observe/{quote(bad, errors='surrogatepass')}/agenda")
    assert observed.status_code == (422 if "\x00" in bad else 404), observed.text
    for field, response in answers.items():
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        detail = response.json()["detail"]
        # pydantic refuses a lone surrogate in JSON itself; a NUL reaches parley's check
        assert "cannot be stored" in detail or "unicode string" in detail, (field, detail)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with api.session_factory() as session:  # nothing of it was stored
        from parley.db.models import Conversation, Participant, Process, Statement, VoteEvent

        assert session.query(Conversation).count() == 1
        assert session.query(Statement).count() == 1
        assert session.query(Participant).count() == 1
        assert session.query(VoteEvent).count() == 0
        assert session.query(Process).count() == 0


def test_an_unexpected_error_is_answered_500_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/boom")
    async def boom() -> None:
        raise RuntimeError("a bug of parley's")

    with TestClient(app) as client:
        answers = [client.get("/api/boom") for _ in range(20)]
    assert {a.status_code for a in answers} == {500}
    assert answers[0].json()["detail"] == "an unexpected error happened; it was logged"
    assert "a bug" not in answers[0].text  # nothing leaks
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None and "/api/boom" in logged[0].getMessage()


def test_the_agenda_csv_defuses_format_names_in_its_header(api: Api) -> None:
    hostile = ['=HYPERLINK("http://evil.example","x")', "@SUM(A1)"]
    created = _post(api, "/processes", {"name": "City", "formats": hostile, "min_votes": 1})
    assert created.status_code == 201, created.text
    pid, conversation_id = created.json()["id"], created.json()["formats"][0]["conversation_id"]
    api.seed(conversation_id, "-1 is a number, +1 a vote")
    response = api.client.get(f"{V1}/processes/{pid}/agenda.csv", headers=auth(api.key))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x") agree' in rows[0]
    assert "'@SUM(A1) pass" in rows[0]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [c for c in cells if c[:1] == "-" and not c.lstrip("-").replace(".", "").isdigit()]


def test_the_openapi_document_describes_the_error_answers(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    n_operations = 0
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            n_operations += 1
            answers = operation["responses"]
            for status in ("400", "401", "403", "404", "422", "429"):
                content = answers[status]["content"]
                assert content == {
                    PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
                }
            assert ("413" in answers) == (method in ("post", "put", "patch", "delete")), path
            assert "Retry-After" in answers["429"]["headers"]
    assert n_operations >= 25
