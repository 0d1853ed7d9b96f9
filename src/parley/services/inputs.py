"""Validation of what people type: texts, names and language tags, one rule each."""

from __future__ import annotations

import re

from parley.db.storable import check_text
from parley.errors import InputError

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_STATEMENT_LENGTH",
    "MAX_TOPIC_LENGTH",
    "MAX_XID_LENGTH",
    "clean_name",
    "clean_text",
    "language_tag",
]

MAX_STATEMENT_LENGTH = 1_000
MAX_TOPIC_LENGTH = 1_000
MAX_DESCRIPTION_LENGTH = 50_000  # as Polis
MAX_XID_LENGTH = 256
MAX_NAME_LENGTH = 256  # process and format names
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def language_tag(tag: str) -> str:
    """Return ``tag`` if it is a BCP 47 language tag such as 'en' or 'de-CH', else raise."""
    if not _LANGUAGE_TAG.match(tag):
        raise InputError(f"language {tag!r} is not a language tag such as 'en' or 'de-CH'")
    return tag


def clean_text(value: str, *, name: str, max_length: int, allow_empty: bool = False) -> str:
    """Return ``value`` stripped, checked for emptiness, length and storable characters."""
    cleaned = check_text(value, name=name).strip()
    if not cleaned and not allow_empty:
        raise InputError(f"{name} cannot be empty")
    if len(cleaned) > max_length:
        raise InputError(f"{name} has {len(cleaned)} characters; at most {max_length}")
    return cleaned


def clean_name(value: str, what: str, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """Return a one-line name with its white space collapsed, checked like ``clean_text``."""
    return clean_text(" ".join(value.split()), name=what, max_length=max_length)
