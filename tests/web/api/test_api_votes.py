"""API: joining, voting as yourself, durability, idempotency, validation and rate limits."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from parley.db.models import VoteEvent
from parley.services.participants import participant_vote

V1 = "/api/v1"


def _events(api: Any, participant_id: int) -> int:
    with api.session_factory() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(VoteEvent)
                .where(VoteEvent.participant_id == participant_id)
            )
        )


def test_a_vote_is_stored_when_acknowledged(api: Any) -> None:
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    pid, token = api.join(cid)
    response = api.vote(cid, token, sid, 1)
    assert response.status_code == 200
    assert response.json() == {"statement_id": sid, "vote": 1, "is_recorded": True}
    assert participant_vote(api.session_factory, pid, sid) == 1
    me = api.client.get(f"{V1}/conversations/{cid}/participants/me", headers=api.auth(token))
    assert me.json() == {"id": pid, "conversation_id": cid, "n_voted": 1, "n_total": 1}


def test_a_changed_vote_keeps_both_events_and_the_last_value(api: Any) -> None:
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    pid, token = api.join(cid)
    assert api.vote(cid, token, sid, 1).status_code == 200
    assert api.vote(cid, token, sid, -1).status_code == 200
    assert participant_vote(api.session_factory, pid, sid) == -1
    assert _events(api, pid) == 2


@pytest.mark.parametrize("where", ["body", "header"])
def test_a_retried_vote_with_the_same_key_is_recorded_once(api: Any, where: str) -> None:
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    pid, token = api.join(cid)
    body = {"statement_id": sid, "vote": 1}
    headers = api.auth(token)
    if where == "body":
        body["idempotency_key"] = "k-1"
    else:
        headers["Idempotency-Key"] = "k-1"
    path = f"{V1}/conversations/{cid}/votes"
    first = api.client.post(path, json=body, headers=headers)
    second = api.client.post(path, json=body, headers=headers)
    assert first.json()["is_recorded"] is True
    assert second.status_code == 200 and second.json()["is_recorded"] is False
    assert _events(api, pid) == 1


def test_concurrent_votes_are_committed_in_batches(api: Any) -> None:
    cid = api.create_conversation()
    statements = [api.seed(cid, f"statement {i}") for i in range(10)]
    people = [api.join(cid) for _ in range(8)]

    def vote_all(person: tuple[int, str]) -> list[int]:
        return [api.vote(cid, person[1], sid, 1).status_code for sid in statements]

    with ThreadPoolExecutor(8) as pool:
        codes = [code for codes in pool.map(vote_all, people) for code in codes]
    assert codes == [200] * 80
    writer = api.client.app.state.parley.writer
    assert writer.n_votes == 80
    assert writer.n_batches <= 80
    summary = api.client.get(f"{V1}/conversations/{cid}").json()
    assert summary["n_votes"] == 80


def test_voting_needs_a_participant_token(sqlite_api: Any) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    path = f"{V1}/conversations/{cid}/votes"
    body = {"statement_id": sid, "vote": 1}
    assert api.client.post(path, json=body).status_code == 401
    wrong = api.client.post(path, json=body, headers=api.auth("not-a-token"))
    assert wrong.status_code == 401
    assert "unknown participant token" in wrong.json()["detail"]
    as_facilitator = api.client.post(path, json=body, headers=api.auth(api.key))
    assert as_facilitator.status_code == 403


def test_a_token_works_only_in_its_own_conversation(sqlite_api: Any) -> None:
    api = sqlite_api
    first, second = api.create_conversation(), api.create_conversation(topic="Other")
    sid = api.seed(second, "Elsewhere")
    _, token = api.join(first)
    response = api.vote(second, token, sid, 1)
    assert response.status_code == 401


def test_a_statement_of_another_conversation_is_404(sqlite_api: Any) -> None:
    api = sqlite_api
    first, second = api.create_conversation(), api.create_conversation(topic="Other")
    elsewhere = api.seed(second, "Elsewhere")
    _, token = api.join(first)
    response = api.vote(first, token, elsewhere, 1)
    assert response.status_code == 404
    assert f"statement {elsewhere} does not exist in conversation {first}" in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"statement_id": 1, "vote": 2}, "vote"),
        ({"statement_id": 1, "vote": "yes"}, "vote"),
        ({"vote": 1}, "statement_id"),
        ({"statement_id": 1, "vote": 1, "idempotency_key": "k" * 65}, "idempotency_key"),
    ],
)
def test_invalid_votes_are_422_naming_the_field(
    sqlite_api: Any, body: dict[str, Any], field: str
) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    _, token = api.join(cid)
    response = api.client.post(
        f"{V1}/conversations/{cid}/votes", json=body, headers=api.auth(token)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_votes_past_the_rate_are_429_with_retry_after(make_api: Any) -> None:
    api = make_api(vote_rate=0.5, vote_burst=3)
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    _, token = api.join(cid)
    codes = [api.vote(cid, token, sid, 1).status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    limited = api.vote(cid, token, sid, 1)
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 2
    assert "too many votes" in limited.json()["detail"]
    _, other_token = api.join(cid)  # the limit is per participant
    assert api.vote(cid, other_token, sid, 1).status_code == 200


def test_joining_with_an_xid_twice_is_a_conflict(sqlite_api: Any) -> None:
    api = sqlite_api
    cid = api.create_conversation()
    path = f"{V1}/conversations/{cid}/participants"
    first = api.client.post(path, json={"xid": "user-7"})
    assert first.status_code == 201
    assert api.client.post(path, json={"xid": "user-7"}).status_code == 409
    assert api.client.post(f"{V1}/conversations/999/participants").status_code == 404


def test_a_vote_with_a_known_token_takes_no_thread_hop(
    sqlite_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hot path stays on the event loop: cached participant, path check, no session store."""
    import anyio.to_thread

    api = sqlite_api
    cid = api.create_conversation()
    sid = api.seed(cid, "Parks need trees")
    pid, token = api.join(cid)
    assert api.vote(cid, token, sid, 1).status_code == 200  # the token's participant is cached
    hops: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(function, "__name__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    assert api.vote(cid, token, sid, -1).status_code == 200
    assert hops == []
    assert participant_vote(api.session_factory, pid, sid) == -1
    other_pid, other_token = api.join(cid)  # a join writes: it does take the thread pool
    assert hops
    assert api.vote(cid, other_token, sid, 1).status_code == 200
    assert participant_vote(api.session_factory, other_pid, sid) == 1
