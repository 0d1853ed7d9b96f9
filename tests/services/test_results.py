"""Results: pending analyses, refresh (warm and full), latest analysis, summaries, the demo."""

from __future__ import annotations

from sqlalchemy import select

from parley.compute.analysis import state_from_bytes
from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult
from parley.services import conversations, moderation, participants, refresh, results, statements
from parley.services.votes import VoteRequest, record_votes


def _two_camps(session_factory: SessionFactory, n_people: int = 16) -> tuple[int, list[int]]:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="x")
    ids = [
        statements.add_statement(session_factory, cid, f"s{i}", is_seed=True).id for i in range(6)
    ]
    _more_people(session_factory, cid, ids, n_people)
    return cid, ids


def _more_people(session_factory: SessionFactory, cid: int, ids: list[int], n: int) -> None:
    requests = []
    for p in range(n):
        pid, _ = participants.join_conversation(session_factory, cid)
        requests += [
            VoteRequest(pid, sid, 1 if p % 2 == j % 2 else -1) for j, sid in enumerate(ids)
        ]
    record_votes(session_factory, requests)


def test_pending_refresh_warm_then_full(session_factory: SessionFactory) -> None:
    cid, ids = _two_camps(session_factory)
    empty = conversations.create_conversation(session_factory, facilitator_id=None, topic="y")
    assert results.latest_analysis(session_factory, cid) is None
    (job,) = refresh.pending_analyses(session_factory)  # the empty one is not pending
    assert (job.conversation_id, job.is_full) == (cid, True)
    output = refresh.refresh_analysis(session_factory, job)
    assert output is not None and output.payload["k"] == 2
    assert refresh.pending_analyses(session_factory) == []
    latest = results.latest_analysis(session_factory, cid)
    assert latest is not None and latest["n_votes"] == 96 and "computed_at" in latest

    _more_people(session_factory, cid, ids, 2)
    (job,) = refresh.pending_analyses(session_factory)
    assert not job.is_full
    assert refresh.refresh_analysis(session_factory, job) is not None
    with session_factory() as session:
        states = session.scalars(
            select(AnalysisResult.state).where(AnalysisResult.conversation_id == cid)
        ).all()
    assert [state_from_bytes(s).n_updates for s in states] == [1, 2]

    moderation.moderate(session_factory, [ids[0]], -1, actor="ada")
    (job,) = refresh.pending_analyses(session_factory)
    assert job.is_full
    refresh.refresh_analysis(session_factory, job)
    assert results.latest_analysis(session_factory, empty) is None


def test_summaries_and_activity(session_factory: SessionFactory) -> None:
    cid, _ = _two_camps(session_factory)
    for job in refresh.pending_analyses(session_factory):
        refresh.refresh_analysis(session_factory, job)
    info = conversations.conversation_summary(session_factory, cid)
    assert (info.n_participants, info.n_statements, info.n_votes) == (16, 6, 96)
    summary = results.results_summary(session_factory, cid)
    assert summary["analysis"]["k"] == 2
    assert len(summary["analysis"]["common_ground"]) <= 5
    assert [c.id for c in conversations.list_conversations(session_factory, 1)] == [cid]
    (day, n), *rest = results.votes_over_time(session_factory, cid)
    assert n == 96 and rest == [] and len(day) == 10
