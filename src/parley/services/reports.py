"""The Polis report of a conversation: overview, groups, consensus, uncertainty, every statement.

A report is read through its unguessable report id (``polis_reports.report_id_of``): the id
is the capability, and ``polis_api.readable_conversation`` is still asked, so a conversation
that stops being readable takes its report with it. The report is built from the stored
analysis alone (``results.latest_analysis``): nothing is recomputed and nothing is written.
It shows only the statements participants may see now (``rules.is_visible``), with their
current text. Opinion groups are named A, B, C, ... as in Polis.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from parley.db.engine import SessionFactory
from parley.db.models import Statement
from parley.errors import InputError

from .polis_api import readable_conversation
from .polis_reports import (
    EXPORT_FILES,
    conversation_of_report,
    report_export_texts,
)
from .results import latest_analysis
from .rules import group_letter, is_visible
from .sessions import read_session

__all__ = [
    "N_LISTED",
    "SORT_COLUMNS",
    "UNCERTAIN_PASS_SHARE",
    "GroupStance",
    "Report",
    "ReportGroup",
    "ReportStatement",
    "Representative",
    "Stance",
    "conversation_report",
    "group_letter",
    "polis_export_zip",
    "sort_statements",
]

#: how many statements the consensus, common-ground and uncertainty lists show at most
N_LISTED = 10
#: a statement is an area of uncertainty when at least this share of its votes are passes
UNCERTAIN_PASS_SHARE = 0.3
#: the columns the statement table sorts by, besides ``group-A``, ``group-B``, ...
SORT_COLUMNS = ("id", "votes", "agree", "disagree", "pass", "gac")

Choice = Literal["agree", "disagree", "pass"]


@dataclass(frozen=True)
class Stance:
    """The votes of some participants on one statement: agree, disagree and pass."""

    agree: int
    disagree: int
    passes: int

    @property
    def n_votes(self) -> int:
        """Return the number of votes (agree, disagree and pass)."""
        return self.agree + self.disagree + self.passes

    def share(self, choice: Choice) -> float | None:
        """Return the share (0 to 1) of the votes that are ``choice``; None without votes."""
        if self.n_votes == 0:
            return None
        count = {"agree": self.agree, "disagree": self.disagree, "pass": self.passes}[choice]
        return count / self.n_votes

    def percent(self, choice: Choice) -> int:
        """Return the share of ``choice`` in whole percent (0 without votes), for bars and text."""
        return round(100 * (self.share(choice) or 0.0))


@dataclass(frozen=True)
class GroupStance:
    """One opinion group's votes on a statement."""

    group: int
    letter: str
    stance: Stance


@dataclass(frozen=True)
class ReportStatement:
    """A visible statement with its votes: everyone's, and each opinion group's."""

    id: int
    text: str
    language: str | None
    is_meta: bool
    overall: Stance
    gac: float | None  # group-informed consensus; None when the analysis has none
    groups: tuple[GroupStance, ...]
    number: int | None = None  # the number people see (``numbers``); None: its id


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart: how the group voted and how telling that is."""

    statement: ReportStatement
    direction: Literal["agree", "disagree"]
    stance: Stance  # the group's own votes on the statement
    repness: float | None


@dataclass(frozen=True)
class ReportGroup:
    """An opinion group: its letter, its size and its representative statements."""

    id: int
    letter: str
    size: int
    representative: tuple[Representative, ...]


@dataclass(frozen=True)
class Report:
    """A conversation's Polis report, as of its latest stored analysis."""

    report_id: str
    conversation_id: int
    topic: str
    description: str
    computed_at: str | None  # None: no analysis yet, and every list below is empty
    n_participants: int
    n_grouped: int
    n_votes: int
    n_statements: int  # visible statements the analysis knows
    groups: tuple[ReportGroup, ...]
    consensus_agree: tuple[ReportStatement, ...]
    consensus_disagree: tuple[ReportStatement, ...]
    common_ground: tuple[ReportStatement, ...]  # highest group-informed consensus first
    uncertain: tuple[ReportStatement, ...]  # most passed on first
    statements: tuple[ReportStatement, ...]  # every visible statement, by id
    map_data: Mapping[str, Any]  # participants, groups and visible statements for the map
    n_in_small_groups: int = 0  # members of opinion groups too small to show
    min_group_size: int = 3


