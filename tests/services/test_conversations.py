"""Conversations: closing one stops votes and participants' statements, reopening lets them in."""

from __future__ import annotations

import pytest

from parley.db.engine import SessionFactory
from parley.errors import ConflictError
from parley.services import conversations, participants, statements
from parley.services.votes import cast_vote


def test_a_closed_conversation_takes_no_votes_or_statements(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    cid = conversations.create_conversation(sf, facilitator_id=None, topic="Parks")
    seed = statements.add_statement(sf, cid, "More trees", is_seed=True).id
    member, _ = participants.join_conversation(sf, cid)
    conversations.set_closed(sf, cid, closed=True)
    closed_at = conversations.conversation_summary(sf, cid).closed_at
    assert closed_at is not None
    conversations.set_closed(sf, cid, closed=True)  # closing twice keeps the first time
    assert conversations.conversation_summary(sf, cid).closed_at == closed_at
    with pytest.raises(ConflictError, match=f"conversation {cid} is closed"):
        cast_vote(sf, member, seed, 1)
    with pytest.raises(ConflictError, match="is closed"):
        statements.add_statement(sf, cid, "More benches", participant_id=member)
    statements.add_statement(sf, cid, "A facilitator's seed still goes in", is_seed=True)
    conversations.set_closed(sf, cid, closed=False)
    assert conversations.conversation_summary(sf, cid).closed_at is None
    assert cast_vote(sf, member, seed, 1)
