"""The brief: a dated, printable document of a round (or of now) for the delegations.

``build_brief`` turns an agenda document (a closed round's, or the stored agenda now) and
what moved since the previous round into the brief's content: a summary, each item with its
common-ground statements first, its contested points and every format's stance, and the
method. ``render_brief_html`` renders it with Jinja2 (user text escaped, print styling,
stances as inline SVG bars made here, no script); ``render_brief_pdf`` turns that same HTML
into PDF with WeasyPrint, so both carry the same content. A format's stance on a statement
is withheld when fewer than the process's privacy threshold of its members voted on it.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, select_autoescape

from parley.db.engine import SessionFactory
from parley.db.types import utc_now
from parley.errors import NotFoundError, RateLimitError

from .agenda import read_agenda
from .agenda_document import (
    AgendaDocument,
    AgendaEntry,
    AgendaFormat,
    AgendaProcess,
    listed_under,
)
from .agenda_reading import agenda_in
from .file_agenda import JointAgenda
from .processes import process_info
from .round_changes import RoundChanges, what_moved
from .rounds import list_rounds, read_round
from .rules import DEFAULT_MIN_GROUP_SIZE

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "Brief",
    "BriefItem",
    "Translate",
    "brief_of",
    "build_brief",
    "file_document",
    "render_brief_html",
    "render_brief_pdf",
]

STANCES = ("agree", "disagree", "pass")


class Translate(Protocol):
    """Looks up interface text: ``t("brief.title", name=...)``."""

    def __call__(self, key: str, /, **values: object) -> str:
        """Return the message for ``key`` with its placeholders filled in."""
        ...

    def join(self, items: Iterable[object]) -> str:
        """Return items as the language lists them (``A, B, and C``)."""
        ...


@dataclass(frozen=True)
class BriefStance:
    """One format's stance on a statement (counts withheld below the privacy threshold)."""

    format: str
    n: int
    agree: int
    disagree: int
    passed: int
    withheld: bool

    def width(self, what: str, total: float) -> float:
        """Return the bar width of ``what`` ("agree", "disagree" or "pass") out of ``total``."""
        value = {"agree": self.agree, "disagree": self.disagree, "pass": self.passed}[what]
        return round(total * value / self.n, 2) if self.n and not self.withheld else 0.0


@dataclass(frozen=True)
class BriefStatement:
    """A statement in the brief with its scores and stances."""

    id: int
    number: int  # the number people see (``numbers``), as on the agenda
    text: str
    language: str | None
    origin: str | None
    group: str
    common_ground: float | None
    stances: list[BriefStance]


@dataclass(frozen=True)
class BriefItem:
    """An agenda item in the brief: common ground first, then contested, then the rest."""

    rank: int
    label: str
    common: list[BriefStatement]
    contested: list[BriefStatement]
    rejected: list[BriefStatement]
    waiting: list[BriefStatement]


@dataclass(frozen=True)
class Brief:
    """Everything the brief shows (the HTML and the PDF render exactly this)."""

    title: str
    description: str
    round_number: int | None  # None: the current state
    date: datetime | None
    formats: list[str]
    min_votes: int
    min_group_size: int
    items: list[BriefItem]
    summary: dict[str, int]
    since_round: int | None = None
    changes: RoundChanges | None = None
    rounds: list[int] = field(default_factory=list)


def _statement(s: AgendaEntry, labels: Mapping[str, str]) -> BriefStatement:
    stances = []
    for name, counts in s.by_format.items():
        n = counts["agree"] + counts["disagree"] + counts["pass"]
        withheld = name in s.withheld  # the agenda document withholds (rules.min_group_size)
        stances.append(
            BriefStance(
                format=labels.get(name, name),
                n=n,
                agree=0 if withheld else counts["agree"],
                disagree=0 if withheld else counts["disagree"],
                passed=0 if withheld else counts["pass"],
                withheld=withheld,
            )
        )
    return BriefStatement(
        id=s.id,
        number=s.shown_number,
        text=s.text or f"#{s.shown_number}",
        language=s.language,
        origin=None if s.format is None else labels.get(s.format, s.format),
        group=s.group,
        common_ground=s.common_ground,
        stances=stances,
    )


def build_brief(
    document: AgendaDocument,
    *,
    round_number: int | None = None,
    date: datetime | None = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    since_round: int | None = None,
    changes: RoundChanges | None = None,
) -> Brief:
    """Return the brief's content from an agenda document (and what moved, if given).

    Formats are named as the document's reader reads them (``AgendaFormat.label``, set by
    ``agenda_in``), as on the agenda page.
    """
    labels = document.format_labels()
    items = []
    summary = dict.fromkeys(
        (
            "items",
            "items_common",
            "items_contested",
            "items_waiting",
            "common",
            "contested",
            "rejected",
            "waiting",
        ),
        0,
    )
    for item in document.items:
        by: dict[str, list[BriefStatement]] = {
            g: [] for g in ("common", "contested", "rejected", "waiting")
        }
        for s in item.statements:
            by[listed_under(s)].append(_statement(s, labels))
        items.append(
            BriefItem(
                rank=item.rank,
                label=item.label,
                common=by["common"],
                contested=by["contested"],
                rejected=by["rejected"],
                waiting=by["waiting"],
            )
        )
        summary["items"] += 1
        for heading, listed in by.items():
            summary[heading] += len(listed)  # the summary counts what the body lists
        key = (
            "items_common"
            if by["common"]
            else "items_contested"
            if by["contested"] or by["rejected"]
            else "items_waiting"
        )
        summary[key] += 1
    return Brief(
        title=document.process.name,
        description=document.process.description,
        round_number=round_number,
        date=date or document.computed_at,
        formats=[labels[name] for name in document.format_names],
        min_votes=document.process.min_votes,
        min_group_size=min_group_size,
        items=items,
        summary=summary,
        since_round=since_round,
        changes=None if changes is None else changes.named(labels),
    )


