"""Request and answer bodies of the rounds API: closing a round, listing rounds."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from parley.services.rounds import MAX_NOTE_LENGTH

from . import STRICT

__all__ = ["RoundClose", "RoundOut"]


class RoundClose(BaseModel):
    """Close the current round, with an optional note."""

    model_config = STRICT
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH)


class RoundOut(BaseModel):
    """A closed round: its number, date, note and counts of statements by kind."""

    number: int
    closed_at: datetime
    note: str
    n_items: int
    n_common: int
    n_contested: int = Field(description="contested, rejected by every format included")
    n_waiting: int = Field(
        description="short of votes in some format: waiting and one-sided statements"
    )
