"""API: conversations, facilitator authentication, problem+json errors and the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest

V1 = "/api/v1"
PROBLEM = "application/problem+json"


def test_a_facilitator_creates_and_reads_a_conversation(api: Any) -> None:
    response = api.client.post(
        f"{V1}/conversations",
        json={"topic": "Parks", "description": "More trees?", "moderation_mode": "strict"},
        headers=api.auth(api.key),
    )
    assert response.status_code == 201
    conversation_id = response.json()["id"]
    read = api.client.get(f"{V1}/conversations/{conversation_id}").json()
    assert read["topic"] == "Parks"
    assert read["description"] == "More trees?"
    assert read["moderation_mode"] == "strict"
    assert (read["n_participants"], read["n_statements"], read["n_votes"]) == (0, 0, 0)
    listed = api.client.get(f"{V1}/conversations", headers=api.auth(api.key)).json()
    assert [c["id"] for c in listed] == [conversation_id]


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "log in, or send the API key"),
        ({"Authorization": "Bearer parley_not-a-key"}, "unknown API key"),
        ({"Authorization": "Basic YWRhOnB3"}, "should be 'Bearer <token>'"),
        ({"Authorization": "Bearer some-participant-token"}, "not a participant token"),
    ],
)
def test_creating_a_conversation_needs_an_api_key(
    sqlite_api: Any, headers: dict[str, str], detail: str
) -> None:
    response = sqlite_api.client.post(f"{V1}/conversations", json={"topic": "x"}, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert detail in body["detail"]


def test_another_facilitator_may_not_manage_it(sqlite_api: Any, other_key: str) -> None:
    conversation_id = sqlite_api.create_conversation()
    response = sqlite_api.client.post(
        f"{V1}/conversations/{conversation_id}/statements",
        json={"text": "not mine"},
        headers=sqlite_api.auth(other_key),
    )
    assert response.status_code == 403
    assert "belongs to another facilitator" in response.json()["detail"]
    listed = sqlite_api.client.get(f"{V1}/conversations", headers=sqlite_api.auth(other_key)).json()
    assert listed == []


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "topic", "Field required"),
        ({"topic": ""}, "topic", "at least 1 character"),
        ({"topic": "x" * 1001}, "topic", "at most 1000 characters"),
        ({"topic": "x", "moderation_mode": "lax"}, "moderation_mode", "'open' or 'strict'"),
        ({"topic": "x", "languages": ["english!"]}, "languages.0", "should match pattern"),
        ({"topic": "x", "owner": 3}, "owner", "Extra inputs are not permitted"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    sqlite_api: Any, body: dict[str, Any], field: str, message: str
) -> None:
    response = sqlite_api.client.post(
        f"{V1}/conversations", json=body, headers=sqlite_api.auth(sqlite_api.key)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    assert message in problem["errors"][0]["message"]
    assert problem["detail"].startswith(f"{field}: ")


def test_a_body_that_is_not_json_is_422(sqlite_api: Any) -> None:
    response = sqlite_api.client.post(
        f"{V1}/conversations",
        content=b"topic=x",
        headers={
            **sqlite_api.auth(sqlite_api.key),
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{V1}/conversations/999", 404),
        ("GET", f"{V1}/no-such-thing", 404),
        ("DELETE", f"{V1}/conversations/1", 405),
        ("GET", f"{V1}/conversations/abc", 422),
    ],
)
def test_errors_are_problem_json(sqlite_api: Any, method: str, path: str, status: int) -> None:
    response = sqlite_api.client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["status"] == status


def test_a_body_over_the_limit_is_413(make_api: Any) -> None:
    api = make_api(max_body_bytes=2048)
    response = api.client.post(
        f"{V1}/conversations",
        json={"topic": "x", "description": "y" * 4000},
        headers=api.auth(api.key),
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert "2048 bytes" in response.json()["detail"]


def test_a_streamed_body_over_the_limit_is_413(make_api: Any) -> None:
    api = make_api(max_body_bytes=2048)

    def chunks() -> Any:
        yield b'{"topic": "x", "description": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    response = api.client.post(
        f"{V1}/conversations",
        content=chunks(),
        headers={**api.auth(api.key), "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_openapi_describes_every_endpoint(sqlite_api: Any) -> None:
    schema = sqlite_api.client.get("/openapi.json").json()
    paths = set(schema["paths"])
    cid = "/api/v1/conversations/{conversation_id}"
    assert {
        "/api/v1/conversations",
        cid,
        f"{cid}/statements",
        f"{cid}/statements/next",
        f"{cid}/participants",
        f"{cid}/participants/me",
        f"{cid}/votes",
        f"{cid}/moderation",
        f"{cid}/analysis",
        f"{cid}/summary",
        f"{cid}/activity",
        "/api/v1/session",
    } <= paths
    assert "bearer" in str(schema.get("components", {}).get("securitySchemes", {})).lower()


def test_healthz(sqlite_api: Any) -> None:
    assert sqlite_api.client.get("/healthz").json()["status"] == "ok"


def test_malformed_json_is_422_naming_the_body(sqlite_api: Any) -> None:
    response = sqlite_api.client.post(
        f"{V1}/conversations",
        content=b'{"topic": ',
        headers={**sqlite_api.auth(sqlite_api.key), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


def test_a_facilitator_changes_who_may_read_and_the_group_size(sqlite_api: Any) -> None:
    api = sqlite_api
    auth = api.auth(api.key)
    cid = api.client.post(f"{V1}/conversations", json={"topic": "Dams"}, headers=auth).json()["id"]
    base = f"{V1}/conversations/{cid}"
    start = api.client.get(f"{base}/privacy", headers=auth).json()
    assert start == {
        "visibility": "public",
        "min_group_size": None,
        "min_group_size_shown": 3,
        "join_path": f"/c/{cid}",
    }
    private = api.client.put(
        f"{base}/privacy", json={"visibility": "members", "min_group_size": 7}, headers=auth
    )
    assert private.status_code == 200
    body = private.json()
    assert (body["visibility"], body["min_group_size"], body["min_group_size_shown"]) == (
        "members",
        7,
        7,
    )
    key = body["join_path"].split("?key=")[1]
    assert len(key) >= 16
    # members-only: hidden from anybody without the key, open to its join link
    assert api.client.get(base).status_code == 404
    joined = api.client.post(f"{base}/participants", params={"key": key})
    assert joined.status_code == 201
    assert api.client.get(base, headers=auth).json()["visibility"] == "members"
    back = api.client.put(f"{base}/privacy", json={"visibility": "public"}, headers=auth).json()
    assert (back["visibility"], back["min_group_size"], back["min_group_size_shown"]) == (
        "public",
        None,
        3,
    )
    # the key stays with the conversation, so links handed out work if it turns private again
    assert back["join_path"] == f"/c/{cid}?key={key}"
    assert api.client.get(base).status_code == 200
    bad = api.client.put(
        f"{base}/privacy", json={"visibility": "secret", "min_group_size": 1}, headers=auth
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"visibility", "min_group_size"}