def brief_of(
    session_factory: SessionFactory,
    process_id: int,
    round_number: int | None,
    *,
    languages: Sequence[str] = (),
) -> Brief:
    """Return the brief of a closed round, or of the stored agenda now (``None``).

    Texts and labels come in the reader's ``languages`` where translated, as on the agenda.
    """
    info = process_info(session_factory, process_id)
    closed = list_rounds(session_factory, process_id)
    if round_number is None:
        document = read_agenda(session_factory, process_id, languages=languages).document
        date = document.computed_at
        earlier = closed
    else:
        found = [r for r in closed if r.number == round_number]
        if not found:
            raise NotFoundError(f"process {process_id} has no closed round {round_number}")
        document = read_round(session_factory, process_id, round_number)
        if languages:
            document = agenda_in(session_factory, process_id, document, languages)
        date = found[0].closed_at
        earlier = [r for r in closed if r.number < round_number]
    since = earlier[-1].number if earlier else None
    brief = build_brief(
        document,
        round_number=round_number,
        date=date,
        min_group_size=info.settings.min_group_size,
        since_round=since,
        changes=(
            None
            if since is None
            else what_moved(read_round(session_factory, process_id, since), document)
        ),
    )
    brief.rounds.extend(r.number for r in closed)
    return brief


def file_document(result: JointAgenda, *, title: str, min_votes: int) -> AgendaDocument:
    """Return the agenda of a Polis export (``parley agenda``) as an agenda document."""
    items = result.items()
    return AgendaDocument(
        process=AgendaProcess(
            id=0, name=title, description="", min_votes=min_votes, n_participants=0
        ),
        formats=[
            AgendaFormat(name=name, n_members=0, n_statements=0) for name in result.format_names
        ],
        items=items,
        computed_at=utc_now(),
    )


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("parley.services", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _left_to_right(text: str) -> str:
    """Isolate ``text`` as left-to-right (dates, numbers) inside text of either direction."""
    return f"\u2066{text}\u2069"


def _isolate(text: object) -> str:
    """Isolate user text in its own direction (first strong letter): WeasyPrint has no <bdi>."""
    return f"\u2068{text}\u2069"


def _direction_of(text: object) -> str:
    """Return the direction of ``text``'s first strong letter: "rtl" or "ltr" (the default)."""
    for ch in str(text):
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def render_brief_html(brief: Brief, t: Translate, *, language: str, direction: str) -> str:
    """Render the brief as one self-contained HTML page with print styling."""
    context: dict[str, Any] = {
        "brief": brief,
        "t": t,
        "lang": language,
        "dir": direction,
        "stances": STANCES,
        "ltr": _left_to_right,
        "iso": _isolate,
        "direction_of": _direction_of,
    }
    return _environment().get_template("brief.html.j2").render(**context)


def render_brief_pdf(html: str) -> bytes:
    """Render the brief's HTML as PDF (WeasyPrint; no file or network is fetched).

    The PDFs of the last ``PDF_CACHE_SIZE`` HTML texts are kept in this process: the same HTML
    makes the same PDF, and the HTML changes with anything the brief shows (a closed round's
    never), so a repeated download costs no second rendering (1.5 to 3 s of CPU) and does not
    wait. New PDFs are rendered ``MAX_CONCURRENT_PDFS`` at a time, so that they cannot take
    every worker thread; one that waits more than ``PDF_WAIT`` seconds raises RateLimitError.
    """
    return _pdf_of(html)


#: briefs whose PDF each process keeps (tens of kB each)
PDF_CACHE_SIZE = 32
#: PDF briefs rendered at a time in a process (each takes seconds of CPU)
MAX_CONCURRENT_PDFS = 1
#: seconds a new PDF waits for its turn before the request is refused
PDF_WAIT = 20.0
_PDF_SLOTS = threading.BoundedSemaphore(MAX_CONCURRENT_PDFS)


@functools.lru_cache(maxsize=PDF_CACHE_SIZE)  # a kept PDF is returned before any wait
def _pdf_of(html: str) -> bytes:
    if not _PDF_SLOTS.acquire(timeout=PDF_WAIT):  # a refusal is not cached
        raise RateLimitError(
            "other briefs are being rendered as PDF; try again in a minute", retry_after=60
        )
    try:
        return _render_pdf(html)
    finally:
        _PDF_SLOTS.release()


def _render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads pango, which only the brief needs

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, Any]:
        raise ValueError(f"the brief fetches nothing ({url})")

    pdf = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)
