"""``/conversations/{id}/analysis``, ``/summary``, ``/activity``: what the worker computed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from parley.errors import NotFoundError
from parley.services.results import latest_analysis, results_summary, votes_over_time

from ..deps import ReadableConversationDep, SessionFactoryDep
from ..reading import ReaderLanguagesDep, reading_fields, readings_for
from ..schemas import ActivityPoint, SummaryOut

router = APIRouter(prefix="/conversations/{conversation_id}", tags=["results"])


@router.get("/analysis", response_model=dict[str, Any])
async def analysis(
    conversation_id: ReadableConversationDep, sf: SessionFactoryDep
) -> dict[str, Any]:
    """Return the latest computed analysis (``parley analyze``'s JSON plus ``computed_at``)."""
    payload = await run_in_threadpool(latest_analysis, sf, conversation_id)
    if payload is None:
        raise NotFoundError(
            f"conversation {conversation_id} has no analysis yet; it is computed within "
            "seconds of the first votes"
        )
    return payload


def _refs(analysis: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Return every statement entry of a summary's analysis (to put in the reader's language)."""
    if not analysis:
        return []
    return [
        *(r for g in analysis.get("groups", []) for r in g.get("representative", [])),
        *(r for refs in analysis.get("consensus", {}).values() for r in refs),
        *analysis.get("common_ground", []),
    ]


@router.get("/summary", response_model=SummaryOut)
async def summary(
    conversation_id: ReadableConversationDep, sf: SessionFactoryDep, languages: ReaderLanguagesDep
) -> SummaryOut:
    """Return the counts and, once analysed, the groups, consensus and common ground.

    Statements come in the reader's language where a translation exists, with the original.
    """
    data = await run_in_threadpool(results_summary, sf, conversation_id)
    refs = _refs(data.get("analysis"))
    found = await readings_for(sf, (int(r["statement_id"]) for r in refs), languages)
    for ref in refs:
        reading = found.get(int(ref["statement_id"]))
        language = None if reading is None else reading.original_language
        ref.update(reading_fields(reading, ref.get("text"), language))
    return SummaryOut.model_validate({**data, "conversation": asdict(data["conversation"])})


@router.get("/activity", response_model=list[ActivityPoint])
async def activity(
    conversation_id: ReadableConversationDep,
    sf: SessionFactoryDep,
    bucket: Annotated[Literal["hour", "day"], Query()] = "day",
) -> list[ActivityPoint]:
    """Return the number of votes cast per hour or day (UTC), oldest first."""
    points = await run_in_threadpool(lambda: votes_over_time(sf, conversation_id, bucket=bucket))
    return [ActivityPoint(start=start, n_votes=n) for start, n in points]
