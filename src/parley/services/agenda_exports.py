"""The agenda document's exports: CSV (every text cell defused) and readable Markdown.

Both render the one agenda document (``agenda_document``) that the pages and the API show.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from parley.io.safe_csv import SafeCsvWriter

from .agenda_document import STANCES, AgendaEntry, AgendaItemEntry, VoteKind
from .rules import DEFAULT_MIN_GROUP_SIZE

__all__ = ["HEADINGS", "agenda_csv", "agenda_markdown"]

HEADINGS = {
    "common": "Common ground",
    "contested": "Contested",
    "rejected": "Rejected by every format",
    "waiting": "Waiting for votes",
    "one-sided": "One-sided",
}


def agenda_csv(items: Sequence[AgendaItemEntry], format_names: Sequence[str]) -> str:
    """Render agenda items as CSV: one row per statement, best first.

    Every cell of user text (labels, texts, format names in the header) that starts like a
    spreadsheet formula is defused with a quote.
    """
    out = io.StringIO()
    writer = SafeCsvWriter(out)  # defuses every text cell, headers included
    per_format = [f"{name} {what}" for name in format_names for what in STANCES]
    writer.writerow(
        [
            "rank",
            "item",
            "label",
            "statement",
            "number",
            "kind",
            "rejected_by_all",
            "common_ground",
            "bridging",
            "format",
            "language",
            "text",
            *per_format,
        ]
    )
    for item in items:
        for s in item.statements:
            counts = [
                "" if name in s.withheld else s.by_format[name][what]
                for name in format_names
                for what in STANCES
            ]
            writer.writerow(
                [
                    item.rank,
                    item.item,
                    item.label,
                    s.id,
                    s.shown_number,
                    s.kind,
                    int(s.rejected_by_all),
                    "" if s.common_ground is None else s.common_ground,
                    "" if s.bridging is None else s.bridging,
                    s.format or "",
                    s.language or "",
                    s.text or "",
                    *counts,
                ]
            )
    return out.getvalue()


def agenda_markdown(
    items: Sequence[AgendaItemEntry],
    format_names: Sequence[str],
    *,
    title: str,
    min_votes: int,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> str:
    """Render agenda items as a Markdown document: items best first, stances per format."""
    lines = [f"# Joint agenda: {_md(title)}", ""]
    lines.append(
        f"Formats: {', '.join(_md(n) for n in format_names)}. "
        f"A statement ranks once every format cast {min_votes} votes on it."
    )
    for item in items:
        lines += ["", f"## {item.rank}. {_md(item.label)}"]
        for group, heading in HEADINGS.items():
            chosen = [s for s in item.statements if s.group == group]
            if not chosen:
                continue
            lines += ["", f"### {heading}", ""]
            for s in chosen:
                lines.append(_markdown_line(s, min_group_size))
                if s.share_with:
                    lines.append(f"  Share with: {', '.join(map(_md, s.share_with))}.")
    return "\n".join(lines) + "\n"


def _counts_text(name: str, c: Mapping[VoteKind, int], s: AgendaEntry, min_group_size: int) -> str:
    if name in s.withheld:
        return f"fewer than {min_group_size} votes yet"
    if not sum(c.values()):
        return "no votes yet"
    return f"{c['agree']} agree, {c['disagree']} disagree, {c['pass']} pass"


def _markdown_line(s: AgendaEntry, min_group_size: int = DEFAULT_MIN_GROUP_SIZE) -> str:
    stance = "; ".join(
        f"{_md(name)} {_counts_text(name, c, s, min_group_size)}" for name, c in s.by_format.items()
    )
    score = "" if s.common_ground is None else f" (common ground {s.common_ground:.2f})"
    said = _md(s.text or f"statement {s.shown_number}")
    origin = f" — from {_md(s.format)}" if s.format else ""
    tag = f"[{s.language}] " if s.language else ""
    if s.is_translation and s.original_text:
        said += f" (translation; original [{s.original_language or '?'}]: {_md(s.original_text)})"
    return f"- #{s.shown_number} {tag}{said}{origin}{score}. {stance}."


def _md(text: str) -> str:
    """Escape the Markdown (and inline HTML) that user text could start, nothing more."""
    escaped = "".join("\\" + c if c in "\\`*_[]<>|#" else c for c in text)
    return escaped.replace("\n", " ")
