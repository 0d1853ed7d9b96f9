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


def test_reads_votes_in_file_order_and_last_vote_by_time_wins(tmp_path: Path) -> None:
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
    assert export.votes.timestamps.tolist() == [200, 100, 150]  # not sorted: no copy
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


def test_folder_of_parts_in_name_order_with_polis_column_names(tmp_path: Path) -> None:
    parts = tmp_path / "log"
    parts.mkdir()
    write(parts / "part-1.parquet", **{"voter-id": [2], "comment-id": [10], "vote": [1]})
    write(parts / "part-0.parquet", **{"voter-id": [1, 2], "comment-id": [10, 10], "vote": [0, -1]})
    (parts / "notes.txt").write_text("ignored")
    export = read_votes_parquet(parts)
    assert export.votes.participant_ids.tolist() == [1, 2, 2]
    assert export.votes.values.tolist() == [0, -1, 1]
    assert export.votes.timestamps is None
    v = export.votes
    matrix = build_vote_matrix(v.participant_ids, v.statement_ids, v.values)
    assert matrix.values.toarray().tolist() == [[0.0], [1.0]]  # the later part wins


def test_empty_folder_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"no \.parquet files"):
        read_votes_parquet(tmp_path)
