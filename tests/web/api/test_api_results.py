"""API: the worker updates the analysis after votes (warm, then full after moderation)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from parley.compute.analysis import state_from_bytes
from parley.db.models import AnalysisResult

V1 = "/api/v1"
TIMEOUT = 10.0


def _vote_in_two_camps(api: Any, cid: int, statements: list[int], n_people: int) -> None:
    for i in range(n_people):
        _, token = api.join(cid)
        for j, sid in enumerate(statements):
            value = 1 if (i % 2 == j % 2) else -1
            assert api.vote(cid, token, sid, value).status_code == 200


def _analysis_with(api: Any, cid: int, n_votes: int) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        response = api.client.get(f"{V1}/conversations/{cid}/analysis")
        if response.status_code == 200 and response.json()["n_votes"] == n_votes:
            result: dict[str, Any] = response.json()
            return result
        time.sleep(0.05)
    raise AssertionError(f"no analysis with {n_votes} votes within {TIMEOUT} s")


def _states(api: Any, cid: int) -> list[Any]:
    with api.session_factory() as session:
        rows = session.scalars(
            select(AnalysisResult.state)
            .where(AnalysisResult.conversation_id == cid)
            .order_by(AnalysisResult.id)
        ).all()
    return [state_from_bytes(row) for row in rows]


def test_the_worker_analyses_new_votes_warm_and_recomputes_after_moderation(
    api_with_worker: Any,
) -> None:
    api = api_with_worker
    cid = api.create_conversation()
    statements = [api.seed(cid, f"statement {i}") for i in range(8)]
    missing = api.client.get(f"{V1}/conversations/{cid}/analysis")
    assert missing.status_code == 404 and "no analysis yet" in missing.json()["detail"]
    _vote_in_two_camps(api, cid, statements, 20)
    first = _analysis_with(api, cid, 160)
    assert first["k"] == 2
    assert first["n_participants"] == 20
    assert {s["id"] for s in first["statements"]} == set(statements)
    assert first["computed_at"]
    n_updates = _states(api, cid)[-1].n_updates  # the worker ran while the votes came in

    _vote_in_two_camps(api, cid, statements, 4)  # four more people: warm updates
    _analysis_with(api, cid, 192)
    assert _states(api, cid)[-1].n_updates > n_updates  # started from the stored state

    rejected = statements[0]
    moderated = api.client.post(
        f"{V1}/conversations/{cid}/moderation",
        json={"statement_ids": [rejected], "state": -1},
        headers=api.auth(api.key),
    )
    assert moderated.json() == {"n_changed": 1}
    deadline = time.monotonic() + TIMEOUT
    while _states(api, cid)[-1].n_updates != 1:  # a full recompute starts a new state
        assert time.monotonic() < deadline, "no full recompute after moderation"
        time.sleep(0.05)
    latest = api.client.get(f"{V1}/conversations/{cid}/analysis").json()
    assert next(s for s in latest["statements"] if s["id"] == rejected)["moderated"] == -1
    assert len(_states(api, cid)) <= 2  # old analyses are pruned


def test_summary_and_activity(api: Any) -> None:
    cid = api.create_conversation()
    statements = [api.seed(cid, f"statement {i}") for i in range(8)]
    empty = api.client.get(f"{V1}/conversations/{cid}/summary").json()
    assert empty["analysis"] is None
    _vote_in_two_camps(api, cid, statements, 16)
    worker = _worker(api)
    assert worker.run_once() == 1
    summary = api.client.get(f"{V1}/conversations/{cid}/summary").json()
    assert summary["conversation"]["n_votes"] == 128
    analysis = summary["analysis"]
    assert analysis["k"] == 2 and analysis["n_votes"] == 128
    assert sorted(g["size"] for g in analysis["groups"]) == [8, 8]
    representative = analysis["groups"][0]["representative"][0]
    assert representative["text"].startswith("statement ")
    activity = api.client.get(f"{V1}/conversations/{cid}/activity", params={"bucket": "hour"})
    points = activity.json()
    assert sum(p["n_votes"] for p in points) == 128
    assert points[0]["start"].endswith(":00:00+00:00")


def test_the_summary_in_the_readers_language(api: Any) -> None:
    cid = api.create_conversation()
    statements = [api.seed(cid, f"statement {i}") for i in range(8)]
    for i, sid in enumerate(statements):
        added = api.client.post(
            f"{V1}/conversations/{cid}/statements/{sid}/translations",
            json={"language": "de", "text": f"Aussage {i}"},
            headers=api.auth(api.key),
        )
        assert added.status_code == 201, added.text
    _vote_in_two_camps(api, cid, statements, 16)
    assert _worker(api).run_once() == 1
    german = api.client.get(f"{V1}/conversations/{cid}/summary?lang=de").json()["analysis"]
    refs = [r for g in german["groups"] for r in g["representative"]]
    assert refs and all(r["text"].startswith("Aussage ") for r in refs)
    assert all(r["is_translation"] and r["language"] == "de" for r in refs)
    assert all(r["original_text"].startswith("statement ") for r in refs)
    plain = api.client.get(f"{V1}/conversations/{cid}/summary").json()["analysis"]
    first = plain["groups"][0]["representative"][0]
    assert first["text"].startswith("statement ") and not first["is_translation"]
    assert first["original_text"] == first["text"]


def _worker(api: Any) -> Any:
    from parley.compute.worker import AnalysisWorker
    from parley.services.refresh import DatabaseJobs

    return AnalysisWorker(DatabaseJobs(api.session_factory))
