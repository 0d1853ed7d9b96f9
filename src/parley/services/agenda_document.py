"""The joint agenda as one document: declared once, rendered as JSON, CSV and Markdown.

The stored agenda of a process (``agenda``), the agenda of a Polis export
(``file_agenda``), the API, the pages and ``parley agenda`` all use these models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from parley.core.agenda import KIND_NAMES, Agenda
from parley.text.topics import label_for as topic_label_for

from .rules import DEFAULT_MIN_GROUP_SIZE

__all__ = [
    "AgendaDocument",
    "AgendaEntry",
    "AgendaFormat",
    "AgendaItemEntry",
    "AgendaProcess",
    "JointMap",
    "MapGroup",
    "StatementText",
    "agenda_items",
    "count_listed",
    "label_for",
    "listed_under",
]

VoteKind = Literal["agree", "disagree", "pass"]
#: "waiting": held by several formats, short of votes in some; "one-sided": held by one
StatementKind = Literal["common", "contested", "waiting", "one-sided"]
STANCES: tuple[VoteKind, ...] = ("agree", "disagree", "pass")
#: the heading each statement group is counted under in summaries (the brief, the rounds):
#: "waiting" holds every statement short of votes somewhere, waiting or one-sided
LISTED_UNDER: Final = {
    "common": "common",
    "contested": "contested",
    "rejected": "rejected",
    "waiting": "waiting",
    "one-sided": "waiting",
}


class StatementText(BaseModel):
    """What a statement says and where it was written."""

    text: str
    language: str | None = None
    format: str | None = Field(default=None, description="the format where it was written")
    held_by: list[str] = Field(default_factory=list, description="formats holding it")


class AgendaEntry(BaseModel):
    """A joint statement on the agenda with its scores and counts per format."""

    id: int = Field(description="the joint statement's id (the key scripts use)")
    number: int | None = Field(
        default=None,
        description="the number people see (``numbers``): Polis's tid for an imported "
        "statement, else the joint statement's id; the same in every format",
    )
    kind: StatementKind
    common_ground: float | None = Field(
        description="null until every format voted enough, or while a format's counts are withheld"
    )
    bridging: float | None
    rejected_by_all: bool = Field(
        description="contested, but every format that voted enough rejects it"
    )
    by_format: dict[str, dict[VoteKind, int]]
    share_with: list[str] | None = Field(
        default=None,
        description="one-sided or waiting: formats short of votes that do not hold it yet "
        "(share it there)",
    )
    waiting_for: list[str] = Field(
        default_factory=list,
        description="waiting: formats that hold it but have not voted enough on it yet",
    )
    withheld: list[str] = Field(
        default_factory=list,
        description="formats with fewer votes on it than the minimum group size: their "
        "counts are not shown (0 in by_format), so that no one's vote can be told",
    )
    text: str | None = None
    language: str | None = None
    format: str | None = Field(default=None, description="the format where it was written")
    held_by: list[str] = Field(default_factory=list, description="formats holding it")
    original_text: str | None = Field(
        default=None, description="the text as written (``text`` may be a translation)"
    )
    original_language: str | None = None
    is_translation: bool = False
    translation_source: str | None = None

    @property
    def shown_number(self) -> int:
        """The number people see (its id in an agenda stored before numbers were kept)."""
        return self.id if self.number is None else self.number

    @property
    def group(self) -> str:
        """Where it is listed: its kind, or "rejected" when every format rejects it."""
        return "rejected" if self.rejected_by_all else self.kind


class AgendaItemEntry(BaseModel):
    """An agenda item: a topic and its statements (a negative id: one statement, no item)."""

    item: int
    label: str = Field(description="the label shown by default (English, else the most common)")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="language -> label, from that language's statements or a facilitator",
    )
    rank: int
    statements: list[AgendaEntry]
    original_label: str | None = Field(
        default=None, description="the label as set, when ``label`` is a translation"
    )


def label_for(item: AgendaItemEntry, language: str | None) -> str:
    """Return an item's label in ``language``, else in English, else its default label."""
    if language is None and item.label:
        return item.label
    return topic_label_for(item.labels, language, default=item.label)


class AgendaProcess(BaseModel):
    """The process an agenda belongs to."""

    id: int
    name: str
    description: str
    min_votes: int = Field(
        description="votes each format casts on a statement before it ranks: the process's "
        "setting, raised to min_group_size (rules.agenda_min_votes)"
    )
    n_participants: int = Field(description="voters counted on the agenda")
    min_group_size: int = Field(
        default=DEFAULT_MIN_GROUP_SIZE,
        description="a format's votes on a statement are shown once this many voted",
    )


class AgendaFormat(BaseModel):
    """A format named in an agenda, with its size."""

    name: str
    n_members: int
    n_statements: int
    label: str | None = Field(default=None, description="the name in the reader's language")