def _group_stances(payload: Mapping[str, Any]) -> dict[int, tuple[GroupStance, ...]]:
    """Return each analysed statement's votes by group, from the stored group counts."""
    columns = [int(sid) for sid in payload.get("pca", {}).get("statement_ids", [])]
    stances: dict[int, list[GroupStance]] = {sid: [] for sid in columns}
    for group in payload.get("groups", []):
        gid = int(group["id"])
        votes = group.get("votes", {})
        agree, disagree = votes.get("agree", []), votes.get("disagree", [])
        seen = votes.get("seen", [])
        # analyses stored before the group counts were (polis3) have none: no votes shown
        known = len(agree) == len(disagree) == len(seen) == len(columns)
        for j, sid in enumerate(columns):
            a, d, s = (int(agree[j]), int(disagree[j]), int(seen[j])) if known else (0, 0, 0)
            stance = Stance(agree=a, disagree=d, passes=max(s - a - d, 0))
            stances[sid].append(GroupStance(gid, group_letter(gid), stance))
    return {sid: tuple(items) for sid, items in stances.items()}


def _empty_groups(payload: Mapping[str, Any]) -> tuple[GroupStance, ...]:
    return tuple(
        GroupStance(int(g["id"]), group_letter(int(g["id"])), Stance(0, 0, 0))
        for g in payload.get("groups", [])
    )


def _statements(
    payload: Mapping[str, Any], rows: Mapping[int, tuple[str, str | None]]
) -> dict[int, ReportStatement]:
    """Return the analysed statements that are visible now (``rows``), by id."""
    by_group = _group_stances(payload)
    out: dict[int, ReportStatement] = {}
    for s in payload.get("statements", []):
        sid = int(s["id"])
        if sid not in rows:
            continue
        text, language = rows[sid]
        gac = s.get("gac")
        out[sid] = ReportStatement(
            id=sid,
            text=text,
            language=language,
            is_meta=bool(s.get("is_meta", False)),
            overall=Stance(int(s["agree"]), int(s["disagree"]), int(s["pass"])),
            gac=None if gac is None else float(gac),
            groups=by_group.get(sid, _empty_groups(payload)),
            number=int(s.get("number", sid)),
        )
    return out


def _stance_of(statement: ReportStatement, group: int) -> Stance:
    return next((g.stance for g in statement.groups if g.group == group), Stance(0, 0, 0))


def _groups(
    payload: Mapping[str, Any], statements: Mapping[int, ReportStatement]
) -> tuple[ReportGroup, ...]:
    groups = []
    for group in payload.get("groups", []):
        gid = int(group["id"])
        letter = group_letter(gid)
        representative = tuple(
            Representative(
                statement=statements[int(r["statement"])],
                direction=r["direction"],
                stance=_stance_of(statements[int(r["statement"])], gid),
                repness=None if r.get("repness") is None else float(r["repness"]),
            )
            for r in group.get("repness", [])
            if int(r["statement"]) in statements
        )
        groups.append(ReportGroup(gid, letter, int(group.get("size", 0)), representative))
    return tuple(groups)


def _uncertain(statements: Sequence[ReportStatement]) -> tuple[ReportStatement, ...]:
    """Return the statements most passed on (a pass share of at least 30 %), most first."""
    passed = [
        s
        for s in statements
        if not s.is_meta and (s.overall.share("pass") or 0.0) >= UNCERTAIN_PASS_SHARE
    ]
    passed.sort(key=lambda s: (-(s.overall.share("pass") or 0.0), -s.overall.n_votes, s.id))
    return tuple(passed[:N_LISTED])


def _map_data(
    payload: Mapping[str, Any], statements: Mapping[int, ReportStatement]
) -> dict[str, Any]:
    """Return what the opinion map needs, with only the visible statements and their text."""
    return {
        "participants": [
            {"x": p.get("x"), "y": p.get("y"), "group": p.get("group")}
            for p in payload.get("participants", [])
        ],
        "groups": [{"id": int(g["id"])} for g in payload.get("groups", [])],
        "statements": [
            {"id": sid, "x": s.get("x"), "y": s.get("y"), "text": statements[sid].text}
            for s in payload.get("statements", [])
            if (sid := int(s["id"])) in statements
        ],
    }


