"""Undo: a merge undone restores both statements and their votes exactly; a share undone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from parley.db.engine import SessionFactory
from parley.db.models import Statement, Vote, VoteEvent
from parley.db.translation_models import StatementTranslation
from parley.errors import ConflictError, InputError, NotFoundError
from parley.services import participants, statements
from parley.services.merging import merge_statements
from parley.services.processes import create_process, process_info
from parley.services.sharing import share_everything, share_statement
from parley.services.translation_store import add_translation
from parley.services.undo import recent_actions, undo_merge, undo_share
from parley.services.votes import cast_vote


def _process(sf: SessionFactory) -> tuple[int, int, int]:
    pid = create_process(sf, facilitator_id=None, name="P", formats=["A", "B"])
    info = process_info(sf, pid)
    return pid, info.formats[0].conversation_id, info.formats[1].conversation_id


def _state(sf: SessionFactory, ids: list[int]) -> dict[str, Any]:
    """Everything a merge may change: statements, current votes, which event is on which."""
    with sf() as session:
        rows = session.scalars(select(Statement).where(Statement.id.in_(ids))).all()
        return {
            "statements": sorted(
                (
                    s.id,
                    s.origin_id,
                    s.moderation_state,
                    s.moderated_by,
                    s.moderated_at,
                    s.merged_into_id,
                    s.agenda_item_id,
                )
                for s in rows
            ),
            "votes": sorted(
                session.execute(
                    select(
                        Vote.participant_id, Vote.statement_id, Vote.value, Vote.updated_at
                    ).where(Vote.statement_id.in_(ids))
                ).all()
            ),
            "events": sorted(
                session.execute(
                    select(VoteEvent.id, VoteEvent.statement_id).where(
                        VoteEvent.statement_id.in_(ids)
                    )
                ).all()
            ),
        }


votes_strategy = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from([-1, 0, 1])), max_size=25
)
merge_step = st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5), st.just(0))
steps_strategy = st.lists(
    st.one_of(
        merge_step,
        merge_step,  # half the steps try a merge
        st.tuples(st.just("undo"), st.just(0), st.just(0), st.just(0)),
        st.tuples(
            st.just("vote"), st.integers(0, 5), st.integers(0, 5), st.sampled_from([-1, 0, 1])
        ),
    ),
    min_size=3,
    max_size=12,
)


def _overlay(state: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """The state before a merge with the votes cast since on top (what its undo must give)."""
    votes = {(p, s): (v, t) for p, s, v, t in state["votes"]}
    votes.update(later["votes"])
    events = dict(state["events"])
    events.update(later["events"])
    return {
        "statements": state["statements"],
        "votes": sorted((p, s, v, t) for (p, s), (v, t) in votes.items()),
        "events": sorted(events.items()),
    }


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(votes=votes_strategy, steps=steps_strategy)
def test_unmerge_restores_the_exact_vote_state(
    session_factory: SessionFactory,
    votes: list[tuple[int, int, int]],
    steps: list[tuple[str, int, int, int]],
) -> None:
    """Random votes, then random merges, votes and undos, within a format and across two.

    Each undo gives back exactly the state before its merge (statements, current votes with
    their times, the statement of every vote event), with the votes cast since on top.
    """
    sf = session_factory
    pid, a, b = _process(sf)
    # four statements in format A, two in B; three members in each
    ids = [statements.add_statement(sf, a, f"a{i}", is_seed=True).id for i in range(4)]
    ids += [statements.add_statement(sf, b, f"b{i}", is_seed=True).id for i in range(2)]
    members = {a: [participants.join_conversation(sf, a)[0] for _ in range(3)]}
    members[b] = [participants.join_conversation(sf, b)[0] for _ in range(3)]
    conversation = {sid: (a if i < 4 else b) for i, sid in enumerate(ids)}
    for who, which, value in votes:
        sid = ids[which]
        cast_vote(sf, members[conversation[sid]][who % 3], sid, value)
    # each merge not undone: its id, the state before it, the votes cast since
    stack: list[tuple[int, dict[str, Any], dict[str, Any]]] = []

    n_merges = 0

    def undo_top() -> None:
        mid, before, later = stack.pop()
        undo_merge(sf, pid, mid)
        assert _state(sf, ids) == _overlay(before, later)

    for kind, i, j, value in steps:
        if kind == "merge":
            before = _state(sf, ids)
            try:
                mid = merge_statements(sf, ids[i], ids[j], process_id=pid)
            except (ConflictError, InputError):
                assert _state(sf, ids) == before  # a refused merge changes nothing
                continue
            stack.append((mid, before, {"votes": {}, "events": {}}))
            n_merges += 1
        elif kind == "vote":
            sid = ids[j]
            voter = members[conversation[sid]][i % 3]
            try:
                cast_vote(sf, voter, sid, value)
            except ConflictError:  # a merged duplicate takes no votes
                continue
            with sf() as session:
                row = session.get(Vote, (voter, sid))
                assert row is not None
                newest = session.scalar(select(func.max(VoteEvent.id)))
            for _, _, later in stack:
                later["votes"][(voter, sid)] = (row.value, row.updated_at)
                later["events"][newest] = sid
        elif stack:
            undo_top()
    while stack:
        undo_top()
    event(f"{min(n_merges, 3)}{'+' if n_merges >= 3 else ''} merges undone")


def test_a_vote_after_the_merge_stays_on_the_statement_kept(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, _ = _process(sf)
    first, second = (participants.join_conversation(sf, a)[0] for _ in range(2))
    keep = statements.add_statement(sf, a, "Troops should leave", is_seed=True).id
    drop = statements.add_statement(sf, a, "Foreign troops must leave", is_seed=True).id
    cast_vote(sf, first, keep, 1)
    cast_vote(sf, first, drop, -1)
    cast_vote(sf, second, drop, 0)
    mid = merge_statements(sf, keep, drop, process_id=pid, actor="fac")
    cast_vote(sf, second, keep, 1)  # after the merge: it stays
    assert [(x.kind, x.statement_ids) for x in recent_actions(sf, pid)] == [("merge", (keep, drop))]
    undo_merge(sf, pid, mid, actor="fac")
    with sf() as session:
        current = set(
            session.execute(select(Vote.participant_id, Vote.statement_id, Vote.value)).all()
        )
    assert current == {(first, keep, 1), (first, drop, -1), (second, drop, 0), (second, keep, 1)}
    assert recent_actions(sf, pid) == []
    with pytest.raises(ConflictError, match="undone already"):
        undo_merge(sf, pid, mid)
    with pytest.raises(NotFoundError):
        undo_merge(sf, pid + 1, mid)


def test_merges_of_the_same_statements_are_undone_newest_first(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, _ = _process(sf)
    x, y, z = (statements.add_statement(sf, a, f"s{i}", is_seed=True).id for i in range(3))
    first = merge_statements(sf, x, y, process_id=pid)
    second = merge_statements(sf, z, x, process_id=pid)
    with pytest.raises(ConflictError, match=f"merge {second}"):
        undo_merge(sf, pid, first)
    undo_merge(sf, pid, second)
    undo_merge(sf, pid, first)


def test_undoing_a_share_takes_the_copies_out_and_keeps_their_votes(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, a, b = _process(sf)
    voted = statements.add_statement(sf, a, "Ceasefire now", is_seed=True).id
    quiet = statements.add_statement(sf, a, "Elections", is_seed=True).id
    copies = share_everything(sf, pid, actor="fac")
    assert len(copies) == 2 and copies.action_id is not None
    member = participants.join_conversation(sf, b)[0]
    copy_of_voted = copies[0]  # the roots are shared in id order
    assert voted < quiet
    cast_vote(sf, member, copy_of_voted, 1)
    assert undo_share(sf, pid, copies.action_id, actor="fac") == 2
    with sf() as session:
        kept = session.get(Statement, copy_of_voted)
        assert kept is not None and kept.moderation_state == -1  # out of the queue
        assert session.scalars(select(VoteEvent.statement_id)).all() == [copy_of_voted]
        assert session.scalars(select(Vote.value)).all() == [1]
        in_b = select(Statement.id).where(Statement.conversation_id == b)
        assert session.scalars(in_b).all() == [copy_of_voted]
    # the one without votes is gone, so it can be shared again
    again = share_statement(sf, quiet, actor="fac")
    assert len(again) == 1 and again.action_id is not None
    with pytest.raises(ConflictError):
        undo_share(sf, pid, copies.action_id)


def _translations(sf: SessionFactory, ids: list[int]) -> list[tuple[Any, ...]]:
    with sf() as session:
        return sorted(
            session.execute(
                select(
                    StatementTranslation.id,
                    StatementTranslation.statement_id,
                    StatementTranslation.language,
                    StatementTranslation.text,
                    StatementTranslation.source,
                ).where(StatementTranslation.statement_id.in_(ids))
            ).all()
        )


def test_undoing_a_merge_across_languages_puts_the_translations_back(
    session_factory: SessionFactory,
) -> None:
    sf = session_factory
    pid, first, second = _process(sf)
    keep = statements.add_statement(sf, first, "Sanctions should end", is_seed=True, language="en")
    drop = statements.add_statement(
        sf, second, "Санкции должны быть отменены", is_seed=True, language="ru"
    )
    add_translation(sf, first, keep.id, "de", "Die Sanktionen sollten enden")
    add_translation(sf, second, drop.id, "en", "Sanctions must be lifted")  # same as keep's
    add_translation(sf, second, drop.id, "fr", "Les sanctions doivent être levées")
    ids = [keep.id, drop.id]
    before = _translations(sf, ids)
    merge_id = merge_statements(sf, keep.id, drop.id, process_id=pid)
    merged = _translations(sf, ids)
    assert {(row[1], row[2], row[4]) for row in merged} == {
        (keep.id, "de", "facilitator"),
        (keep.id, "fr", "facilitator"),
        (keep.id, "ru", "linked"),
    }
    undo_merge(sf, pid, merge_id)
    assert _translations(sf, ids) == before
