"""Facilitator accounts: API keys, passwords, ownership of conversations, instance secrets.

An API key is a random 256-bit string shown once; only its sha256 hash is stored (a fast hash
is enough for a high-entropy key). A password is hashed with argon2id; verifying one costs
tens of milliseconds on purpose.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from parley.db.engine import SessionFactory
from parley.db.models import Facilitator, InstanceSecret
from parley.db.storable import check_text
from parley.db.tokens import hash_token
from parley.errors import ConflictError, InputError, NotFoundError

from .sessions import read_session
from .web_sessions import end_facilitator_sessions

__all__ = [
    "API_KEY_PREFIX",
    "MAX_NAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "FacilitatorInfo",
    "check_password",
    "create_facilitator",
    "facilitator_for_api_key",
    "facilitator_info",
    "instance_secret",
    "new_api_key",
    "set_password",
]

#: API keys start with this, so that a key and a participant token cannot be confused
API_KEY_PREFIX = "parley_"
MAX_NAME_LENGTH = 256
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1_024
# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 30 ms here, so
# logins stay cheap for the server and costly to guess; older hashes are upgraded at login
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@dataclass(frozen=True)
class FacilitatorInfo:
    """A facilitator as the web layer sees it (never the hashes)."""

    id: int
    name: str
    has_password: bool


def _clean_name(name: str) -> str:
    cleaned = check_text(name, name="name").strip()
    if not cleaned:
        raise InputError("a facilitator name cannot be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InputError(f"name has {len(cleaned)} characters; at most {MAX_NAME_LENGTH}")
    return cleaned


def _hash_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InputError(
            f"a password of {len(password)} characters; it should have "
            f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH}"
        )
    return _HASHER.hash(password)


def _new_key() -> tuple[str, str]:
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_token(key)


def create_facilitator(
    session_factory: SessionFactory, name: str, *, password: str | None = None
) -> tuple[int, str]:
    """Create a facilitator; return (id, API key). The key is shown only this once."""
    name = _clean_name(name)
    password_hash = _hash_password(password) if password is not None else None
    key, key_hash = _new_key()
    try:
        with session_factory.begin() as session:
            facilitator = Facilitator(name=name, api_key_hash=key_hash, password_hash=password_hash)
            session.add(facilitator)
            session.flush()
            return facilitator.id, key
    except IntegrityError:
        raise ConflictError(f"a facilitator named {name!r} exists already") from None


def new_api_key(session_factory: SessionFactory, name: str) -> str:
    """Replace a facilitator's API key with a new one and return it (the old one stops working)."""
    key, key_hash = _new_key()
    with session_factory.begin() as session:
        changed = session.execute(
            update(Facilitator)
            .where(Facilitator.name == _clean_name(name))
            .values(api_key_hash=key_hash)
        ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise NotFoundError(f"no facilitator named {name!r}")
    return key


def facilitator_for_api_key(session_factory: SessionFactory, key: str) -> int | None:
    """Return the id of the facilitator holding this API key, or None."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    with read_session(session_factory) as session:
        return session.scalar(
            select(Facilitator.id).where(Facilitator.api_key_hash == hash_token(key))
        )


def check_password(session_factory: SessionFactory, name: str, password: str) -> int | None:
    """Return the facilitator's id when the password is right, else None."""
    with read_session(session_factory) as session:
        row = session.execute(
            select(Facilitator.id, Facilitator.password_hash).where(
                Facilitator.name == name.strip()
            )
        ).first()
    if row is None or row.password_hash is None:
        _HASHER.hash(password[:MAX_PASSWORD_LENGTH])  # same cost: do not reveal which names exist
        return None
    try:
        _HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(row.password_hash):
        _store_password_hash(session_factory, row.id, _HASHER.hash(password))
    return int(row.id)


def set_password(session_factory: SessionFactory, name: str, password: str) -> None:
    """Set (or replace) the password a facilitator logs in with; end their sessions."""
    password_hash = _hash_password(password)
    with session_factory.begin() as session:
        changed = session.execute(
            update(Facilitator)
            .where(Facilitator.name == _clean_name(name))
            .values(password_hash=password_hash)
        ).rowcount  # type: ignore[attr-defined]
    if not changed:
        raise NotFoundError(f"no facilitator named {name!r}")
    end_facilitator_sessions(session_factory, name=name)


def _store_password_hash(session_factory: SessionFactory, facilitator_id: int, value: str) -> None:
    with session_factory.begin() as session:
        session.execute(
            update(Facilitator).where(Facilitator.id == facilitator_id).values(password_hash=value)
        )


def facilitator_info(session_factory: SessionFactory, facilitator_id: int) -> FacilitatorInfo:
    """Return a facilitator's name and whether a password is set."""
    with read_session(session_factory) as session:
        facilitator = session.get(Facilitator, facilitator_id)
        if facilitator is None:
            raise NotFoundError(f"facilitator {facilitator_id} does not exist")
        return FacilitatorInfo(
            facilitator.id, facilitator.name, facilitator.password_hash is not None
        )


def instance_secret(session_factory: SessionFactory, name: str, *, n_bytes: int = 32) -> str:
    """Return the installation's secret called ``name``, generating and storing it once."""
    with read_session(session_factory) as session:
        value = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if value is not None:
        return value
    try:
        with session_factory.begin() as session:
            session.add(InstanceSecret(name=name, value=secrets.token_urlsafe(n_bytes)))
    except IntegrityError:
        pass  # another process stored it first: use theirs
    with read_session(session_factory) as session:
        stored = session.scalar(select(InstanceSecret.value).where(InstanceSecret.name == name))
    if stored is None:  # pragma: no cover - the row was just written
        raise RuntimeError(f"instance secret {name!r} could not be stored")
    return stored