def conversation_report(session_factory: SessionFactory, report_id: str) -> Report:
    """Return the report a report id names; NotFoundError for a wrong id or unreadable one."""
    conversation_id = conversation_of_report(session_factory, report_id)
    with read_session(session_factory) as session:
        conversation = readable_conversation(session, conversation_id, by_report_key=True)
        topic, description = conversation.topic, conversation.description
        mode = conversation.moderation_mode
        rows = session.execute(
            select(Statement.id, Statement.text, Statement.language, Statement.moderation_state)
            .where(Statement.conversation_id == conversation_id)
            .order_by(Statement.id)
        ).all()
    visible = {r.id: (r.text, r.language) for r in rows if is_visible(r.moderation_state, mode)}
    stored = latest_analysis(session_factory, conversation_id)
    payload: Mapping[str, Any] = stored or {}  # no analysis yet: every list is empty
    statements = _statements(payload, visible)
    ordered = tuple(statements[sid] for sid in sorted(statements))
    consensus = payload.get("consensus", {})
    with_gac = sorted(
        (s for s in ordered if s.gac is not None), key=lambda s: (-(s.gac or 0.0), s.id)
    )
    return Report(
        report_id=report_id,
        conversation_id=conversation_id,
        topic=topic,
        description=description or "",
        computed_at=None if stored is None else str(stored["computed_at"]),
        n_participants=int(payload.get("n_participants", 0)),
        n_grouped=sum(1 for p in payload.get("participants", []) if p.get("group") is not None),
        n_votes=int(payload.get("n_votes", 0)),
        n_statements=len(ordered),
        groups=_groups(payload, statements),
        consensus_agree=tuple(
            statements[int(i)] for i in consensus.get("agree", []) if int(i) in statements
        ),
        consensus_disagree=tuple(
            statements[int(i)] for i in consensus.get("disagree", []) if int(i) in statements
        ),
        common_ground=tuple(with_gac[:N_LISTED]),
        uncertain=_uncertain(ordered),
        statements=ordered,
        map_data=_map_data(payload, statements),
        n_in_small_groups=int(payload.get("hidden_groups", {}).get("n_participants", 0)),
        min_group_size=int(payload.get("hidden_groups", {}).get("min_group_size", 3)),
    )


def _sort_value(statement: ReportStatement, column: str) -> float | None:
    if column == "id":
        return statement.id
    if column == "votes":
        return statement.overall.n_votes
    if column in ("agree", "disagree", "pass"):
        return statement.overall.share(column)  # type: ignore[arg-type]
    if column == "gac":
        return statement.gac
    letter = column.removeprefix("group-")
    for group in statement.groups:
        if group.letter == letter:
            return group.stance.share("agree")
    return None


def sort_statements(
    statements: Sequence[ReportStatement], sort: str, *, letters: Sequence[str] = ()
) -> list[ReportStatement]:
    """Return the statements sorted by ``sort``: a column, ``-`` first for highest first.

    Columns are ``SORT_COLUMNS`` (shares of all votes) and ``group-A``, ... (a group's agree
    share; ``letters`` lists the groups there are). Statements without a value come last,
    ties by id.
    """
    column = sort.removeprefix("-")
    allowed = [*SORT_COLUMNS, *(f"group-{letter}" for letter in letters)]
    if column not in allowed:
        raise InputError(f"sort={sort!r} should be one of {', '.join(allowed)}, maybe with '-'")
    sign = -1.0 if sort.startswith("-") else 1.0

    def key(statement: ReportStatement) -> tuple[int, float, int]:
        value = _sort_value(statement, column)
        return (value is None, 0.0 if value is None else sign * value, statement.id)

    return sorted(statements, key=key)


def polis_export_zip(session_factory: SessionFactory, conversation_id: int) -> bytes:
    """Return a zip of the conversation's Polis export files (``EXPORT_FILES``), made in memory.

    Access is the caller's check (the facilitator's pages ask ``ensure_can_manage``).
    """
    texts = report_export_texts(session_factory, conversation_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in EXPORT_FILES:
            if name in texts:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, texts[name].encode("utf-8"))
    return buffer.getvalue()
