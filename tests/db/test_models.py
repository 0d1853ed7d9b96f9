"""Model constraints: vote values, moderation states, unique XIDs, same-conversation votes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from parley.db import (
    AnalysisResult,
    Base,
    Conversation,
    ModerationLog,
    Participant,
    Statement,
    Vote,
    VoteEvent,
)
from parley.db.engine import SessionFactory
from parley.db.tokens import hash_token, new_participant_token


def _conversation(session: Session, topic: str = "t") -> tuple[int, int, int]:
    """Add a conversation with one participant and one statement; return their ids."""
    conversation = Conversation(topic=topic)
    session.add(conversation)
    session.flush()
    participant = Participant(conversation_id=conversation.id)
    statement = Statement(conversation_id=conversation.id, text="s")
    session.add_all([participant, statement])
    session.flush()
    return conversation.id, participant.id, statement.id


def _count(session_factory: SessionFactory, model: type[Base]) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_defaults_fill_a_minimal_conversation(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        cid, _, sid = _conversation(session)
    with session_factory() as session:
        conversation = session.get_one(Conversation, cid)
        assert (conversation.languages, conversation.settings) == ([], {})
        assert conversation.moderation_mode == "open"
        assert conversation.created_at.tzinfo is UTC
        statement = session.get_one(Statement, sid)
        assert (statement.moderation_state, statement.is_seed, statement.is_meta) == (
            0,
            False,
            False,
        )


Rows = Callable[[int, int, int], Base]


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda c, p, s: Vote(conversation_id=c, participant_id=p, statement_id=s,
                                          value=2), id="vote-2"),
        pytest.param(lambda c, p, s: VoteEvent(conversation_id=c, participant_id=p,
                                               statement_id=s, value=-2), id="event-minus-2"),
        pytest.param(lambda c, p, s: Statement(conversation_id=c, text="x",
                                               moderation_state=5), id="moderation-5"),
        pytest.param(lambda c, p, s: Conversation(moderation_mode="closed"), id="mode-closed"),
        pytest.param(lambda c, p, s: ModerationLog(statement_id=s, from_state=0, to_state=7),
                     id="log-7"),
        pytest.param(lambda c, p, s: AnalysisResult(conversation_id=c, n_votes=-1, payload={}),
                     id="n-votes-negative"),
    ],
)  # fmt: skip
def test_check_constraints_refuse_bad_values(session_factory: SessionFactory, make: Rows) -> None:
    with session_factory.begin() as session:
        ids = _conversation(session)
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(make(*ids))
    assert _count(session_factory, Vote) == _count(session_factory, VoteEvent) == 0


@pytest.mark.parametrize("value", [-1, 0, 1])
def test_every_vote_value_is_accepted(session_factory: SessionFactory, value: int) -> None:
    with session_factory.begin() as session:
        c, p, s = _conversation(session)
        session.add(Vote(conversation_id=c, participant_id=p, statement_id=s, value=value))
        session.add(VoteEvent(conversation_id=c, participant_id=p, statement_id=s, value=value))
    assert _count(session_factory, Vote) == 1


def test_xid_is_unique_within_a_conversation_only(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        first, _, _ = _conversation(session)
        second, _, _ = _conversation(session)
        session.add_all(
            [
                Participant(conversation_id=first, xid="alice"),
                Participant(conversation_id=second, xid="alice"),
            ]
        )
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(Participant(conversation_id=first, xid="alice"))


def test_polis_ids_are_unique_within_a_conversation(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        cid, _, _ = _conversation(session)
        session.add(Statement(conversation_id=cid, text="a", external_id=7))
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(Statement(conversation_id=cid, text="b", external_id=7))


def test_a_vote_cannot_mix_conversations(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        c1, p1, _ = _conversation(session)
        _, _, s2 = _conversation(session)
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(Vote(conversation_id=c1, participant_id=p1, statement_id=s2, value=1))


def test_one_current_vote_per_participant_and_statement(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        c, p, s = _conversation(session)
        session.add(Vote(conversation_id=c, participant_id=p, statement_id=s, value=1))
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.execute(insert(Vote), [
            {"conversation_id": c, "participant_id": p, "statement_id": s, "value": -1,
             "updated_at": datetime.now(UTC)},
        ])  # fmt: skip


def test_an_idempotency_key_records_one_event(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        c, p, s = _conversation(session)
        row = {"conversation_id": c, "participant_id": p, "statement_id": s, "value": 1}
        session.add(VoteEvent(**row, idempotency_key="k1"))
        session.add(VoteEvent(**row))  # no key: no limit
        session.add(VoteEvent(**row))
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        session.add(VoteEvent(**row, idempotency_key="k1"))
    assert _count(session_factory, VoteEvent) == 3


def test_deleting_a_conversation_deletes_its_rows(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        c, p, s = _conversation(session)
        other = _conversation(session, "kept")
        session.add_all(
            [
                Vote(conversation_id=c, participant_id=p, statement_id=s, value=1),
                VoteEvent(conversation_id=c, participant_id=p, statement_id=s, value=1),
                ModerationLog(statement_id=s, from_state=0, to_state=1, actor="mod"),
                AnalysisResult(conversation_id=c, n_votes=1, payload={"k": 2}, state=b"\x00"),
            ]
        )
        session.get_one(Statement, s).author_id = p
    with session_factory.begin() as session:
        session.delete(session.get_one(Conversation, c))
    for model in (Vote, VoteEvent, ModerationLog, AnalysisResult):
        assert _count(session_factory, model) == 0
    assert _count(session_factory, Statement) == _count(session_factory, Participant) == 1
    assert other[0] != c


def test_times_come_back_as_aware_utc(session_factory: SessionFactory) -> None:
    plus_two = timezone(timedelta(hours=2))
    at = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=plus_two)
    with session_factory.begin() as session:
        conversation = Conversation(created_at=at)
        session.add(conversation)
    with session_factory() as session:
        stored = session.get_one(Conversation, conversation.id).created_at
    assert stored == at
    assert stored.tzinfo is UTC
    assert stored.hour == 10


def test_a_naive_time_is_refused(session_factory: SessionFactory) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_factory.begin() as s:
        s.add(Conversation(created_at=datetime(2024, 5, 1)))


def test_participants_are_found_by_token_hash_and_the_token_is_not_stored(
    session_factory: SessionFactory,
) -> None:
    token, digest = new_participant_token()
    assert digest == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert len(token) >= 43 and token != new_participant_token()[0]
    with session_factory.begin() as session:
        cid, _, _ = _conversation(session)
        session.add(Participant(conversation_id=cid, token_hash=digest))
    with session_factory() as session:
        found = session.scalar(
            select(Participant).where(Participant.token_hash == hash_token(token))
        )
        assert found is not None and found.conversation_id == cid
        stored = [r for row in session.execute(select(Participant.__table__)) for r in row]
    assert token not in stored


def test_hashing_an_empty_token_is_refused() -> None:
    with pytest.raises(ValueError, match="empty token"):
        hash_token("")
