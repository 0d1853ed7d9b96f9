"""What the databases can store: text and id checks, and the engine guard on both backends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from parley.db import Conversation
from parley.db.engine import SessionFactory
from parley.db.storable import MAX_ID, check_id, check_text, refusal
from parley.errors import NotFoundError, UnstorableValueError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\x00b", "contains a NUL character (U+0000) at position 1"),
        ("ok \ud800", "contains a lone surrogate (U+D800) at position 3"),
        ("\udfff", "contains a lone surrogate (U+DFFF) at position 0"),
    ],
)
def test_refused_text_is_named_with_its_position(value: str, expected: str) -> None:
    assert refusal(value) == expected
    with pytest.raises(UnstorableValueError) as caught:
        check_text(value, name="topic")
    assert str(caught.value) == f"topic={value!a} {expected}; it cannot be stored"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")))
def test_text_without_nul_or_surrogates_passes_unchanged(value: str) -> None:
    assert check_text(value, name="text") is value


def test_a_long_refused_value_is_shortened_in_the_message() -> None:
    with pytest.raises(UnstorableValueError) as caught:
        check_text("x" * 10_000 + "\x00", name="statement text")
    assert len(str(caught.value)) < 200
    assert "position 10000" in str(caught.value)


@pytest.mark.parametrize("value", [MAX_ID + 1, 2**63, 2**64, -(2**31) - 1])
def test_ids_beyond_32_bits_do_not_exist(value: int) -> None:
    with pytest.raises(NotFoundError, match=f"statement_id={value} does not exist"):
        check_id(value, name="statement_id")


@pytest.mark.parametrize("value", [1, 0, -1, MAX_ID])
def test_ids_within_32_bits_are_left_to_the_lookup(value: int) -> None:
    assert check_id(value, name="statement_id") == value


def _count(session_factory: SessionFactory) -> int:
    with session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Conversation)) or 0)


@pytest.mark.parametrize(
    ("name", "needle"), [("ada\x00", "NUL character"), ("ad\udc80a", "lone surrogate")]
)
def test_the_engine_refuses_unstorable_text_before_the_database_sees_it(
    session_factory: SessionFactory, name: str, needle: str
) -> None:
    with pytest.raises(UnstorableValueError, match=needle), session_factory.begin() as session:
        session.add(Conversation(topic="fine"))
        session.flush()
        session.add(Conversation(topic=name))
        session.flush()
    assert _count(session_factory) == 0  # the whole transaction was rolled back
    # a lookup is refused the same way, on both backends
    with session_factory() as session, pytest.raises(UnstorableValueError, match=needle):
        session.scalar(select(Conversation.id).where(Conversation.topic == name))


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1])
def test_the_engine_refuses_integers_beyond_64_bits(
    session_factory: SessionFactory, value: int
) -> None:
    with (
        session_factory() as session,
        pytest.raises(UnstorableValueError, match=f"={value} is beyond the integers"),
    ):
        session.scalar(select(Conversation.id).where(Conversation.id == value))


def test_the_engine_checks_every_row_of_a_bulk_insert(session_factory: SessionFactory) -> None:
    rows = [{"topic": f"topic {i}"} for i in range(50)] + [{"topic": "last\x00"}]
    with pytest.raises(UnstorableValueError, match="NUL"), session_factory.begin() as session:
        session.connection().execute(insert(Conversation), rows)
    assert _count(session_factory) == 0
