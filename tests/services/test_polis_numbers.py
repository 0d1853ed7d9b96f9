"""Polis numbers of participants and statements: imported ids kept, new rows above them."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.db import Participant, Statement
from parley.db.engine import SessionFactory
from parley.services.conversations import create_conversation
from parley.services.participants import join_conversation
from parley.services.polis_exchange import import_polis_export
from parley.services.polis_numbers import polis_numbers, row_of_polis_number
from parley.services.statements import add_statement

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"


def _check_inverse(session_factory: SessionFactory, conversation_id: int) -> dict[str, list[int]]:
    """``row_of_polis_number`` inverts ``polis_numbers``; numbers nobody has give None."""
    numbers = {}
    with session_factory() as session:
        for model in (Participant, Statement):
            rows, given = polis_numbers(session, model, conversation_id)
            for row, number in zip(rows.tolist(), given.tolist(), strict=True):
                assert row_of_polis_number(session, model, conversation_id, number) == row
            for number in (-1, int(given.max()) + 1, *set(range(int(given.max()))) - set(given)):
                assert row_of_polis_number(session, model, conversation_id, number) is None
            numbers[model.__name__] = given.tolist()
    return numbers


def test_an_import_keeps_polis_ids_and_numbers_new_rows_above_them(
    session_factory: SessionFactory,
) -> None:
    cid = import_polis_export(session_factory, TINY)
    before = _check_inverse(session_factory, cid)
    join_conversation(session_factory, cid)
    join_conversation(session_factory, cid)
    add_statement(session_factory, cid, "A new statement", is_seed=True)
    after = _check_inverse(session_factory, cid)
    for name in ("Participant", "Statement"):
        top = max(before[name])
        new = after[name][len(before[name]) :]
        assert after[name][: len(before[name])] == before[name]  # stable
        assert new == list(range(top + 1, top + 1 + len(new)))
    assert len(after["Participant"]) == len(before["Participant"]) + 2


@pytest.mark.parametrize("n_people", [0, 1, 4])
def test_a_new_conversation_numbers_from_zero(
    session_factory: SessionFactory, n_people: int
) -> None:
    cid = create_conversation(session_factory, facilitator_id=None, topic="Parks")
    add_statement(session_factory, cid, "Trees", is_seed=True)
    for _ in range(n_people):
        join_conversation(session_factory, cid)
    with session_factory() as session:
        assert polis_numbers(session, Participant, cid)[1].tolist() == list(range(n_people))
        assert polis_numbers(session, Statement, cid)[1].tolist() == [0]
        assert row_of_polis_number(session, Participant, cid, n_people) is None
    if n_people:
        _check_inverse(session_factory, cid)
