"""Participant actions shared by the API and the pages: rate-limited votes and statements."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from parley.services.statements import StatementInfo, add_statement
from parley.services.votes import VoteRequest

from .costly import limit_statement
from .runtime import runtime_of
from .wake import mark_woken

__all__ = ["submit_statement", "submit_vote"]


async def submit_vote(
    connection: HTTPConnection,
    *,
    conversation_id: int,
    participant_id: int,
    statement_id: int,
    value: int,
    idempotency_key: str | None = None,
) -> bool:
    """Record a vote through the group-commit writer; return False when its key was seen.

    Returns once the vote is durable. Raises RateLimitError (429) past the participant's
    vote rate, NotFoundError or ConflictError when the statement takes no vote.
    """
    runtime = runtime_of(connection)
    settings = runtime.settings
    request = VoteRequest(participant_id, statement_id, value, idempotency_key, conversation_id)
    rate, burst = settings.vote_limit()
    runtime.limiter.check(("vote", participant_id), rate=rate, burst=burst, what="votes")
    outcome = await runtime.writer.cast(request)
    mark_woken(connection.scope)  # the writer woke the workers when the batch committed
    if outcome.error is not None:
        raise outcome.error
    return outcome.is_recorded


async def submit_statement(
    connection: HTTPConnection,
    *,
    conversation_id: int,
    participant_id: int,
    text: str,
    language: str | None = None,
    vector: NDArray[np.float32] | None = None,
) -> StatementInfo:
    """Add a participant's statement (subject to moderation), within their statement rate."""
    runtime = runtime_of(connection)

    def limited_add() -> StatementInfo:
        limit_statement(connection, participant_id)  # the database's bucket when shared
        return add_statement(
            runtime.session_factory,
            conversation_id,
            text,
            participant_id=participant_id,
            language=language,
            vector=vector,
        )

    return await run_in_threadpool(limited_add)
