"""Read a Polis export folder or zip into a PolisExport (see parley.io.polis for the rules)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TypeAlias

import numpy as np
import polars as pl
from numpy.typing import NDArray

from parley.errors import ExportFormatError, InputError, NotFoundError, SignConventionError

from .import_limits import DEFAULT_LIMITS, ImportLimits, check_cells, check_field
from .polis_csv import ROW, CsvTable, physical_line, read_csv_table
from .polis_model import (
    COMMENTS_HEADER_NEWEST,
    COMMENTS_HEADER_OLD,
    PARTICIPANTS_VOTES_FIXED,
    VOTES_HEADER,
    PolisExport,
    SignMode,
    StatementTable,
    VoteEvents,
    VoteSource,
)
from .polis_signs import SignEvidence, sign_evidence
from .polis_source import ExportSource, open_source
from .polis_votes import read_votes_typed

__all__ = ["read_polis_export"]

_COMMENTS_REQUIRED = ("comment-id", "agrees", "disagrees", "moderated", "comment-body")
_VOTES_REQUIRED = ("timestamp", "comment-id", "voter-id", "vote")
_PV_OPTIONAL = ("xid",)
_ID = re.compile(r"\d{1,18}")
_VOTE = (-1, 0, 1)
Groups: TypeAlias = tuple[NDArray[np.int64], NDArray[np.int64]]


def read_polis_export(
    path: str | Path, *, signs: SignMode = "auto", limits: ImportLimits = DEFAULT_LIMITS
) -> PolisExport:
    """Read a Polis export (folder or .zip) into arrays, with agree = +1, within ``limits``."""
    if signs not in ("auto", "export", "flipped"):
        raise InputError(f"signs should be 'auto', 'export' or 'flipped', got {signs!r}")
    source = open_source(path, limits=limits)
    try:
        return _read(source, str(path), signs)
    finally:
        source.close()


def _read(source: ExportSource, given: str, signs: SignMode) -> PolisExport:
    statements = _read_comments(source)
    vote_source: VoteSource
    groups = None
    if source.has("votes.csv"):
        vote_source = "votes.csv"
        votes = _read_votes(source, statements.ids)
        if source.has("participants-votes.csv"):
            groups = _read_groups_only(source)
    elif source.has("participants-votes.csv"):
        vote_source = "participants-votes.csv"
        votes, groups = _read_participants_votes(source, statements.ids)
    else:
        raise NotFoundError(
            f"{source.label('votes.csv')}: file not found, and no participants-votes.csv "
            "either; this export has no vote data"
        )
    if signs == "auto":
        _check_signs(source, vote_source, statements, votes)
    elif signs == "flipped":
        votes = VoteEvents(
            participant_ids=votes.participant_ids,
            statement_ids=votes.statement_ids,
            values=np.negative(votes.values),
            timestamps=votes.timestamps,
        )
    summary = _read_summary(source) if source.has("summary.csv") else {}
    return PolisExport(
        source=given,
        statements=statements,
        votes=votes,
        vote_source=vote_source,
        polis_groups=groups,
        summary=summary,
        sign_flipped=signs == "flipped",
    )


def _check_signs(
    source: ExportSource, vote_source: VoteSource, statements: StatementTable, votes: VoteEvents
) -> None:
    evidence = sign_evidence(
        statements.ids, statements.agrees, statements.disagrees, votes.statement_ids, votes.values
    )
    refuse_flipped(source.label(vote_source), evidence)


def refuse_flipped(label: str, evidence: SignEvidence) -> None:
    """Raise SignConventionError when the evidence says agree is stored as -1."""
    if evidence.looks_flipped:
        raise SignConventionError(
            f"comments.csv agrees match the -1 votes rather than the +1 votes "
            f"({evidence.describe()}): the export stores agree as -1 (the Polis database "
            "convention). Pass signs='flipped' (CLI: --flipped-signs) to read it anyway, "
            "or signs='export' to trust the file as it is",
            path=label,
        )


def _table(source: ExportSource, name: str, expected: tuple[str, ...]) -> CsvTable:
    return check_cells(
        read_csv_table(source.label(name), source.read(name), expected), source.limits
    )


def _bools(table: CsvTable, column: str) -> NDArray[np.bool_]:
    raw = table.text(column).str.to_lowercase()
    parsed = raw.replace_strict(
        {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
    )
    bad = parsed.is_null() & raw.is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise table.fail(f"{column} {raw[row]!r} should be true or false", row)
    return parsed.fill_null(False).to_numpy().astype(np.bool_)


def _floats(table: CsvTable, column: str) -> NDArray[np.float64] | None:
    raw = table.text(column)
    if raw.null_count() == len(raw):
        return None  # an all-empty column carries nothing
    parsed = raw.cast(pl.Float64, strict=False)
    bad = parsed.is_null() & raw.is_not_null()
    if bad.any():
        row = int(bad.arg_true()[0])
        raise table.fail(f"{column} {raw[row]!r} is not a number", row)
    return parsed.fill_null(np.nan).to_numpy().astype(np.float64)


def _read_comments(source: ExportSource) -> StatementTable:
    table = _table(source, "comments.csv", COMMENTS_HEADER_OLD)
    expected: tuple[str, ...] = COMMENTS_HEADER_OLD
    if "is-meta" in table.columns or "group-informed-consensus" in table.columns:
        expected = COMMENTS_HEADER_NEWEST
    table.require(_COMMENTS_REQUIRED, expected)
    cols = table.columns
    n = table.frame.height
    ids = table.ints("comment-id", minimum=0)
    _no_duplicates(table, ids, "comment-id")
    order = np.argsort(ids, kind="stable")

    def opt_ints(column: str) -> NDArray[np.int64]:
        if column not in cols:
            return np.full(n, -1, dtype=np.int64)
        return table.ints(column, missing=-1)

    def opt_bools(column: str) -> NDArray[np.bool_]:
        return _bools(table, column) if column in cols else np.zeros(n, dtype=np.bool_)

    gic = _floats(table, "group-informed-consensus") if "group-informed-consensus" in cols else None
    texts = table.frame["comment-body"].fill_null("").to_list()
    return StatementTable(
        ids=ids[order],
        texts=[texts[i] for i in order],
        author_ids=opt_ints("author-id")[order],
        moderated=table.ints("moderated", allowed=_VOTE).astype(np.int8)[order],
        is_meta=opt_bools("is-meta")[order],
        is_seed=opt_bools("is-seed")[order],
        timestamps=opt_ints("timestamp")[order],
        agrees=table.ints("agrees", minimum=0)[order],
        disagrees=table.ints("disagrees", minimum=0)[order],
        group_informed_consensus=None if gic is None else gic[order],
    )


def _no_duplicates(table: CsvTable, ids: NDArray[np.int64], column: str) -> None:
    order = np.argsort(ids, kind="stable")
    same = np.flatnonzero(ids[order][1:] == ids[order][:-1])
    if len(same):
        first, second = int(order[same[0]]), int(order[same[0] + 1])
        line = physical_line(table.data, int(table.frame[ROW][first]))
        raise table.fail(f"{column} {ids[first]} appears twice (first on line {line})", second)


def _unknown_statement(table: CsvTable, sids: NDArray[np.int64], known: NDArray[np.int64]) -> None:
    unknown = np.flatnonzero(~np.isin(sids, known))
    if len(unknown):
        row = int(unknown[0])
        raise table.fail(f"vote on statement id {sids[row]}, which is not in comments.csv", row)


def _read_votes(source: ExportSource, known: NDArray[np.int64]) -> VoteEvents:
    fast = read_votes_typed(source, known)
    if fast is not None:
        return fast
    table = _table(source, "votes.csv", VOTES_HEADER)
    table.require(_VOTES_REQUIRED, VOTES_HEADER)
    timestamps = table.ints("timestamp")
    sids = table.ints("comment-id", minimum=0)
    pids = table.ints("voter-id", minimum=0)
    values = table.ints("vote", allowed=_VOTE).astype(np.int8)
    _unknown_statement(table, sids, known)
    order = np.argsort(timestamps, kind="stable")
    return VoteEvents(
        participant_ids=pids[order],
        statement_ids=sids[order],
        values=values[order],
        timestamps=timestamps[order],
    )


def _pv_table(source: ExportSource, *, only_groups: bool) -> tuple[CsvTable, list[str]]:
    table = _table(source, "participants-votes.csv", (*PARTICIPANTS_VOTES_FIXED, "<comment-id>..."))
    table.require(PARTICIPANTS_VOTES_FIXED, (*PARTICIPANTS_VOTES_FIXED, "<comment-id>..."))
    fixed = set(PARTICIPANTS_VOTES_FIXED) | set(_PV_OPTIONAL)
    comment_cols = [c for c in table.columns if c not in fixed]
    if not only_groups:
        for c in comment_cols:
            if not _ID.fullmatch(c.strip()):
                raise ExportFormatError(
                    f"column {c!r} is neither one of {','.join(PARTICIPANTS_VOTES_FIXED)},xid "
                    "nor a comment id",
                    path=table.label,
                    line=1,
                )
    return table, comment_cols


def _groups(table: CsvTable, pids: NDArray[np.int64]) -> Groups | None:
    """(participant ids, group ids) of the rows with a group-id; None when no row has one."""
    gids = table.ints("group-id", missing=-1, minimum=0)
    keep = gids >= 0
    if not keep.any():
        return None
    order = np.argsort(pids[keep], kind="stable")
    return pids[keep][order], gids[keep][order]


def _read_groups_only(source: ExportSource) -> Groups | None:
    table, _ = _pv_table(source, only_groups=True)
    pids = table.ints("participant", minimum=0)
    _no_duplicates(table, pids, "participant")
    return _groups(table, pids)


def _raise_first_bad_vote(table: CsvTable, comment_cols: list[str]) -> None:
    """Raise the error for the first cell (by line, then column) that is not -1, 0 or 1."""
    first: tuple[int, int, str, str] | None = None
    for column_index, column in enumerate(comment_cols):
        cell = table.frame[column].str.strip_chars()
        values = cell.cast(pl.Int8, strict=False)
        nonempty = cell.is_not_null() & (cell.str.len_bytes() > 0)
        bad = (nonempty & (values.is_null() | ~values.is_in(_VOTE))).fill_null(True)
        rows = bad.arg_true()
        if len(rows):
            candidate = (int(rows[0]), column_index, column, str(cell[int(rows[0])]))
            if first is None or candidate[:2] < first[:2]:
                first = candidate
    if first is not None:
        pos, _, column, text = first
        raise table.fail(f"vote {text!r} for comment {column} should be -1, 0 or 1", pos)
    raise table.fail("a vote cell could not be read as -1, 0 or 1", 0)


def _read_participants_votes(
    source: ExportSource, known: NDArray[np.int64]
) -> tuple[VoteEvents, Groups | None]:
    table, comment_cols = _pv_table(source, only_groups=False)
    pids = table.ints("participant", minimum=0)
    _no_duplicates(table, pids, "participant")
    groups = _groups(table, pids)
    # cast every comment column to Int8 at once, then gather the non-empty cells column by
    # column: a long frame of strings would take ~10x the file's size in memory
    stripped = {c: pl.col(c).str.strip_chars() for c in comment_cols}
    ints = table.frame.select([e.cast(pl.Int8, strict=False).alias(c) for c, e in stripped.items()])
    n_cells = table.frame.select(
        [(e.str.len_bytes() > 0).sum().alias(c) for c, e in stripped.items()]
    )
    n_ints = ints.select(pl.all().count())
    low, high = (
        ints.select(pl.min_horizontal(pl.all().min())).item(),
        ints.select(pl.max_horizontal(pl.all().max())).item(),
    )
    if comment_cols and (
        n_cells.row(0) != n_ints.row(0) or (low is not None and (low < -1 or high > 1))
    ):
        _raise_first_bad_vote(table, comment_cols)
    position_parts: list[NDArray[np.int64]] = []
    sid_parts: list[NDArray[np.int64]] = []
    value_parts: list[NDArray[np.int8]] = []
    everyone = np.arange(ints.height, dtype=np.int64)
    for column in comment_cols:
        series = ints.get_column(column)
        if series.null_count() == series.len():
            continue
        if series.null_count() == 0:
            present, values = everyone, series.to_numpy().astype(np.int8)
        else:
            dense = series.to_numpy()  # float64 with NaN for empty cells, one column only
            present = np.flatnonzero(~np.isnan(dense)).astype(np.int64)
            values = dense[present].astype(np.int8)
        position_parts.append(present)
        value_parts.append(values)
        sid_parts.append(np.full(len(present), int(column.strip()), dtype=np.int64))
    empty = np.zeros(0, dtype=np.int64)
    positions = np.concatenate(position_parts) if position_parts else empty
    sids = np.concatenate(sid_parts) if sid_parts else empty
    all_values = np.concatenate(value_parts) if value_parts else np.zeros(0, dtype=np.int8)
    unknown = np.flatnonzero(~np.isin(sids, known))
    if len(unknown):
        i = int(unknown[np.argmin(positions[unknown])])  # the first line, not column
        raise table.fail(
            f"vote on statement id {sids[i]}, which is not in comments.csv",
            int(positions[i]),
        )
    vote_pids = pids[positions]
    values = all_values
    order = np.lexsort((sids, vote_pids))
    events = VoteEvents(
        participant_ids=vote_pids[order],
        statement_ids=sids[order],
        values=values[order],
        timestamps=None,
    )
    return events, groups


def _read_summary(source: ExportSource) -> dict[str, str]:
    label = source.label("summary.csv")
    try:
        text = source.read("summary.csv").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportFormatError("is not UTF-8 text", path=label) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    summary: dict[str, str] = {}
    start = 1
    try:
        for row in reader:
            if len(row) > 2:
                raise ExportFormatError(
                    f"expected key,value rows without a header, found {len(row)} fields",
                    path=label,
                    line=start,
                )
            for field in row:
                check_field(field, limits=source.limits, what="a field", path=label, line=start)
            if row and row[0].strip():
                summary[row[0].strip()] = row[1] if len(row) > 1 else ""
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ExportFormatError(f"malformed CSV ({exc})", path=label, line=reader.line_num) from exc
    return summary
