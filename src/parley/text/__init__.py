"""Statements across languages: language id, embeddings, near-duplicates, opposites, topics.

Names load lazily, so that ``parley --help`` does not pay for scipy and the models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parley.text.defaults import DEFAULT_MODEL, MODEL_NAMES
    from parley.text.embeddings import Embedder, get_embedder
    from parley.text.language import LanguageGuess, detect_language
    from parley.text.matching import (
        Match,
        OppositeTest,
        centre_by_language,
        match_statements,
        near_duplicates,
        tell_opposites,
    )
    from parley.text.topics import Topic, cluster_topics, label_topics

__all__ = [
    "DEFAULT_MODEL",
    "MODEL_NAMES",
    "Embedder",
    "LanguageGuess",
    "Match",
    "OppositeTest",
    "Topic",
    "centre_by_language",
    "cluster_topics",
    "detect_language",
    "get_embedder",
    "label_topics",
    "match_statements",
    "near_duplicates",
    "tell_opposites",
]

_HOMES = {
    "DEFAULT_MODEL": "defaults",
    "MODEL_NAMES": "defaults",
    "Embedder": "embeddings",
    "get_embedder": "embeddings",
    "LanguageGuess": "language",
    "detect_language": "language",
    "Match": "matching",
    "OppositeTest": "matching",
    "centre_by_language": "matching",
    "match_statements": "matching",
    "near_duplicates": "matching",
    "tell_opposites": "matching",
    "Topic": "topics",
    "cluster_topics": "topics",
    "label_topics": "topics",
}


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'parley.text' has no attribute {name!r}")
    return getattr(importlib.import_module(f"parley.text.{home}"), name)
