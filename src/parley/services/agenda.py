"""Compute the joint agenda of a Polis export whose participants deliberated in formats."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from parley.core.agenda import KIND_NAMES, Agenda, build_agenda
from parley.core.bridging import BridgingModel
from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.errors import InputError
from parley.io.polis import PolisExport, SignMode, read_polis_export
from parley.io.safe_csv import SafeCsvWriter

__all__ = [
    "FormatTable",
    "JointAgenda",
    "agenda_csv",
    "agenda_entries",
    "agenda_markdown",
    "bridging_scores",
    "joint_agenda",
    "read_formats_csv",
]


@dataclass(frozen=True, eq=False)
class FormatTable:
    """Participants and the format each belongs to, as read from a CSV."""

    participant_ids: NDArray[np.int64]
    format_codes: NDArray[np.int64]  # index into names
    names: list[str]  # format names in order of first appearance


def read_formats_csv(path: str | Path) -> FormatTable:
    """Read a CSV with columns participant,format; errors name the file and the line."""
    source = Path(path)
    if not source.is_file():
        raise InputError(f"{source}: no such formats file")
    try:
        with source.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"{source}: cannot read as CSV ({error})") from None
    if not rows:
        raise InputError(f"{source}, line 1: empty file; expected columns participant,format")
    header = [name.strip() for name in rows[0]]
    if "participant" not in header or "format" not in header:
        raise InputError(f"{source}, line 1: expected columns participant,format, got {header}")
    at_id, at_format = header.index("participant"), header.index("format")
    names: dict[str, int] = {}
    seen: dict[int, tuple[str, int]] = {}
    ids: list[int] = []
    codes: list[int] = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(
                f"{source}, line {line}: expected {len(header)} fields, got {len(row)}"
            )
        raw_id, name = row[at_id].strip(), row[at_format].strip()
        try:
            participant = int(raw_id)
        except ValueError:
            raise InputError(
                f"{source}, line {line}: participant {raw_id!r} is not an integer"
            ) from None
        if not name:
            raise InputError(f"{source}, line {line}: participant {participant} has no format")
        if participant in seen:
            if seen[participant][0] != name:
                raise InputError(
                    f"{source}, line {line}: participant {participant} is in format {name!r} "
                    f"but line {seen[participant][1]} puts them in {seen[participant][0]!r}"
                )
            continue
        seen[participant] = (name, line)
        ids.append(participant)
        codes.append(names.setdefault(name, len(names)))
    if not names:
        raise InputError(f"{source}: no participant rows")
    return FormatTable(
        participant_ids=np.asarray(ids, dtype=np.int64),
        format_codes=np.asarray(codes, dtype=np.int64),
        names=list(names),
    )


@dataclass(frozen=True, eq=False)
class JointAgenda:
    """The joint agenda of an export, with the ids and names needed to present it."""

    export: PolisExport
    agenda: Agenda
    statement_ids: NDArray[np.int64]
    format_names: list[str]
    item_labels: dict[int, str]
    n_unknown_participants: int  # in the formats CSV but with no vote in the export
    n_without_format: int  # voted but not in the formats CSV

    def text_of(self, statement_id: int) -> str:
        """Return the text of a statement, or an empty string when unknown."""
        st = self.export.statements
        i = int(np.searchsorted(st.ids, statement_id))
        return st.texts[i] if i < len(st.ids) and st.ids[i] == statement_id else ""

    def to_list(self, *, with_text: bool = False) -> list[dict[str, Any]]:
        """Return the documented JSON data: items best first, each with its statements.

        ``with_text`` adds each statement's ``text`` (for the CSV and Markdown renderings).
        """
        describe = (lambda sid: {"text": self.text_of(sid)}) if with_text else None
        return agenda_entries(
            self.agenda, self.statement_ids, self.format_names, self.item_labels, describe
        )


def agenda_entries(
    agenda: Agenda,
    statement_ids: NDArray[np.int64],
    format_names: Sequence[str],
    item_labels: Mapping[int, str],
    describe: Callable[[int], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Return the agenda as documented JSON data, items best first.

    ``describe(statement_id)`` may add fields (text, language, ...) to each statement.
    """
    out: list[dict[str, Any]] = []
    for rank, item in enumerate(agenda.item_ids.tolist(), start=1):
        statements = []
        for column in agenda.statements_of(item).tolist():
            kind = KIND_NAMES[int(agenda.kinds[column])]
            sid = int(statement_ids[column])
            entry: dict[str, Any] = {
                "id": sid,
                "kind": kind,
                "common_ground": _number(agenda.common_ground[column]),
                "bridging": _number(agenda.bridging[column]),
                "rejected_by_all": bool(agenda.rejected[column]),
                "by_format": {
                    name: {
                        "agree": int(agenda.agree[f, column]),
                        "disagree": int(agenda.disagree[f, column]),
                        "pass": int(agenda.passes[f, column]),
                    }
                    for f, name in enumerate(format_names)
                },
            }
            if kind == "one-sided":
                entry["share_with"] = [format_names[f] for f in agenda.share_with(column).tolist()]
            if describe is not None:
                entry.update(describe(sid))
            statements.append(entry)
        out.append(
            {"item": item, "label": item_labels[item], "rank": rank, "statements": statements}
        )
    return out


