"""Rounds: closing one freezes the agenda; later votes, shares and renames never change it."""

from __future__ import annotations

import pytest
from tests.support.processes import new_process

from parley.db.engine import SessionFactory
from parley.errors import InputError, NotFoundError, StateError
from parley.services import participants, statements
from parley.services.agenda import read_agenda, refresh_agenda
from parley.services.agenda_items import rename_item
from parley.services.rounds import close_round, list_rounds, read_round
from parley.services.sharing import share_statement
from parley.services.votes import cast_vote


def _process(sf: SessionFactory) -> tuple[int, int, int]:
    pid, (north, south) = new_process(sf, ["North", "South"], name="Rounds", min_votes=2)
    return pid, north.conversation_id, south.conversation_id


def test_a_closed_round_never_changes_after_later_votes(session_factory: SessionFactory) -> None:
    sf = session_factory
    pid, a, b = _process(sf)
    with pytest.raises(StateError, match="no computed agenda"):
        close_round(sf, pid)
    north = [participants.join_conversation(sf, a)[0] for _ in range(3)]
    south = [participants.join_conversation(sf, b)[0] for _ in range(3)]
    s = statements.add_statement(sf, a, "Open the crossings", is_seed=True)
    (copy,) = share_statement(sf, s.id)
    for m in north:
        cast_vote(sf, m, s.id, 1)
    for m in south:
        cast_vote(sf, m, copy, 1)
    refresh_agenda(sf, pid)
    first = close_round(sf, pid, note="  after the first session ")
    assert (first.number, first.note, first.n_common) == (1, "after the first session", 1)
    frozen = read_round(sf, pid, 1).model_dump(mode="json")
    assert frozen == read_agenda(sf, pid).document.model_dump(mode="json")

    # later: the South turns against it, a new statement arrives, the item is renamed
    for m in south:
        cast_vote(sf, m, copy, -1)
    statements.add_statement(sf, b, "Elections next year", is_seed=True)
    refresh_agenda(sf, pid)
    item = read_agenda(sf, pid).document.items[0].item
    if item > 0:
        rename_item(sf, pid, item, "Crossings")
    assert read_agenda(sf, pid).document.model_dump(mode="json") != frozen
    assert read_round(sf, pid, 1).model_dump(mode="json") == frozen

    second = close_round(sf, pid)
    assert second.number == 2 and second.n_common == 0
    assert [r.number for r in list_rounds(sf, pid)] == [1, 2]
    assert read_round(sf, pid, 1).model_dump(mode="json") == frozen
    with pytest.raises(NotFoundError, match="no closed round 3"):
        read_round(sf, pid, 3)
    with pytest.raises(InputError, match="at most"):
        close_round(sf, pid, note="x" * 5000)
