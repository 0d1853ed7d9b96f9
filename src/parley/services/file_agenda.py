"""The joint agenda of a Polis export whose participants deliberated in formats (a file)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from parley.core.agenda import Agenda, build_agenda
from parley.core.matrix import build_vote_matrix
from parley.errors import InputError
from parley.io.polis import PolisExport, SignMode, read_polis_export

from .agenda_document import AgendaItemEntry, StatementText, agenda_items
from .joint import bridging_scores
from .rules import agenda_min_votes

__all__ = ["FormatTable", "JointAgenda", "joint_agenda", "read_formats_csv"]

#: fields of a statement the JSON output leaves out (the text is in the export)
_TEXT_FIELDS = {"text", "language", "format", "held_by", "waiting_for"}


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
    min_votes: int  # votes each format cast on a statement before it ranked

    def text_of(self, statement_id: int) -> str:
        """Return the text of a statement, or an empty string when unknown."""
        st = self.export.statements
        i = int(np.searchsorted(st.ids, statement_id))
        return st.texts[i] if i < len(st.ids) and st.ids[i] == statement_id else ""

    def items(self) -> list[AgendaItemEntry]:
        """Return the items best first, each statement with its text (``AgendaDocument``'s)."""
        return agenda_items(
            self.agenda,
            self.statement_ids,
            self.format_names,
            self.item_labels,
            lambda sid: StatementText(text=self.text_of(sid)),
        )

    def to_list(self) -> list[dict[str, Any]]:
        """Return the documented JSON data: items best first, each with its statements."""
        out = []
        for item in self.items():
            entry = item.model_dump(mode="json", exclude={"statements"})
            entry["statements"] = [
                {
                    k: v
                    for k, v in s.model_dump(mode="json", exclude=_TEXT_FIELDS).items()
                    if k != "share_with" or v is not None
                }
                for s in item.statements
            ]
            out.append(entry)
        return out


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
    ``min_votes`` is raised to the minimum group size (``rules.agenda_min_votes``).
    """
    min_votes = agenda_min_votes(min_votes)
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
        min_votes=min_votes,
    )