_STANCES = ("agree", "disagree", "pass")
_HEADINGS = {
    "common": "Common ground",
    "contested": "Contested",
    "rejected": "Rejected by every format",
    "one-sided": "One-sided",
}


def agenda_csv(entries: Sequence[Mapping[str, Any]], format_names: Sequence[str]) -> str:
    """Render agenda entries (``agenda_entries``) as CSV: one row per statement, best first.

    Columns ``text``, ``language`` and ``format`` are filled when the entries have them.
    Every text cell (headers too) that starts like a spreadsheet formula is defused with a quote.
    """
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    per_format = [f"{name} {what}" for name in format_names for what in _STANCES]
    writer.writerow(
        [
            "rank",
            "item",
            "label",
            "statement",
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
    for item in entries:
        for s in item["statements"]:
            counts = [s["by_format"][name][what] for name in format_names for what in _STANCES]
            writer.writerow(
                [
                    item["rank"],
                    item["item"],
                    _cell(item["label"]),
                    s["id"],
                    s["kind"],
                    int(bool(s.get("rejected_by_all"))),
                    "" if s["common_ground"] is None else s["common_ground"],
                    "" if s["bridging"] is None else s["bridging"],
                    _cell(s.get("format") or ""),
                    s.get("language") or "",
                    _cell(s.get("text") or ""),
                    *counts,
                ]
            )
    return out.getvalue()


def agenda_markdown(
    entries: Sequence[Mapping[str, Any]],
    format_names: Sequence[str],
    *,
    title: str,
    min_votes: int,
) -> str:
    """Render agenda entries as a Markdown document: items best first, stances per format."""
    lines = [f"# Joint agenda: {_md(title)}", ""]
    lines.append(
        f"Formats: {', '.join(_md(n) for n in format_names)}. "
        f"A statement ranks once every format cast {min_votes} votes on it."
    )
    for item in entries:
        lines += ["", f"## {item['rank']}. {_md(item['label'])}"]
        for kind, heading in _HEADINGS.items():
            chosen = [s for s in item["statements"] if _heading_of(s) == kind]
            if not chosen:
                continue
            lines += ["", f"### {heading}", ""]
            for s in chosen:
                stance = "; ".join(
                    f"{_md(name)} {c['agree']} agree, {c['disagree']} disagree, {c['pass']} pass"
                    for name, c in s["by_format"].items()
                )
                cg = s["common_ground"]
                score = "" if cg is None else f" (common ground {cg:.2f})"
                said = _md(s.get("text") or f"statement {s['id']}")
                origin = f" — from {_md(s['format'])}" if s.get("format") else ""
                tag = f"[{s['language']}] " if s.get("language") else ""
                lines.append(f"- {tag}{said}{origin}{score}. {stance}.")
                if kind == "one-sided" and s.get("share_with"):
                    lines.append(f"  Share with: {', '.join(map(_md, s['share_with']))}.")
    return "\n".join(lines) + "\n"


def _heading_of(entry: Mapping[str, Any]) -> str:
    """The group a statement is listed under: its kind, or "rejected" (a contested one)."""
    return "rejected" if entry.get("rejected_by_all") else str(entry["kind"])


def _cell(text: str) -> str:
    """Defuse spreadsheet formulas in user text (a leading =, +, - or @)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _md(text: str) -> str:
    """Escape Markdown (and inline HTML) in user text."""
    escaped = "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>" else c for c in text)
    return escaped.replace("\n", " ")


def bridging_scores(matrix: VoteMatrix) -> NDArray[np.float64]:
    """Fit the bridging model on all votes; NaN for statements with no agree or disagree."""
    scores: NDArray[np.float64] = np.full(matrix.n_statements, np.nan)
    if not matrix.n_votes:
        return scores
    scores = BridgingModel().fit(matrix.values).statement_intercepts_.copy()
    values = matrix.values
    rated = np.bincount(values.indices[values.data != 0], minlength=matrix.n_statements)
    scores[rated == 0] = np.nan  # only passes or no votes: no bridging score
    return scores


def _number(value: float) -> float | None:
    return round(float(value), 6) if np.isfinite(value) else None


def joint_agenda(
    path: str | Path,
    formats: FormatTable,
    *,
    signs: SignMode = "auto",
    min_votes: int = 5,
    items: Mapping[int, int] | None = None,
    item_labels: Mapping[int, str] | None = None,
    bridging: bool = True,
) -> JointAgenda:
    """Read a Polis export and compute its joint agenda across the given formats.

    ``items`` maps statement id to agenda item id (e.g. from topic clustering); statements
    it leaves out, and all statements when it is None, are their own item (id = statement
    id). Rejected (moderated-out) statements are left out. ``bridging`` fits a
    ``BridgingModel`` on all votes, participants without a format included.
    """
    export = read_polis_export(path, signs=signs)
    st = export.statements
    ev = export.votes
    rejected = st.ids[st.moderated == -1]
    keep = ~np.isin(ev.statement_ids, rejected)
    matrix = build_vote_matrix(
        ev.participant_ids[keep],
        ev.statement_ids[keep],
        ev.values[keep],
        timestamps=None if ev.timestamps is None else ev.timestamps[keep],
        all_statement_ids=st.ids[st.moderated != -1],
    )
    rows = matrix.row_of(formats.participant_ids)
    participant_formats = np.full(matrix.n_participants, -1, dtype=np.int64)
    participant_formats[rows[rows >= 0]] = formats.format_codes[rows >= 0]
    item_of = matrix.statement_ids.copy()
    if items is not None:
        item_of = np.asarray(
            [items.get(int(s), int(s)) for s in matrix.statement_ids.tolist()], dtype=np.int64
        )
    scores = bridging_scores(matrix) if bridging else None
    agenda = build_agenda(
        matrix.values,
        participant_formats,
        n_formats=len(formats.names),
        items=item_of,
        min_votes=min_votes,
        bridging=scores,
    )
    labels = dict(item_labels or {})
    for item in agenda.item_ids.tolist():
        labels.setdefault(item, f"statement {item}" if items is None else f"item {item}")
    return JointAgenda(
        export=export,
        agenda=agenda,
        statement_ids=matrix.statement_ids,
        format_names=formats.names,
        item_labels=labels,
        n_unknown_participants=int(np.sum(rows < 0)),
        n_without_format=int(np.sum(participant_formats < 0)),
    )
