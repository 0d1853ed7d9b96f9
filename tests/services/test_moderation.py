"""Moderation: the queue by state, bulk changes, the log, and the version the worker watches."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Conversation, ModerationLog
from parley.errors import InputError, NotFoundError
from parley.services import conversations, moderation, participants, statements


def test_bulk_moderation_is_logged_and_bumps_the_version(session_factory: SessionFactory) -> None:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="x")
    pid, _ = participants.join_conversation(session_factory, cid)
    ids = [
        statements.add_statement(session_factory, cid, f"s{i}", participant_id=pid).id
        for i in range(4)
    ]
    queue = moderation.moderation_queue(session_factory, cid, state=0, limit=3)
    assert [s.id for s in queue] == ids[:3]
    changed = moderation.moderate(
        session_factory, ids[:2], -1, actor="ada", reason="spam", conversation_id=cid
    )
    assert changed == 2
    assert moderation.moderate(session_factory, ids[:2], -1, actor="ada") == 0
    assert moderation.moderation_counts(session_factory, cid) == {-1: 2, 0: 2, 1: 0}
    rejected = moderation.moderation_queue(session_factory, cid, state=-1)
    assert [(s.id, s.moderation_state) for s in rejected] == [(ids[0], -1), (ids[1], -1)]
    with session_factory() as session:
        log = session.scalars(select(ModerationLog).order_by(ModerationLog.id)).all()
        assert [(r.statement_id, r.from_state, r.to_state, r.actor) for r in log] == [
            (ids[0], 0, -1, "ada"),
            (ids[1], 0, -1, "ada"),
        ]
        conversation = session.get(Conversation, cid)
        assert conversation is not None and conversation.moderation_version == 1


def test_moderation_checks_its_input(session_factory: SessionFactory) -> None:
    cid = conversations.create_conversation(session_factory, facilitator_id=None, topic="x")
    other = conversations.create_conversation(session_factory, facilitator_id=None, topic="y")
    sid = statements.add_statement(session_factory, other, "s", is_seed=True).id
    with pytest.raises(NotFoundError, match=r"\[" + str(sid) + r"\] do not exist"):
        moderation.moderate(session_factory, [sid], -1, actor=None, conversation_id=cid)
    with pytest.raises(InputError, match="to_state=2"):
        moderation.moderate(session_factory, [sid], 2, actor=None)
    with pytest.raises(InputError, match="state=5"):
        moderation.moderation_queue(session_factory, cid, state=5)
    with pytest.raises(NotFoundError):
        moderation.moderation_queue(session_factory, 999)
    assert moderation.moderate(session_factory, [], 1, actor=None) == 0
