"""Analyse a Polis export: read it, build the vote matrix, run (or replay) the pipeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from parley.compute.analysis import analyse_votes
from parley.core.matrix import build_vote_matrix
from parley.core.pipeline import Analysis, AnalysisState, Params, analyze
from parley.core.replay import last_vote_times, replay
from parley.errors import InputError
from parley.io.import_limits import LOCAL_LIMITS
from parley.io.parquet import read_votes_matrix, read_votes_parquet, statements_only_export
from parley.io.polis import PolisExport, SignMode, read_polis_export
from parley.io.polis_matrix import read_export_matrix
from parley.io.polis_model import VoteEvents
from parley.io.results import analysis_to_dict

__all__ = ["ExportAnalysis", "analyze_export", "read_groups_csv"]


@dataclass(frozen=True, eq=False)
class ExportAnalysis:
    """An analysis together with the export it came from."""

    export: PolisExport
    analysis: Analysis

    def to_dict(self) -> dict[str, Any]:
        """Return the documented JSON result data."""
        st = self.export.statements
        return analysis_to_dict(
            self.analysis,
            texts=dict(zip(st.ids.tolist(), st.texts, strict=True)),
            moderation=dict(zip(st.ids.tolist(), st.moderated.tolist(), strict=True)),
            extra_statement_ids=st.ids.tolist(),
        )

    def text_of(self, statement_id: int) -> str:
        """Return the text of a statement, or an empty string when unknown."""
        st = self.export.statements
        i = int(np.searchsorted(st.ids, statement_id))
        if i < len(st.ids) and st.ids[i] == statement_id:
            return st.texts[i]
        return ""


def read_groups_csv(path: str | Path) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Read a CSV with columns participant,group into (participant_ids, group_ids)."""
    import polars as pl

    source = Path(path)
    if not source.exists():
        raise InputError(f"{source}: no such groups file")
    try:
        frame = pl.read_csv(source, infer_schema_length=0)
    except pl.exceptions.PolarsError as error:
        raise InputError(f"{source}: cannot read as CSV ({error})") from None
    missing = {"participant", "group"} - set(frame.columns)
    if missing:
        raise InputError(
            f"{source}, line 1: expected columns participant,group; missing {sorted(missing)}"
        )
    ids = []
    for column in ("participant", "group"):
        parsed = frame[column].str.strip_chars().cast(pl.Int64, strict=False)
        bad = parsed.is_null() & frame[column].is_not_null()
        if bad.any():
            line = int(bad.arg_true()[0]) + 2
            raise InputError(
                f"{source}, line {line}: {column} {frame[column][line - 2]!r} is not an integer"
            )
        ids.append(parsed)
    keep = ids[0].is_not_null() & ids[1].is_not_null()
    return ids[0].filter(keep).to_numpy(), ids[1].filter(keep).to_numpy()


def _is_parquet(path: str | Path) -> bool:
    p = Path(path)
    if p.is_dir():
        return not (p / "comments.csv").exists() and any(p.glob("*.parquet"))
    return p.suffix.lower() == ".parquet"


def analyze_export(
    path: str | Path,
    *,
    signs: SignMode = "auto",
    groups: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]] | None = None,
    replay_every: int | None = None,
    replay_seconds: float | None = None,
    replay_restart_after: float | None = None,
    replay_moderation: str = "last-vote",
    state: AnalysisState | None = None,
    params: Params | None = None,
    on_update: Callable[[int, int], None] | None = None,
    dask_address: str | None = None,
) -> ExportAnalysis:
    """Read a Polis export (folder, zip) and analyse it, optionally replaying its vote log.

    A Parquet vote log (a .parquet file, or a folder of .parquet parts) is read too; with
    ``dask_address`` (a scheduler, or "local") it is analysed on Dask instead of in-process.
    The files are the caller's own: they are read within ``LOCAL_LIMITS``, not the web
    import's limits.

    ``replay_moderation`` is "last-vote" (a rejected statement is zeroed from its last vote
    on, the earliest time its rejection can have taken effect) or "end" (zeroed throughout).
    """
    if replay_moderation not in ("last-vote", "end"):
        raise InputError(f"replay moderation {replay_moderation!r} should be 'last-vote' or 'end'")
    parquet = _is_parquet(path)
    if dask_address is not None:
        if not parquet:
            raise InputError(
                f"{path}: --dask reads Parquet vote logs (a .parquet file or a folder of "
                ".parquet parts), not CSV exports"
            )
        if groups is not None or state is not None or replay_every or replay_seconds:
            raise InputError("--dask cannot be combined with --replay or --groups")
        analysis = analyse_votes(path, dask_address=dask_address, params=params)
        return ExportAnalysis(
            export=statements_only_export(path, analysis.matrix.statement_ids), analysis=analysis
        )
    replaying = replay_every is not None or replay_seconds is not None
    if parquet and not replaying:
        matrix = read_votes_matrix(path)
        analysis = analyze(matrix, groups=groups, params=params, state=state)
        return ExportAnalysis(
            export=statements_only_export(path, matrix.statement_ids), analysis=analysis
        )
    if not parquet and not replaying:
        read = read_export_matrix(path, signs=signs, limits=LOCAL_LIMITS)
        if read is not None:
            export, matrix = read
            st = export.statements
            analysis = analyze(
                matrix,
                moderated_out=st.ids[st.moderated == -1],
                meta=st.ids[st.is_meta],
                groups=groups,
                params=params,
                state=state,
            )
            return ExportAnalysis(export=export, analysis=analysis)
    if parquet:
        export = read_votes_parquet(path)
    else:
        export = read_polis_export(path, signs=signs, limits=LOCAL_LIMITS)
    st = export.statements
    moderated_out = st.ids[st.moderated == -1]
    meta = st.ids[st.is_meta]
    ev = export.votes
    if replay_every is not None or replay_seconds is not None:
        if ev.timestamps is None:
            raise InputError(
                f"{path}: --replay needs votes.csv with timestamps; this export only has "
                "participants-votes.csv"
            )
        if groups is not None:
            raise InputError("--replay and --groups cannot be combined")
        times = ev.timestamps
        if len(times) > 1 and bool(np.any(times[1:] < times[:-1])):
            order = np.argsort(times, kind="stable")
            times = times[order]
            ev = VoteEvents(
                participant_ids=ev.participant_ids[order],
                statement_ids=ev.statement_ids[order],
                values=ev.values[order],
                timestamps=times,
            )
        analysis = replay(
            ev.participant_ids,
            ev.statement_ids,
            ev.values,
            times,
            every_votes=replay_every,
            every_seconds=replay_seconds,
            moderated_out=moderated_out,
            meta=meta,
            params=params,
            on_update=on_update,
            restart_after_seconds=replay_restart_after,
            moderation_times=(
                last_vote_times(ev.statement_ids, times, moderated_out)
                if replay_moderation == "last-vote"
                else None
            ),
        )
    else:
        matrix = build_vote_matrix(
            ev.participant_ids, ev.statement_ids, ev.values, timestamps=ev.timestamps
        )
        analysis = analyze(
            matrix,
            moderated_out=moderated_out,
            meta=meta,
            groups=groups,
            params=params,
            state=state,
        )
    return ExportAnalysis(export=export, analysis=analysis)
