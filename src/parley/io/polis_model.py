"""The in-memory form of a Polis export: statements, vote events, groups and summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "COMMENTS_HEADER_NEWEST",
    "COMMENTS_HEADER_OLD",
    "PARTICIPANTS_VOTES_FIXED",
    "VOTES_HEADER",
    "PolisExport",
    "SignMode",
    "StatementTable",
    "VoteEvents",
    "VoteSource",
]

SignMode: TypeAlias = Literal["auto", "export", "flipped"]
VoteSource: TypeAlias = Literal["votes.csv", "participants-votes.csv", "votes.parquet"]

#: comments.csv header of the Clojure openData export (19 of the 20 conversations).
COMMENTS_HEADER_OLD = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
#: comments.csv header of the newest export (bg2050-volunteers); the one parley writes.
COMMENTS_HEADER_NEWEST = (
    "timestamp",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "is-meta",
    "is-seed",
    "group-informed-consensus",
    "comment-body",
)
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
#: participants-votes.csv columns before the one-column-per-comment block (``xid`` is optional
#: and comes after ``participant`` when present).
PARTICIPANTS_VOTES_FIXED = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)


@dataclass(frozen=True, eq=False)
class StatementTable:
    """One row per comment in comments.csv, sorted by id.

    ``agrees`` and ``disagrees`` are the counts written in comments.csv; they include votes
    that were later changed, so they can exceed the final-vote counts.
    """

    ids: NDArray[np.int64]
    texts: list[str]
    author_ids: NDArray[np.int64]  # -1 when missing
    moderated: NDArray[np.int8]  # -1 rejected, 0 unmoderated, 1 accepted
    is_meta: NDArray[np.bool_]  # False when the column is absent
    is_seed: NDArray[np.bool_]
    timestamps: NDArray[np.int64]  # ms; -1 when missing
    agrees: NDArray[np.int64]
    disagrees: NDArray[np.int64]
    group_informed_consensus: NDArray[np.float64] | None  # only in the newest export format


@dataclass(frozen=True, eq=False)
class VoteEvents:
    """The vote log in parley's convention: agree = +1, disagree = -1, pass = 0.

    Read from votes.csv, it holds every event (changed votes included), sorted stably by
    timestamp; the last vote per (participant, statement) wins in ``build_vote_matrix``.
    Read from participants-votes.csv, it holds the final votes only, sorted by
    (participant, statement), and ``timestamps`` is None.
    """

    participant_ids: NDArray[np.int64]
    statement_ids: NDArray[np.int64]
    values: NDArray[np.int8]
    timestamps: NDArray[np.int64] | None  # ms


@dataclass(frozen=True, eq=False)
class PolisExport:
    """A Polis export read into arrays; votes are always agree = +1 here."""

    source: str  # the folder or zip path as given
    statements: StatementTable
    votes: VoteEvents
    vote_source: VoteSource
    # (participant_ids, group_ids) from participants-votes.csv, rows with a group-id only
    polis_groups: tuple[NDArray[np.int64], NDArray[np.int64]] | None
    summary: dict[str, str]  # summary.csv key/values ({} if absent)
    sign_flipped: bool  # True when the votes were negated on read (signs="flipped")
