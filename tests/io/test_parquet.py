"""Tests for Parquet vote logs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from parley.core.matrix import build_vote_matrix
from parley.errors import ExportFormatError, NotFoundError
from parley.io.parquet import read_votes_parquet


def write(path: Path, **columns: object) -> Path:
    pl.DataFrame(columns).write_parquet(path)
    return path


def test_reads_votes_sorted_by_time_and_last_vote_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.parquet",
        participant_id=[1, 1, 2],
        statement_id=[10, 10, 10],
        vote=[-1, 1, 0],
        timestamp=[200, 100, 150],
    )
    export = read_votes_parquet(path)
    assert export.vote_source == "votes.parquet"
    assert export.votes.timestamps is not None
    assert export.votes.timestamps.tolist() == [100, 150, 200]
    v = export.votes
    matrix = build_vote_matrix(
        v.participant_ids, v.statement_ids, v.values, timestamps=v.timestamps
    )
    # participant 1 voted +1 at t=100, then -1 at t=200: -1 wins
    assert matrix.values.toarray().tolist() == [[-1.0], [0.0]]
    assert export.statements.ids.tolist() == [10]


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "v.parquet", participant_id=[1], vote=[1])
    with pytest.raises(ExportFormatError, match="missing statement_id"):
        read_votes_parquet(path)


def test_vote_out_of_range_names_row(tmp_path: Path) -> None:
    path = write(tmp_path / "v.parquet", participant_id=[1, 2], statement_id=[1, 1], vote=[1, 3])
    with pytest.raises(ExportFormatError, match="row 1: vote 3"):
        read_votes_parquet(path)


def test_missing_file_and_garbage(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        read_votes_parquet(tmp_path / "none.parquet")
    garbage = tmp_path / "g.parquet"
    garbage.write_bytes(b"not parquet")
    with pytest.raises(ExportFormatError, match="cannot read as Parquet"):
        read_votes_parquet(garbage)


def test_large_ids_are_kept(tmp_path: Path) -> None:
    big = np.array([10**12, 5], dtype=np.int64)
    path = write(tmp_path / "v.parquet", participant_id=big, statement_id=[1, 1], vote=[1, -1])
    assert sorted(read_votes_parquet(path).votes.participant_ids.tolist()) == [5, 10**12]
