"""Polis reports: one per conversation from the start, and its CSV export (``reportExport``).

A report id needs no storage: it is ``r``, 20 base32 characters of an HMAC-SHA256 of the
conversation id under a per-installation secret (``accounts.instance_secret``, name
``polis-reports``, created when the app starts), then the conversation id. It never
changes, cannot be guessed from the conversation id, and names its conversation, so no
lookup table is needed. Knowing a report id is what lets one read the report and its export
(as in Polis); the conversation's facilitator lists it with ``?conversation_id=``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from parley.db.engine import SessionFactory
from parley.db.models import AnalysisResult, Conversation
from parley.db.queries import newest_analysis
from parley.db.types import ms_from_datetimes
from parley.errors import NotFoundError
from parley.io.polis import PolisExport
from parley.io.polis_write import polis_csv_texts

from .accounts import instance_secret
from .polis_api import numbers_of, polis_conversation_id, readable_conversation
from .polis_exchange import build_polis_export
from .sessions import read_session
from .shown import min_group_size_of, shown_analysis

__all__ = [
    "EXPORT_FILES",
    "REPORT_SECRET",
    "conversation_of_report",
    "ensure_report_secret",
    "polis_report_export",
    "polis_reports",
    "report_export_texts",
    "report_id",
    "report_id_of",
]

#: the name of the instance secret that report ids are derived from
REPORT_SECRET = "polis-reports"
#: the files of ``/api/v3/reportExport/{report_id}/``
EXPORT_FILES = ("summary.csv", "comments.csv", "votes.csv", "participants-votes.csv")
_MAC_CHARS = 20  # 100 bits


def ensure_report_secret(session_factory: SessionFactory) -> None:
    """Create the report secret now if missing, so that reading reports never writes."""
    instance_secret(session_factory, REPORT_SECRET)


def _secret(session_factory: SessionFactory) -> str:
    return instance_secret(session_factory, REPORT_SECRET)


def report_id_of(secret: str, conversation_id: int) -> str:
    """Return the report id of a conversation under ``secret`` (``r``, 20 letters, the id)."""
    mac = hmac.new(
        secret.encode(), f"polis-report:{conversation_id}".encode(), hashlib.sha256
    ).digest()
    return "r" + base64.b32encode(mac).decode().lower()[:_MAC_CHARS] + str(conversation_id)


def report_id(session_factory: SessionFactory, conversation_id: int) -> str:
    """Return the report id of a conversation (its link is ``/r/{report_id}``)."""
    return report_id_of(_secret(session_factory), conversation_id)


def conversation_of_report(session_factory: SessionFactory, report_id: str) -> int:
    """Return the conversation id a report id names, if its MAC is right; else NotFoundError."""
    unknown = NotFoundError(f"report {report_id!r} does not exist")
    if len(report_id) <= 1 + _MAC_CHARS or not report_id.startswith("r"):
        raise unknown
    try:
        conversation_id = polis_conversation_id(report_id[1 + _MAC_CHARS :])
    except NotFoundError:
        raise unknown from None
    expected = report_id_of(_secret(session_factory), conversation_id)
    if not hmac.compare_digest(expected.encode(), report_id.encode()):
        raise unknown
    return conversation_id


def _report(secret: str, conversation: Conversation) -> dict[str, Any]:
    created = int(ms_from_datetimes([conversation.created_at])[0])
    return {
        "report_id": report_id_of(secret, conversation.id),
        "conversation_id": str(conversation.id),
        "created": created,
        "modified": created,
        "report_name": None,
        "label_x_neg": None,
        "label_x_pos": None,
        "label_y_neg": None,
        "label_y_pos": None,
    }


def polis_reports(
    session_factory: SessionFactory,
    *,
    report_id: str | None = None,
    conversation_id: str | None = None,
    facilitator_id: int | None = None,
) -> list[dict[str, Any]]:
    """Return ``/api/v3/reports``: the report named by ``report_id``, or a conversation's.

    By ``report_id`` anybody who has the id gets it; by ``conversation_id`` only the
    conversation's facilitator does. Every conversation has exactly one report.
    """
    secret = _secret(session_factory)
    if report_id is not None:
        cid = conversation_of_report(session_factory, report_id)
        with read_session(session_factory) as session:
            return [_report(secret, readable_conversation(session, cid, by_report_key=True))]
    if conversation_id is None:
        raise NotFoundError("give a report_id or a conversation_id")
    with read_session(session_factory) as session:
        conversation = readable_conversation(
            session, conversation_id, facilitator_id=facilitator_id, manage=True
        )
        return [_report(secret, conversation)]


def polis_report_export(session_factory: SessionFactory, report_id: str, file_name: str) -> str:
    """Return one CSV file of a report's export, as Polis's ``reportExport`` serves it.

    The files are parley's Polis export (agree = +1, comments.csv with ``is-meta``), with the
    opinion groups of the latest analysis as ``group-id`` in participants-votes.csv and its
    group-informed consensus in comments.csv.
    """
    if file_name not in EXPORT_FILES:
        raise NotFoundError(f"{file_name!r} is not in a report export (one of {EXPORT_FILES})")
    cid = conversation_of_report(session_factory, report_id)
    return report_export_texts(session_factory, cid)[file_name]


def report_export_texts(session_factory: SessionFactory, conversation_id: int) -> dict[str, str]:
    """Return a conversation's report export, every CSV file by name (see ``EXPORT_FILES``).

    The caller has checked who may read it (the report id, or the facilitator's login);
    this checks only that the conversation is readable at all.
    """
    with read_session(session_factory) as session:
        readable_conversation(session, conversation_id, by_report_key=True)
        export = build_polis_export(session, conversation_id)
        export = _with_analysis(session, conversation_id, export)
    return polis_csv_texts(export)


def _with_analysis(session: Session, conversation_id: int, export: PolisExport) -> PolisExport:
    """Add the latest analysis's groups and group-informed consensus to an export."""
    newest = newest_analysis(session, conversation_id, AnalysisResult.payload)
    if newest is None:
        return export
    payload = shown_analysis(newest[0], min_group_size_of(session, conversation_id))
    numbers = numbers_of(session, conversation_id)
    grouped = [p for p in payload["participants"] if p["group"] is not None]
    pids = numbers.pid_of([p["id"] for p in grouped])
    groups = np.asarray([p["group"] for p in grouped], dtype=np.int64).reshape(-1)
    gac = {
        int(tid): s["gac"]
        for tid, s in zip(
            numbers.tid_of([s["id"] for s in payload["statements"]]),
            payload["statements"],
            strict=True,
        )
        if s["gac"] is not None
    }
    st = export.statements
    values = np.asarray([gac.get(int(t), np.nan) for t in st.ids], dtype=np.float64).reshape(-1)
    return replace(
        export,
        polis_groups=(pids, groups),
        statements=replace(st, group_informed_consensus=values),
    )
