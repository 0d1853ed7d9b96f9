"""API: seeds and participants' statements, moderation (open and strict), next statement."""

from __future__ import annotations

from typing import Any

import pytest

from parley.db.models import AnalysisResult

V1 = "/api/v1"


def _write(api: Any, cid: int, token: str, text: str) -> Any:
    return api.client.post(
        f"{V1}/conversations/{cid}/statements", json={"text": text}, headers=api.auth(token)
    )


def _visible(api: Any, cid: int) -> list[int]:
    return [s["id"] for s in api.client.get(f"{V1}/conversations/{cid}/statements").json()]


def _queue(api: Any, cid: int, state: int = 0) -> dict[str, Any]:
    response = api.client.get(
        f"{V1}/conversations/{cid}/moderation", params={"state": state}, headers=api.auth(api.key)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _moderate(api: Any, cid: int, ids: list[int], state: int) -> Any:
    return api.client.post(
        f"{V1}/conversations/{cid}/moderation",
        json={"statement_ids": ids, "state": state, "reason": "test"},
        headers=api.auth(api.key),
    )


def test_strict_moderation_flow(api: Any) -> None:
    cid = api.create_conversation(moderation_mode="strict")
    seed = api.seed(cid, "Parks need trees")
    _, token = api.join(cid)
    written = _write(api, cid, token, "Benches too")
    assert written.status_code == 201
    assert written.json()["moderation_state"] == 0
    new = written.json()["id"]
    assert _visible(api, cid) == [seed]  # waits for a moderator
    refused = api.vote(cid, token, new, 1)
    assert refused.status_code == 409 and "awaits moderation" in refused.json()["detail"]
    queue = _queue(api, cid)
    assert [s["id"] for s in queue["statements"]] == [new]
    assert queue["statements"][0]["author_id"] is not None
    assert queue["counts"] == {"rejected": 0, "unmoderated": 1, "accepted": 1}
    assert _moderate(api, cid, [new], 1).json() == {"n_changed": 1}
    assert _visible(api, cid) == [seed, new]
    assert api.vote(cid, token, new, 1).status_code == 200
    assert _moderate(api, cid, [new], 1).json() == {"n_changed": 0}  # already accepted


def test_open_mode_shows_at_once_and_rejects_in_bulk(api: Any) -> None:
    cid = api.create_conversation()
    _, token = api.join(cid)
    ids = [_write(api, cid, token, f"idea {i}").json()["id"] for i in range(3)]
    assert _visible(api, cid) == ids
    assert _moderate(api, cid, ids[:2], -1).json() == {"n_changed": 2}
    assert _visible(api, cid) == ids[2:]
    assert [s["id"] for s in _queue(api, cid, -1)["statements"]] == ids[:2]
    refused = api.vote(cid, token, ids[0], 1)
    assert refused.status_code == 409 and "rejected" in refused.json()["detail"]


def test_moderation_is_for_the_owner_only(sqlite_api: Any, other_key: str) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    path = f"{V1}/conversations/{cid}/moderation"
    body = {"statement_ids": [sid], "state": -1}
    assert api.client.post(path, json=body).status_code == 401
    assert api.client.post(path, json=body, headers=api.auth(other_key)).status_code == 403
    assert api.client.get(path, headers=api.auth(other_key)).status_code == 403
    _, token = api.join(cid)
    assert api.client.get(path, headers=api.auth(token)).status_code == 401


def test_moderating_a_statement_of_another_conversation_is_404(sqlite_api: Any) -> None:
    api = sqlite_api
    first, second = api.create_conversation(), api.create_conversation(topic="Other")
    elsewhere = api.seed(second, "Elsewhere")
    response = _moderate(api, first, [elsewhere], -1)
    assert response.status_code == 404
    assert _visible(api, second) == [elsewhere]


@pytest.mark.parametrize(
    ("text", "status", "field"),
    [("x" * 1001, 422, "text"), ("", 422, "text"), ("   ", 400, None)],
)
def test_statement_text_is_checked(
    sqlite_api: Any, text: str, status: int, field: str | None
) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    _, token = api.join(cid)
    response = _write(api, cid, token, text)
    assert response.status_code == status
    if field is not None:
        assert response.json()["errors"][0]["field"] == field
        assert "1000" in response.text or "at least 1" in response.text


def test_an_exact_duplicate_is_a_conflict(sqlite_api: Any) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    api.seed(cid, "Parks need trees")
    _, token = api.join(cid)
    response = _write(api, cid, token, "  Parks need trees ")
    assert response.status_code == 409
    assert "says exactly this already" in response.json()["detail"]


def test_statements_past_the_rate_are_429(make_api: Any) -> None:
    api = make_api(statement_rate=0.01, statement_burst=2)
    cid = api.create_conversation()
    _, token = api.join(cid)
    assert [_write(api, cid, token, f"idea {i}").status_code for i in range(2)] == [201, 201]
    limited = _write(api, cid, token, "idea 3")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 60


def _next(api: Any, cid: int, token: str) -> Any:
    return api.client.get(f"{V1}/conversations/{cid}/statements/next", headers=api.auth(token))


def test_next_statement_follows_the_priorities(api: Any) -> None:
    cid = api.create_conversation()
    low, high, middle = (api.seed(cid, text) for text in ("low", "high", "middle"))
    with api.session_factory.begin() as session:
        session.add(
            AnalysisResult(
                conversation_id=cid,
                n_votes=0,
                payload={},
                priorities={str(low): 1e-9, str(high): 1e9, str(middle): 1e3},
            )
        )
    _, token = api.join(cid)
    order = []
    for _ in range(3):
        statement = _next(api, cid, token).json()
        order.append(statement["id"])
        assert api.vote(cid, token, statement["id"], 0).status_code == 200
    assert order == [high, middle, low]
    assert _next(api, cid, token).status_code == 204


def test_next_statement_is_stable_and_never_a_voted_or_hidden_one(sqlite_api: Any) -> None:
    api = sqlite_api
    cid = api.create_conversation(moderation_mode="strict")
    seeds = [api.seed(cid, f"seed {i}") for i in range(6)]
    _, token = api.join(cid)
    waiting = _write(api, cid, token, "not shown yet").json()["id"]
    first = _next(api, cid, token).json()["id"]
    assert _next(api, cid, token).json()["id"] == first  # a reload shows the same one
    seen = set()
    while (response := _next(api, cid, token)).status_code == 200:
        sid = response.json()["id"]
        assert sid not in seen and sid != waiting
        seen.add(sid)
        api.vote(cid, token, sid, 1)
    assert seen == set(seeds)


def test_next_statement_needs_a_participant(sqlite_api: Any) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    assert api.client.get(f"{V1}/conversations/{cid}/statements/next").status_code == 401


def test_similar_lists_look_alikes_across_languages_before_submitting(api: Any) -> None:
    cid = api.create_conversation(topic="Talks", languages=["en", "fr"])
    root = api.seed(cid, "Les réfugiés doivent pouvoir rentrer chez eux en sécurité.")
    api.seed(cid, "Sanctions should be lifted.")
    _, token = api.join(cid)
    response = api.client.post(
        f"{V1}/conversations/{cid}/statements/similar",
        json={"text": "Refugees must be able to return home safely."},
        headers=api.auth(token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "en"
    assert [s["statement_id"] for s in body["similar"]] == [root]
    assert body["similar"][0]["language"] == "fr" and body["similar"][0]["score"] > 0.9
    assert body["similar"][0]["local_id"] == root  # in this very conversation
    # nothing was saved, and a participant token is needed
    assert root in _visible(api, cid) and len(_visible(api, cid)) == 2
    anonymous = api.client.post(f"{V1}/conversations/{cid}/statements/similar", json={"text": "x"})
    assert anonymous.status_code == 401


def test_the_author_corrects_the_detected_language(api: Any) -> None:
    cid = api.create_conversation(topic="Talks")
    _, token = api.join(cid)
    _, other = api.join(cid)
    created = _write(api, cid, token, "Das ist eine Aussage auf Deutsch, ganz sicher.")
    sid = created.json()["id"]
    listed = api.client.get(f"{V1}/conversations/{cid}/statements").json()
    assert [s["language"] for s in listed if s["id"] == sid] == ["de"]
    path = f"{V1}/conversations/{cid}/statements/{sid}"
    response = api.client.patch(path, json={"language": "de-CH"}, headers=api.auth(token))
    assert response.status_code == 200, response.text
    assert response.json()["language"] == "de-CH"
    refused = api.client.patch(path, json={"language": "fr"}, headers=api.auth(other))
    assert refused.status_code == 404
    invalid = api.client.patch(path, json={"language": "not a tag"}, headers=api.auth(token))
    assert invalid.status_code == 422
