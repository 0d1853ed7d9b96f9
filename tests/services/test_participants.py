"""Taking part: conversations, statements, joining, votes in batches, progress, routing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, VoteEvent
from parley.errors import ConflictError, InputError, NotFoundError
from parley.services import conversations, participants, statements
from parley.services.votes import VoteRequest, cast_vote, record_votes


def _conversation(session_factory: SessionFactory, mode: str = "open") -> int:
    return conversations.create_conversation(
        session_factory, facilitator_id=None, topic="Parks", moderation_mode=mode
    )


def test_create_conversation_checks_its_options(session_factory: SessionFactory) -> None:
    cid = conversations.create_conversation(
        session_factory, facilitator_id=None, topic=" Parks ", languages=["de", "fr-CH"]
    )
    with session_factory() as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        assert (conversation.topic, conversation.languages) == ("Parks", ["de", "fr-CH"])
    with pytest.raises(InputError, match="moderation_mode='lax'"):
        conversations.create_conversation(
            session_factory, facilitator_id=None, topic="x", moderation_mode="lax"
        )
    with pytest.raises(InputError, match="not a language tag"):
        conversations.create_conversation(
            session_factory, facilitator_id=None, topic="x", languages=["english"]
        )
    with pytest.raises(InputError, match="topic cannot be empty"):
        conversations.create_conversation(session_factory, facilitator_id=None, topic=" ")


def test_statements_seeds_and_participants(session_factory: SessionFactory) -> None:
    cid = _conversation(session_factory, "strict")
    seed = statements.add_statement(session_factory, cid, "Trees", is_seed=True)
    pid, _ = participants.join_conversation(session_factory, cid)
    own = statements.add_statement(session_factory, cid, "Benches", participant_id=pid)
    assert (seed.moderation_state, own.moderation_state) == (1, 0)
    assert own.author_id == pid
    assert [s.id for s in statements.visible_statements(session_factory, cid)] == [seed.id]
    with pytest.raises(InputError, match="at most 1000"):
        statements.add_statement(session_factory, cid, "x" * 1001)
    with pytest.raises(ConflictError):
        statements.add_statement(session_factory, cid, "Trees")
    other = _conversation(session_factory)
    with pytest.raises(NotFoundError, match=f"participant {pid} is not in conversation"):
        statements.add_statement(session_factory, other, "Hi", participant_id=pid)


def test_tokens_identify_participants_per_conversation(session_factory: SessionFactory) -> None:
    cid, other = _conversation(session_factory), _conversation(session_factory)
    pid, token = participants.join_conversation(session_factory, cid, xid="u-1")
    assert participants.participant_for_token(session_factory, cid, token) == pid
    assert participants.participant_for_token(session_factory, other, token) is None
    assert participants.participant_for_token(session_factory, cid, "") is None
    with pytest.raises(ConflictError):
        participants.join_conversation(session_factory, cid, xid="u-1")
    with pytest.raises(NotFoundError):
        participants.join_conversation(session_factory, 999)


def test_a_batch_records_good_votes_and_reports_bad_ones(session_factory: SessionFactory) -> None:
    cid = _conversation(session_factory)
    a = statements.add_statement(session_factory, cid, "A", is_seed=True).id
    b = statements.add_statement(session_factory, cid, "B", is_seed=True).id
    pid, _ = participants.join_conversation(session_factory, cid)
    outsider, _ = participants.join_conversation(session_factory, _conversation(session_factory))
    outcomes = record_votes(
        session_factory,
        [
            VoteRequest(pid, a, 1, "k1"),
            VoteRequest(pid, a, -1, "k1"),  # same key within the batch: a repeat
            VoteRequest(pid, b, 0),
            VoteRequest(pid, 999, 1),
            VoteRequest(outsider, a, 1),
            VoteRequest(pid, b, 1, conversation_id=cid + 100),
            VoteRequest(pid, b, -1),  # the last vote on b wins
        ],
    )
    assert [o.is_recorded for o in outcomes] == [True, False, True, False, False, False, True]
    assert outcomes[1].is_repeat
    assert isinstance(outcomes[3].error, NotFoundError)
    assert isinstance(outcomes[4].error, NotFoundError)
    assert isinstance(outcomes[5].error, NotFoundError)
    assert participants.participant_vote(session_factory, pid, a) == 1
    assert participants.participant_vote(session_factory, pid, b) == -1
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(VoteEvent)) == 3
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.votes_version == 1
    assert cast_vote(session_factory, pid, a, 0, idempotency_key="k1") is False
    assert cast_vote(session_factory, pid, a, 0, idempotency_key="k2") is True
    with pytest.raises(InputError, match="vote=2"):
        VoteRequest(pid, a, 2)


def test_progress_and_next_statement(session_factory: SessionFactory) -> None:
    cid = _conversation(session_factory)
    ids = [statements.add_statement(session_factory, cid, t, is_seed=True).id for t in "ABC"]
    pid, _ = participants.join_conversation(session_factory, cid)
    assert participants.participant_progress(session_factory, cid, pid).n_total == 3
    drawn = []
    while (nxt := participants.next_statement(session_factory, cid, pid)) is not None:
        drawn.append(nxt.id)
        cast_vote(session_factory, pid, nxt.id, 1)
    assert sorted(drawn) == ids
    assert participants.participant_progress(session_factory, cid, pid).n_voted == 3


def test_participant_votes_are_the_current_ones(session_factory: SessionFactory) -> None:
    sf = session_factory
    cid = conversations.create_conversation(sf, facilitator_id=None, topic="t")
    a, b = (statements.add_statement(sf, cid, t, is_seed=True).id for t in ("one", "two"))
    pid, _ = participants.join_conversation(sf, cid)
    other, _ = participants.join_conversation(sf, cid)
    cast_vote(sf, pid, a, 1)
    cast_vote(sf, pid, a, -1)  # changed: the last vote counts
    cast_vote(sf, pid, b, 0)
    cast_vote(sf, other, b, 1)
    assert participants.participant_votes(sf, pid) == {a: -1, b: 0}
    assert participants.participant_votes(sf, 999_999) == {}
