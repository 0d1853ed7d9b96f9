"""Participant tokens: random, handed to the participant once, stored only as a sha256 hash."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["hash_token", "new_participant_token"]

_TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, so a fast unsalted hash is enough


def hash_token(token: str) -> str:
    """Return the sha256 hex digest under which a token is stored and looked up."""
    if not token:
        raise ValueError("an empty token cannot identify a participant")
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_participant_token() -> tuple[str, str]:
    """Return (token, its hash): give the token to the participant, store only the hash."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, hash_token(token)
