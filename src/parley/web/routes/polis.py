"""``/api/v3``: Polis's read API, in Polis's shapes, for Polis readers such as red-dwarf.

The routes only translate HTTP; the services (``polis_api``, ``polis_math``,
``polis_reports``) hold the numbering, the signs and the one access rule.
"""

from __future__ import annotations

import gzip
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from parley.services.polis_api import (
    polis_comments,
    polis_conversation,
    polis_participation_init,
    polis_votes,
)
from parley.services.polis_math import polis_math, polis_math_tick
from parley.services.polis_reports import polis_report_export, polis_reports

from ..deps import OptionalFacilitatorDep, SessionFactoryDep

__all__ = ["POLIS_PREFIX", "router"]

POLIS_PREFIX = "/api/v3"
router = APIRouter(prefix=POLIS_PREFIX, tags=["polis"])

ConversationId = Annotated[str, Query(max_length=32, description="parley's conversation id")]


@router.get("/conversations", response_model=dict[str, Any])
async def conversation(
    conversation_id: ConversationId, sf: SessionFactoryDep, facilitator_id: OptionalFacilitatorDep
) -> dict[str, Any]:
    """Return the conversation: topic, description, conversation_id, created, counts."""
    return await run_in_threadpool(
        lambda: polis_conversation(sf, conversation_id, facilitator_id=facilitator_id)
    )


@router.get("/comments", response_model=list[dict[str, Any]])
async def comments(
    conversation_id: ConversationId,
    sf: SessionFactoryDep,
    facilitator_id: OptionalFacilitatorDep,
    moderation: bool = False,
    include_voting_patterns: bool = False,
) -> list[dict[str, Any]]:
    """Return the statements as Polis comments by tid (all with ``moderation=true``)."""
    return await run_in_threadpool(
        lambda: polis_comments(
            sf,
            conversation_id,
            moderation=moderation,
            include_voting_patterns=include_voting_patterns,
            facilitator_id=facilitator_id,
        )
    )


@router.get("/votes", response_model=list[dict[str, Any]])
async def votes(
    conversation_id: ConversationId,
    pid: Annotated[int, Query(ge=0)],
    sf: SessionFactoryDep,
    facilitator_id: OptionalFacilitatorDep,
) -> list[dict[str, Any]]:
    """Return participant ``pid``'s votes with Polis's API sign (agree = -1)."""
    return await run_in_threadpool(
        lambda: polis_votes(sf, conversation_id, pid=pid, facilitator_id=facilitator_id)
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.get("/math/pca2", response_class=Response)
async def math_pca2(
    request: Request,
    conversation_id: ConversationId,
    sf: SessionFactoryDep,
    facilitator_id: OptionalFacilitatorDep,
    math_tick: Annotated[int | None, Query()] = None,
) -> Response:
    """Return the math result (gzip when accepted); 304 while the ETag or math_tick is current."""
    tick = await run_in_threadpool(
        lambda: polis_math_tick(sf, conversation_id, facilitator_id=facilitator_id)
    )
    etag = f'"{tick}"'
    if _matches(request.headers.get("if-none-match"), etag) or (
        math_tick is not None and math_tick >= tick
    ):
        return Response(status_code=304, headers={"ETag": etag})
    result = await run_in_threadpool(
        lambda: polis_math(sf, conversation_id, facilitator_id=facilitator_id)
    )
    body = json.dumps(result.document, allow_nan=False, separators=(",", ":")).encode()
    headers = {"ETag": f'"{result.math_tick}"', "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/json", headers=headers)


@router.get("/participationInit", response_model=dict[str, Any])
async def participation_init(
    conversation_id: ConversationId,
    sf: SessionFactoryDep,
    facilitator_id: OptionalFacilitatorDep,
    xid: Annotated[str | None, Query(max_length=256)] = None,
) -> dict[str, Any]:
    """Return the conversation and, for its facilitator, the participant with ``xid``."""
    return await run_in_threadpool(
        lambda: polis_participation_init(
            sf, conversation_id, xid=xid, facilitator_id=facilitator_id
        )
    )


@router.get("/reports", response_model=list[dict[str, Any]])
async def reports(
    sf: SessionFactoryDep,
    facilitator_id: OptionalFacilitatorDep,
    report_id: Annotated[str | None, Query(max_length=64)] = None,
    conversation_id: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    """Return the report with ``report_id``, or (for its facilitator) a conversation's."""
    return await run_in_threadpool(
        lambda: polis_reports(
            sf,
            report_id=report_id,
            conversation_id=conversation_id,
            facilitator_id=facilitator_id,
        )
    )


@router.get("/reportExport/{report_id}/{file_name}", response_class=Response)
async def report_export(report_id: str, file_name: str, sf: SessionFactoryDep) -> Response:
    """Return one CSV file of the report's export (summary, comments, votes, participants-votes)."""
    text = await run_in_threadpool(polis_report_export, sf, report_id, file_name)
    return Response(text, media_type="text/csv; charset=utf-8")
