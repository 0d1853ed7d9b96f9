"""What moved between two agenda documents: two closed rounds, or the last round and now.

Statements and items are matched by id (item ids are kept when items are recomputed; a
statement with no item is an item of its own with the statement's negative id). A statement
or item *is common ground* when its kind is "common" (an item: when one of its statements
is); *contested* is "contested" without every format rejecting it. Each format's shift is
the change of its agree share over all its votes on the joint statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from .agenda_document import AgendaDocument, AgendaEntry

__all__ = [
    "FormatMove",
    "FormatShift",
    "ItemHistory",
    "ItemMove",
    "RoundChanges",
    "StatementMove",
    "item_history",
    "what_moved",
]


class StatementMove(BaseModel):
    """A statement whose standing changed: its kind before (None: new) and after."""

    id: int
    number: int = Field(default=0, description="the number people see (``numbers``)")
    text: str | None
    item: str = Field(description="the label of its agenda item now")
    before: str | None
    after: str
    common_ground_before: float | None
    common_ground_after: float | None


class ItemMove(BaseModel):
    """An agenda item that became common ground or lost it."""

    item: int
    label: str


class FormatMove(BaseModel):
    """A statement that reached formats (or left them) between the two documents."""

    id: int
    number: int = Field(default=0, description="the number people see (``numbers``)")
    text: str | None
    gained: list[str]
    lost: list[str]


class FormatShift(BaseModel):
    """A format's agree share over its votes on the joint statements, before and after."""

    format: str
    votes_before: int
    votes_after: int
    agree_before: float | None
    agree_after: float | None

    @property
    def shift(self) -> float | None:
        """Change of the agree share in percentage points (None when a side has no votes)."""
        if self.agree_before is None or self.agree_after is None:
            return None
        return round(100.0 * (self.agree_after - self.agree_before), 1)


class RoundChanges(BaseModel):
    """What moved from one agenda document to a later one."""

    became_common: list[StatementMove] = Field(default_factory=list)
    lost_common: list[StatementMove] = Field(default_factory=list)
    new_contested: list[StatementMove] = Field(default_factory=list)
    items_became_common: list[ItemMove] = Field(default_factory=list)
    items_lost_common: list[ItemMove] = Field(default_factory=list)
    moved_formats: list[FormatMove] = Field(default_factory=list)
    format_shifts: list[FormatShift] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Return True when no statement, item or format moved."""
        return not (
            self.became_common
            or self.lost_common
            or self.new_contested
            or self.items_became_common
            or self.items_lost_common
            or self.moved_formats
            or any(s.shift for s in self.format_shifts)
        )

    def named(self, labels: Mapping[str, str]) -> RoundChanges:
        """Return a copy naming formats as ``labels`` does (a format's name in the reader's
        language, ``AgendaFormat.label``); names it lacks stay as they are."""

        def name(fmt: str) -> str:
            return labels.get(fmt, fmt)

        return self.model_copy(
            update={
                "moved_formats": [
                    m.model_copy(
                        update={
                            "gained": [name(n) for n in m.gained],
                            "lost": [name(n) for n in m.lost],
                        }
                    )
                    for m in self.moved_formats
                ],
                "format_shifts": [
                    f.model_copy(update={"format": name(f.format)}) for f in self.format_shifts
                ],
            }
        )


def _statements(document: AgendaDocument) -> dict[int, tuple[str, AgendaEntry]]:
    return {s.id: (item.label, s) for item in document.items for s in item.statements}


def _common_items(document: AgendaDocument) -> dict[int, str]:
    return {
        item.item: item.label
        for item in document.items
        if any(s.group == "common" for s in item.statements)
    }


def _move(sid: int, label: str, before: AgendaEntry | None, after: AgendaEntry) -> StatementMove:
    return StatementMove(
        id=sid,
        number=after.shown_number,
        text=after.text,
        item=label,
        before=None if before is None else before.group,
        after=after.group,
        common_ground_before=None if before is None else before.common_ground,
        common_ground_after=after.common_ground,
    )


def _agree_share(document: AgendaDocument, name: str) -> tuple[int, float | None]:
    agree = votes = 0
    for item in document.items:
        for s in item.statements:
            counts = s.by_format.get(name)
            if counts:
                agree += counts["agree"]
                votes += counts["agree"] + counts["disagree"] + counts["pass"]
    return votes, (round(agree / votes, 6) if votes else None)


def what_moved(before: AgendaDocument, after: AgendaDocument) -> RoundChanges:
    """Return what moved from ``before`` to the later ``after``."""
    old, new = _statements(before), _statements(after)
    changes = RoundChanges()
    for sid, (label, s) in new.items():
        was = old.get(sid, (None, None))[1]
        group_before = None if was is None else was.group
        if s.group == "common" and group_before != "common":
            changes.became_common.append(_move(sid, label, was, s))
        if s.group == "contested" and group_before != "contested":
            changes.new_contested.append(_move(sid, label, was, s))
        if was is not None and group_before == "common" and s.group != "common":
            changes.lost_common.append(_move(sid, label, was, s))
        if was is not None:
            gained = [f for f in s.held_by if f not in was.held_by]
            lost = [f for f in was.held_by if f not in s.held_by]
            if gained or lost:
                changes.moved_formats.append(
                    FormatMove(id=sid, number=s.shown_number, text=s.text, gained=gained, lost=lost)
                )
    for sid, (label, was) in old.items():  # a statement gone (moderated away) loses its standing
        if sid not in new and was.group == "common":
            changes.lost_common.append(
                StatementMove(
                    id=sid,
                    number=was.shown_number,
                    text=was.text,
                    item=label,
                    before="common",
                    after="removed",
                    common_ground_before=was.common_ground,
                    common_ground_after=None,
                )
            )
    common_before, common_after = _common_items(before), _common_items(after)
    changes.items_became_common = [
        ItemMove(item=i, label=label) for i, label in common_after.items() if i not in common_before
    ]
    changes.items_lost_common = [
        ItemMove(item=i, label=label) for i, label in common_before.items() if i not in common_after
    ]
    for name in after.format_names:
        votes_before, share_before = _agree_share(before, name)
        votes_after, share_after = _agree_share(after, name)
        changes.format_shifts.append(
            FormatShift(
                format=name,
                votes_before=votes_before,
                votes_after=votes_after,
                agree_before=share_before,
                agree_after=share_after,
            )
        )
    return changes


class ItemHistory(BaseModel):
    """An agenda item's common ground (its best statement's score) round by round."""

    item: int
    label: str
    scores: list[float | None]


def item_history(documents: Sequence[AgendaDocument]) -> list[ItemHistory]:
    """Return each item's common ground in each document (rounds in order, then now)."""
    labels: dict[int, str] = {}
    for document in documents:
        for item in document.items:
            labels[item.item] = item.label  # the latest label wins
    out = []
    for item_id, label in labels.items():
        scores: list[float | None] = []
        for document in documents:
            found = next((i for i in document.items if i.item == item_id), None)
            ranked = (
                []
                if found is None
                else [s.common_ground for s in found.statements if s.common_ground is not None]
            )
            scores.append(max(ranked) if ranked else None)
        out.append(ItemHistory(item=item_id, label=label, scores=scores))
    return out