class AgendaDocument(BaseModel):
    """A process's joint agenda, items best first."""

    process: AgendaProcess
    formats: list[AgendaFormat]
    items: list[AgendaItemEntry]
    computed_at: datetime | None = Field(
        default=None, description="when the analysis worker computed it; null: not yet"
    )

    @property
    def format_names(self) -> list[str]:
        """Format names in the process's order."""
        return [f.name for f in self.formats]

    def format_labels(self) -> dict[str, str]:
        """Each format's name as this document's reader reads it (``agenda_in`` sets labels)."""
        return {f.name: f.label or f.name for f in self.formats}

    def to_csv(self) -> str:
        """Return one CSV row per statement, items best first, counts per format."""
        from .agenda_exports import agenda_csv  # the exports import these models

        return agenda_csv(self.items, self.format_names)

    def to_markdown(self) -> str:
        """Return the agenda as a Markdown document: items best first, stances per format."""
        from .agenda_exports import agenda_markdown

        return agenda_markdown(
            self.items,
            self.format_names,
            title=self.process.name,
            min_votes=self.process.min_votes,
            min_group_size=self.process.min_group_size,
        )


class MapGroup(BaseModel):
    """A format on the joint map."""

    id: int
    name: str


class JointMap(BaseModel):
    """Every format's members on one opinion map of the joint statements (as columns)."""

    x: list[float] = Field(default_factory=list)
    y: list[float] = Field(default_factory=list)
    group: list[int] = Field(default_factory=list, description="each member's format position")
    groups: list[MapGroup] = Field(default_factory=list, description="the formats")

    @property
    def n_members(self) -> int:
        """Members placed on the map."""
        return len(self.x)

    def chart_data(self) -> dict[str, Any]:
        """Return the map as ``charts.opinion_map`` reads it: points and groups."""
        return {
            "participants": [
                {"x": x, "y": y, "group": g}
                for x, y, g in zip(self.x, self.y, self.group, strict=True)
            ],
            "groups": [{"id": g.id, "label": g.name} for g in self.groups],
        }


def _number(value: float) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None


def _voted_in(agenda: Agenda, column: int) -> int:
    """Return how many formats cast any vote on the statement in this column."""
    votes = agenda.agree[:, column] + agenda.disagree[:, column] + agenda.passes[:, column]
    return int(np.count_nonzero(votes))


def agenda_items(
    agenda: Agenda,
    statement_ids: NDArray[np.int64],
    format_names: Sequence[str],
    item_labels: Mapping[int, str],
    describe: Callable[[int], StatementText] | None = None,
    language_labels: Mapping[int, Mapping[str, str]] | None = None,
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    numbers: Mapping[int, int] | None = None,
) -> list[AgendaItemEntry]:
    """Return the agenda's items best first; ``describe`` adds each statement's text.

    ``numbers`` gives the number people see of each statement (``numbers.statement_numbers``;
    without it, or for a statement it lacks, the id: a Polis export's ids are Polis's tids).

    ``language_labels`` gives items their labels per language (language -> label).
    A format's counts on a statement fewer than ``min_group_size`` members voted on are
    withheld (listed in ``withheld``, 0 in ``by_format``): they would tell individual votes.
    """
    out: list[AgendaItemEntry] = []
    for rank, item in enumerate(agenda.item_ids.tolist(), start=1):
        statements = []
        for column in agenda.statements_of(item).tolist():
            kind = KIND_NAMES[int(agenda.kinds[column])]
            sid = int(statement_ids[column])
            said = describe(sid) if describe is not None else None
            held = said.held_by if said is not None else []
            share_with, waiting = None, []
            if kind == "one-sided":
                short = [format_names[f] for f in agenda.share_with(column).tolist()]
                share_with = [name for name in short if name not in held]
                waiting = [name for name in short if name in held]
                if len(held) > 1:  # in several formats, short of votes in some: not one-sided
                    kind = "waiting"
            counts: dict[str, dict[VoteKind, int]] = {
                name: {
                    "agree": int(agenda.agree[f, column]),
                    "disagree": int(agenda.disagree[f, column]),
                    "pass": int(agenda.passes[f, column]),
                }
                for f, name in enumerate(format_names)
            }
            withheld = [n for n, c in counts.items() if 0 < sum(c.values()) < min_group_size]
            for name in withheld:
                counts[name] = {"agree": 0, "disagree": 0, "pass": 0}
            statements.append(
                AgendaEntry(
                    id=sid,
                    number=sid if numbers is None else numbers.get(sid, sid),
                    kind=kind,  # type: ignore[arg-type]
                    # scores built on withheld counts would tell them: withheld too
                    common_ground=None if withheld else _number(agenda.common_ground[column]),
                    bridging=(
                        _number(agenda.bridging[column])
                        if _voted_in(agenda, column) > 1 and not withheld
                        else None  # no evidence across formats
                    ),
                    rejected_by_all=bool(agenda.rejected[column]),
                    by_format=counts,
                    share_with=share_with,
                    waiting_for=waiting,
                    withheld=withheld,
                    **(said.model_dump() if said is not None else {}),
                )
            )
        out.append(
            AgendaItemEntry(
                item=item,
                label=item_labels[item],
                labels=dict((language_labels or {}).get(item, {})),
                rank=rank,
                statements=statements,
            )
        )
    return out


def listed_under(entry: AgendaEntry) -> str:
    """Return the summary heading a statement counts under (``LISTED_UNDER``)."""
    return LISTED_UNDER[entry.group]


def count_listed(statements: Iterable[AgendaEntry]) -> dict[str, int]:
    """Return how many statements each summary heading lists: common, contested, rejected,
    waiting (short of votes in some format: "waiting" and "one-sided" statements both).

    The brief's summary and the rounds' counts both count with this, as the brief lists.
    """
    counts = dict.fromkeys(("common", "contested", "rejected", "waiting"), 0)
    for entry in statements:
        counts[listed_under(entry)] += 1
    return counts
