"""Facilitator accounts: API keys and passwords stored as hashes, ownership, instance secrets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Facilitator
from parley.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from parley.services import accounts, conversations


def test_an_api_key_is_shown_once_and_stored_as_a_hash(session_factory: SessionFactory) -> None:
    facilitator_id, key = accounts.create_facilitator(session_factory, " Ada ", password="p" * 8)
    assert key.startswith(accounts.API_KEY_PREFIX) and len(key) > 40
    with session_factory() as session:
        row = session.scalars(select(Facilitator)).one()
    assert row.name == "Ada"
    assert key not in (row.api_key_hash, row.password_hash)
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert accounts.facilitator_for_api_key(session_factory, key) == facilitator_id
    assert accounts.facilitator_for_api_key(session_factory, key + "x") is None
    assert accounts.facilitator_for_api_key(session_factory, "participant-token") is None


def test_names_are_unique(session_factory: SessionFactory) -> None:
    accounts.create_facilitator(session_factory, "ada")
    with pytest.raises(ConflictError, match="'ada' exists already"):
        accounts.create_facilitator(session_factory, "ada")


def test_passwords(session_factory: SessionFactory) -> None:
    facilitator_id, _ = accounts.create_facilitator(session_factory, "ada")
    assert accounts.check_password(session_factory, "ada", "anything at all") is None
    accounts.set_password(session_factory, "ada", "correct horse")
    assert accounts.check_password(session_factory, "ada", "correct horse") == facilitator_id
    assert accounts.check_password(session_factory, "ada", "wrong horse") is None
    assert accounts.check_password(session_factory, "bob", "correct horse") is None
    assert accounts.facilitator_info(session_factory, facilitator_id).has_password
    with pytest.raises(InputError, match="should have 8 to"):
        accounts.set_password(session_factory, "ada", "short")
    with pytest.raises(NotFoundError, match="no facilitator named 'bob'"):
        accounts.set_password(session_factory, "bob", "correct horse")


def test_a_new_api_key_replaces_the_old_one(session_factory: SessionFactory) -> None:
    facilitator_id, old = accounts.create_facilitator(session_factory, "ada")
    new = accounts.new_api_key(session_factory, "ada")
    assert accounts.facilitator_for_api_key(session_factory, old) is None
    assert accounts.facilitator_for_api_key(session_factory, new) == facilitator_id
    with pytest.raises(NotFoundError):
        accounts.new_api_key(session_factory, "bob")


def test_who_may_manage_a_conversation(session_factory: SessionFactory) -> None:
    ada, _ = accounts.create_facilitator(session_factory, "ada")
    bob, _ = accounts.create_facilitator(session_factory, "bob")
    mine = conversations.create_conversation(session_factory, facilitator_id=ada, topic="x")
    unowned = conversations.create_conversation(session_factory, facilitator_id=None, topic="y")
    conversations.ensure_can_manage(session_factory, ada, mine)
    conversations.ensure_can_manage(session_factory, bob, unowned)
    with pytest.raises(ForbiddenError):
        conversations.ensure_can_manage(session_factory, bob, mine)
    with pytest.raises(NotFoundError):
        conversations.ensure_can_manage(session_factory, ada, 999)


def test_an_instance_secret_is_made_once(session_factory: SessionFactory) -> None:
    first = accounts.instance_secret(session_factory, "session")
    assert len(first) >= 40
    assert accounts.instance_secret(session_factory, "session") == first
    assert accounts.instance_secret(session_factory, "other") != first
