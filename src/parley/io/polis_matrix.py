"""A folder export read straight into the final-vote matrix: the lean path for large exports.

``parley analyze`` needs the statements and the final votes, not every vote event as int64
arrays in time order. This reads votes.csv typed (see ``polis_votes``), turns each id column
into small integer codes and releases it, checks the sign convention from per-statement
counts and builds the matrix without sorting the log by time. It returns None whenever the
export is not a plain folder with a well-formed votes.csv; the caller then uses
``read_polis_export``, whose messages name the line at fault.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from parley.core.matrix import VoteMatrix, dense_codes, matrix_from_codes

from .import_limits import ImportLimits
from .polis_model import PolisExport, SignMode, VoteEvents
from .polis_read import _read_comments, _read_groups_only, _read_summary, refuse_flipped
from .polis_signs import sign_evidence_from_counts
from .polis_source import ZipSource, open_source
from .polis_votes import read_votes_frame

__all__ = ["read_export_matrix"]


def read_export_matrix(
    path: str | Path, *, signs: SignMode, limits: ImportLimits
) -> tuple[PolisExport, VoteMatrix] | None:
    """(the export without its vote events, the final-vote matrix), or None (see above)."""
    source = open_source(path, limits=limits)
    try:
        if isinstance(source, ZipSource) or not source.has("votes.csv"):
            return None
        statements = _read_comments(source)
        frame = read_votes_frame(source, statements.ids)
        if frame is None:
            return None
        row_ids, rows = dense_codes(frame.drop_in_place("voter-id").to_numpy())
        col_ids, cols = dense_codes(frame.drop_in_place("comment-id").to_numpy())
        values = frame.drop_in_place("vote").to_numpy()
        times = frame.drop_in_place("timestamp").to_numpy()
        del frame
        if signs == "flipped":
            values = np.negative(values)
        elif signs == "auto":
            n = len(statements.ids)
            where = np.searchsorted(statements.ids, col_ids)
            plus, minus = np.zeros(n), np.zeros(n)
            plus[where] = np.bincount(cols[values == 1], minlength=len(col_ids))
            minus[where] = np.bincount(cols[values == -1], minlength=len(col_ids))
            voted = np.zeros(n, dtype=bool)
            voted[where] = True
            evidence = sign_evidence_from_counts(
                statements.agrees, statements.disagrees, plus, minus, voted
            )
            refuse_flipped(source.label("votes.csv"), evidence)
        matrix = matrix_from_codes(row_ids, rows, col_ids, cols, values, timestamps=times)
        groups = _read_groups_only(source) if source.has("participants-votes.csv") else None
        summary = _read_summary(source) if source.has("summary.csv") else {}
    finally:
        source.close()
    empty = np.zeros(0, dtype=np.int64)
    export = PolisExport(
        source=str(path),
        statements=statements,
        votes=VoteEvents(empty, empty, np.zeros(0, dtype=np.int8), empty),
        vote_source="votes.csv",
        polis_groups=groups,
        summary=summary,
        sign_flipped=signs == "flipped",
    )
    return export, matrix
