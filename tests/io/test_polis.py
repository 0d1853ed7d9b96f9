"""Tests for parley.io.polis: reading and writing Polis exports (fixtures and openData)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.core.matrix import VoteMatrix, build_vote_matrix
from parley.errors import (
    ExportFormatError,
    InputError,
    NotFoundError,
    ParleyError,
    SignConventionError,
)
from parley.io import (
    PolisExport,
    StatementTable,
    VoteEvents,
    read_polis_export,
    write_polis_export,
)
from parley.io.polis_signs import sign_evidence

FIXTURES = Path(__file__).parents[1] / "fixtures"
TINY = FIXTURES / "tiny"  # old comments.csv header, votes.csv + participants-votes.csv
NEWEST = FIXTURES / "tiny-newest"  # newest comments.csv header, participants-votes.csv only
OPENDATA = Path(
    os.environ.get(
        "PARLEY_OPENDATA", Path(__file__).parents[2] / ".." / "shared" / "polis-opendata"
    )
)


def matrix(export: PolisExport) -> VoteMatrix:
    """Final votes of an export (last vote wins)."""
    v = export.votes
    return build_vote_matrix(v.participant_ids, v.statement_ids, v.values, timestamps=v.timestamps)


def dense(m: VoteMatrix) -> dict[tuple[int, int], int]:
    """The explicit entries of a vote matrix as {(participant, statement): vote}."""
    coo = m.values.tocoo()
    return {
        (int(m.participant_ids[r]), int(m.statement_ids[c])): int(v)
        for r, c, v in zip(coo.row, coo.col, coo.data, strict=True)
    }


def same_matrix(a: VoteMatrix, b: VoteMatrix) -> bool:
    """Same ids, same explicit entries (passes included), same values."""
    return (
        np.array_equal(a.participant_ids, b.participant_ids)
        and np.array_equal(a.statement_ids, b.statement_ids)
        and np.array_equal(a.values.indptr, b.values.indptr)
        and np.array_equal(a.values.indices, b.values.indices)
        and np.array_equal(a.values.data, b.values.data)
    )


def copy_export(src: Path, dst: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """Copy a fixture folder, leaving out the files named in ``drop``."""
    shutil.copytree(src, dst, ignore=lambda _d, names: [n for n in names if n in drop])
    return dst


def flip_votes(folder: Path) -> None:
    """Negate every vote in a copied export's votes.csv / participants-votes.csv."""
    votes = folder / "votes.csv"
    if votes.exists():
        pl.read_csv(votes).with_columns(-pl.col("vote")).write_csv(votes)
    pv = folder / "participants-votes.csv"
    if pv.exists() and not votes.exists():
        frame = pl.read_csv(pv, infer_schema=False)
        cells = [c for c in frame.columns if c.isdigit()]
        frame.with_columns(-pl.col(cells).cast(pl.Int8)).write_csv(pv)


# --------------------------------------------------------------------------- fixtures: reading


def test_old_header_statements() -> None:
    st = read_polis_export(TINY).statements
    assert st.ids.tolist() == [0, 1, 2, 3, 4, 5]
    assert st.ids.dtype == np.int64
    assert st.texts[0] == "Fix the potholes"
    assert st.texts[5] == 'Spam, spam and "eggs"\nsecond line'
    assert st.author_ids.tolist() == [0, 0, 1, -1, 2, 3]
    assert st.moderated.tolist() == [1, 1, 1, 1, 0, -1]
    assert st.moderated.dtype == np.int8
    assert not st.is_meta.any() and not st.is_seed.any()
    assert st.timestamps[0] == 1699999999000
    assert st.agrees.tolist() == [5, 6, 1, 3, 0, 0]
    assert st.disagrees.tolist() == [2, 1, 3, 1, 2, 0]
    assert st.group_informed_consensus is None


def test_newest_header_statements() -> None:
    export = read_polis_export(NEWEST)
    st = export.statements
    assert st.ids.tolist() == [10, 11, 12, 13, 14]
    assert st.is_meta.tolist() == [False, False, False, True, False]
    assert st.is_seed.tolist() == [True, True, False, False, False]
    assert st.author_ids.tolist() == [0, 2, -1, 0, 2]
    assert st.texts[4] == 'Off-topic: "buy" my stuff'
    gic = st.group_informed_consensus
    assert gic is not None and gic.dtype == np.float64
    assert gic[0] == 0.6839080459770114
    assert gic[1:4].tolist() == [0.5, 0.05, 0.25]
    assert np.isnan(gic[4])


def test_votes_csv_is_an_event_log_sorted_stably_by_timestamp() -> None:
    export = read_polis_export(TINY)
    v = export.votes
    assert export.vote_source == "votes.csv"
    assert len(v.values) == 26  # every event, changed votes included
    assert v.timestamps is not None
    assert np.all(np.diff(v.timestamps) >= 0)
    assert v.values.dtype == np.int8
    # the two events of participant 1 on statement 1 share a timestamp: file order is kept
    same = np.flatnonzero((v.participant_ids == 1) & (v.statement_ids == 1))
    assert v.values[same].tolist() == [1, -1]
    # the row for (4, 0) at ts ...5000 comes late in the file but sorts early
    late = np.flatnonzero((v.participant_ids == 4) & (v.statement_ids == 0))
    assert v.timestamps[late].tolist() == [1700000005000, 1700000090000]
    assert export.sign_flipped is False


def test_last_vote_wins_through_build_vote_matrix() -> None:
    votes = dense(matrix(read_polis_export(TINY)))
    assert votes[(4, 0)] == 1  # latest timestamp wins, not the last row of the file
    assert votes[(1, 1)] == -1  # a timestamp tie: the later row wins
    assert votes[(3, 0)] == -1  # a changed vote
    assert votes[(0, 4)] == 0  # changed to pass: an explicit zero
    assert votes[(2, 2)] == 0
    assert len(votes) == 21


def test_votes_csv_and_participants_votes_agree(tmp_path: Path) -> None:
    from_log = read_polis_export(TINY)
    only_pv = read_polis_export(copy_export(TINY, tmp_path / "pv", drop=("votes.csv",)))
    assert only_pv.vote_source == "participants-votes.csv"
    assert only_pv.votes.timestamps is None
    assert same_matrix(matrix(from_log), matrix(only_pv))


def test_participants_votes_source() -> None:
    export = read_polis_export(NEWEST)
    v = export.votes
    assert export.vote_source == "participants-votes.csv"
    assert v.timestamps is None
    assert len(v.values) == 16
    order = np.lexsort((v.statement_ids, v.participant_ids))
    assert np.array_equal(order, np.arange(len(order)))  # sorted by (participant, statement)
    assert dense(matrix(export))[(0, 13)] == 0  # a pass cell
    assert (3, 11) not in dense(matrix(export))  # an empty cell


def test_polis_groups() -> None:
    groups = read_polis_export(TINY).polis_groups
    assert groups is not None
    assert groups[0].tolist() == [0, 1, 2, 3]  # participants 4 and 5 have no group-id
    assert groups[1].tolist() == [0, 0, 1, 1]
    groups = read_polis_export(NEWEST).polis_groups
    assert groups is not None
    assert groups[0].tolist() == [0, 1, 2, 4]


def test_polis_groups_absent_without_participants_votes(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x", drop=("participants-votes.csv",))
    assert read_polis_export(folder).polis_groups is None


def test_summary() -> None:
    summary = read_polis_export(TINY).summary
    assert summary["topic"] == "Tiny town"
    assert summary["voters"] == "6"
    assert summary["conversation-description"] == 'A "tiny" test, with commas\nand two lines.'
    newest = read_polis_export(NEWEST).summary
    assert newest["topic"] == "Together, we will build it."
    assert newest["conversation-description"] == ""


def test_summary_absent(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x", drop=("summary.csv",))
    assert read_polis_export(folder).summary == {}


def test_source_is_the_path_as_given() -> None:
    assert read_polis_export(str(TINY)).source == str(TINY)


def test_crlf_bom_and_blank_lines(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x")
    for name in ("comments.csv", "votes.csv"):
        text = (folder / name).read_text()
        lines = text.splitlines()
        text = "\r\n".join([*lines[:3], "", *lines[3:]]) + "\r\n\r\n"
        (folder / name).write_bytes(b"\xef\xbb\xbf" + text.encode())
    export = read_polis_export(folder)
    expected = read_polis_export(TINY)
    assert export.statements.texts[5] == 'Spam, spam and "eggs"\r\nsecond line'
    assert np.array_equal(export.statements.ids, expected.statements.ids)
    assert same_matrix(matrix(export), matrix(expected))


# --------------------------------------------------------------------------- zip input


def make_zip(folder: Path, target: Path, prefix: str = "") -> Path:
    """Zip every file of ``folder`` under ``prefix``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, prefix + f.relative_to(folder).as_posix())
    return target


@pytest.mark.parametrize("prefix", ["", "my-export/"])
def test_zip_input(tmp_path: Path, prefix: str) -> None:
    archive = make_zip(TINY, tmp_path / "export.zip", prefix)
    export = read_polis_export(archive)
    expected = read_polis_export(TINY)
    assert export.source == str(archive)
    assert export.vote_source == "votes.csv"
    assert export.summary == expected.summary
    assert export.statements.texts == expected.statements.texts
    assert same_matrix(matrix(export), matrix(expected))


def test_zip_shallowest_export_wins(tmp_path: Path) -> None:
    # like scoop-hivemind.taxes, which holds a nested duplicate of itself
    nested = copy_export(TINY, tmp_path / "outer")
    copy_export(NEWEST, nested / "inner")
    export = read_polis_export(make_zip(nested, tmp_path / "e.zip", "outer/"))
    assert export.statements.ids.tolist() == [0, 1, 2, 3, 4, 5]


def test_zip_with_two_exports(tmp_path: Path) -> None:
    archive = make_zip(TINY, tmp_path / "two.zip", "a/")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.write(NEWEST / "comments.csv", "b/comments.csv")
    with pytest.raises(ExportFormatError, match=r"two\.zip.*several exports \(a, b\)"):
        read_polis_export(archive)


def test_zip_errors_name_the_member(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x")
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,7\n")
    archive = make_zip(folder, tmp_path / "bad.zip", "x/")
    with pytest.raises(ExportFormatError, match=r"bad\.zip!x/votes\.csv, line 2: vote 7"):
        read_polis_export(archive)


def test_unreadable_zip(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ExportFormatError, match=r"bogus\.zip: cannot read the zip archive"):
        read_polis_export(bogus)


def test_truncated_zip(tmp_path: Path) -> None:
    data = make_zip(TINY, tmp_path / "whole.zip").read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ExportFormatError, match=r"cut\.zip: cannot read the zip archive"):
        read_polis_export(cut)


def test_zip_without_comments(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(NotFoundError, match=r"empty\.zip: the zip archive holds no comments\.csv"):
        read_polis_export(archive)


# --------------------------------------------------------------------------- sign convention


@pytest.mark.parametrize("fixture", [TINY, NEWEST], ids=["votes.csv", "participants-votes.csv"])
def test_flipped_export_is_refused(tmp_path: Path, fixture: Path) -> None:
    folder = copy_export(fixture, tmp_path / "flipped")
    flip_votes(folder)
    vote_file = "votes.csv" if fixture == TINY else "participants-votes.csv"
    with pytest.raises(SignConventionError) as info:
        read_polis_export(folder)
    message = str(info.value)
    assert message.startswith(str(folder / vote_file) + ": comments.csv agrees match the -1")
    assert re.search(r"\(r=(0\.9\d|1\.00), mean \|error\| 0\.\d+ for -1 vs r=", message), message
    assert "signs='flipped'" in message and "--flipped-signs" in message
    assert isinstance(info.value, ExportFormatError)


@pytest.mark.parametrize("fixture", [TINY, NEWEST], ids=["votes.csv", "participants-votes.csv"])
def test_flipped_export_read_with_signs_flipped(tmp_path: Path, fixture: Path) -> None:
    folder = copy_export(fixture, tmp_path / "flipped")
    flip_votes(folder)
    original = read_polis_export(fixture)
    export = read_polis_export(folder, signs="flipped")
    assert export.sign_flipped is True
    assert np.array_equal(export.votes.values, original.votes.values)
    assert same_matrix(matrix(export), matrix(original))
    trusted = read_polis_export(folder, signs="export")
    assert trusted.sign_flipped is False
    assert np.array_equal(trusted.votes.values, -original.votes.values)


def test_signs_flipped_on_a_normal_export_negates() -> None:
    export = read_polis_export(TINY, signs="flipped")
    assert np.array_equal(export.votes.values, -read_polis_export(TINY).votes.values)


def test_sign_check_needs_enough_signal(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "few", drop=("participants-votes.csv",))
    (folder / "votes.csv").write_text(
        "timestamp,datetime,comment-id,voter-id,vote\n1,x,0,0,-1\n2,x,1,0,-1\n"
    )
    assert read_polis_export(folder).votes.values.tolist() == [-1, -1]


def test_sign_evidence_numbers() -> None:
    ev = sign_evidence(
        np.array([0, 1, 2, 3]),
        np.array([3, 0, 2, 9]),
        np.array([1, 2, 0, 9]),
        np.array([0, 0, 0, 0, 1, 1, 2, 2]),
        np.array([1, 1, 1, -1, -1, -1, 1, 1], dtype=np.int8),
    )
    assert ev.n_statements == 3  # statement 3 has no votes and is left out
    assert ev.n_votes == 8
    assert ev.error_export == 0.0
    assert ev.r_plus == pytest.approx(1.0)
    assert not ev.looks_flipped


def test_bad_signs_argument() -> None:
    with pytest.raises(InputError, match="signs should be"):
        read_polis_export(TINY, signs="agree-negative")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- errors


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nowhere: no such folder or zip file"):
        read_polis_export(tmp_path / "nowhere")


def test_folder_without_comments(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x", drop=("comments.csv",))
    with pytest.raises(NotFoundError, match=r"x/comments\.csv: file not found"):
        read_polis_export(folder)


def test_no_vote_data(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x", drop=("votes.csv", "participants-votes.csv"))
    with pytest.raises(NotFoundError, match=r"votes\.csv: file not found, and no participants"):
        read_polis_export(folder)


def test_a_csv_file_instead_of_a_folder() -> None:
    with pytest.raises(ExportFormatError, match=r"comments\.csv: not a folder or a zip archive"):
        read_polis_export(TINY / "comments.csv")


OLD_HEADER = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
VOTES_HEADER = "timestamp,datetime,comment-id,voter-id,vote"
PV_HEADER = "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0,1,2,3,4,5"
BODY = '1,x,5,3,0,0,-1,"two\nlines"\n'  # a comment whose body spans lines 2 and 3

BAD_FILES = [
    # (file, content, error match) -- lines are 1-based, the header is line 1
    ("comments.csv", "", r"comments\.csv, line 1: file is empty; expected the header timestamp,"),
    (
        "comments.csv",
        "timestamp,comment-id,author-id,comment-body\n1,0,0,hi\n",
        r"comments\.csv, line 1: header lacks column\(s\) agrees, disagrees, moderated; "
        r"expected timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body",
    ),
    (
        "comments.csv",
        f"{OLD_HEADER}\n{BODY}1,x,seven,0,0,0,1,hi\n",
        r"comments\.csv, line 4: comment-id 'seven' is not an integer",
    ),
    (
        "comments.csv",
        f"{OLD_HEADER}\n{BODY}1,x,5,0,0,0,1,again\n",
        r"comments\.csv, line 4: comment-id 5 appears twice \(first on line 2\)",
    ),
    (
        "comments.csv",
        f"{OLD_HEADER}\n1,x,0,0,0,0,5,hi\n",
        r"comments\.csv, line 2: moderated 5 should be -1, 0 or 1",
    ),
    ("comments.csv", f"{OLD_HEADER}\n1,x,-4,0,0,0,1,hi\n", r"line 2: comment-id -4 should be at"),
    ("comments.csv", f"{OLD_HEADER}\n1,x,0,0,,0,1,hi\n", r"line 2: agrees is empty"),
    ("comments.csv", f"{OLD_HEADER}\n1,x,0,0,0,0,1,hi,extra\n", r"line 2: 9 fields where the"),
    (
        "comments.csv",
        f'{OLD_HEADER}\n1,x,0,0,0,0,1,"unclosed\n',
        r"comments\.csv, line 2: malformed CSV in the record that starts here",
    ),
    ("comments.csv", f"{OLD_HEADER}\n{BODY}1,x,0,0,0,0,1,caf\xe9\n", r"line 4: is not UTF-8 text"),
    (
        "comments.csv",
        "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,"
        "group-informed-consensus,comment-body\n1,0,0,0,0,1,maybe,false,0.5,hi\n",
        r"comments\.csv, line 2: is-meta 'maybe' should be true or false",
    ),
    (
        "comments.csv",
        "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,"
        "group-informed-consensus,comment-body\n1,0,0,0,0,1,true,false,high,hi\n",
        r"line 2: group-informed-consensus 'high' is not a number",
    ),
    ("comments.csv", "comment-id,comment-id\n1,2\n", r"line 1: column 'comment-id' appears twice"),
    ("votes.csv", "", r"votes\.csv, line 1: file is empty; expected the header timestamp,datetime"),
    (
        "votes.csv",
        "time,comment,voter,vote\n1,0,0,1\n",
        r"votes\.csv, line 1: header lacks column\(s\) timestamp, comment-id, voter-id; "
        r"expected timestamp,datetime,comment-id,voter-id,vote, found time,comment,voter,vote",
    ),
    (
        "votes.csv",
        f"{VOTES_HEADER}\n1,x,0,0,1\n2,x,1,0,2\n",
        r"votes\.csv, line 3: vote 2 should be -1, 0 or 1",
    ),
    ("votes.csv", f"{VOTES_HEADER}\n1,x,0,0,1.0\n", r"votes\.csv, line 2: vote '1\.0' is not an"),
    (
        "votes.csv",
        f"{VOTES_HEADER}\n1,x,0,0,1\n2,x,1,abc,1\n",
        r"votes\.csv, line 3: voter-id 'abc' is not an integer",
    ),
    (
        "votes.csv",
        f"{VOTES_HEADER}\n1,x,0,0,1\n\n2,x,99,0,1\n",
        r"votes\.csv, line 4: vote on statement id 99, which is not in comments\.csv",
    ),
    ("votes.csv", f"{VOTES_HEADER}\n,x,0,0,1\n", r"votes\.csv, line 2: timestamp is empty"),
    (
        "participants-votes.csv",
        f"{PV_HEADER}\n0,0,0,1,1,0,1,,,,,\n1,0,0,1,1,0,,2,,,,\n2,0,0,1,1,0,9,,,,,\n",
        r"participants-votes\.csv, line 3: vote '2' for comment 1 should be -1, 0 or 1",
    ),
    (
        "participants-votes.csv",
        f"{PV_HEADER}\n0,0,0,1,1,0,1,,,,,\n1,0,0,1,1,0,,yes,,,,\n",
        r"participants-votes\.csv, line 3: vote 'yes' for comment 1",
    ),
    (
        "participants-votes.csv",
        f"{PV_HEADER},76,77\n0,0,0,1,1,0,1,,,,,,,\n1,0,0,1,1,0,,,,,,,,1\n2,0,0,1,1,0,,,,,,,1,\n",
        r"participants-votes\.csv, line 3: vote on statement id 77, which is not in comments\.csv",
    ),
    (
        "participants-votes.csv",
        f"{PV_HEADER},notes\n0,0,0,1,1,0,1,,,,,,\n",
        r"participants-votes\.csv, line 1: column 'notes' is neither one of participant,",
    ),
    (
        "participants-votes.csv",
        "participant,0,1\n0,1,1\n",
        r"participants-votes\.csv, line 1: header lacks column\(s\) group-id, n-comments",
    ),
    (
        "participants-votes.csv",
        f"{PV_HEADER}\nP7,0,0,1,1,0,1,,,,,\n",
        r"participants-votes\.csv, line 2: participant 'P7' is not an integer",
    ),
    (
        "participants-votes.csv",
        f"{PV_HEADER}\n3,0,0,1,1,0,1,,,,,\n3,0,0,1,1,0,1,,,,,\n",
        r"participants-votes\.csv, line 3: participant 3 appears twice \(first on line 2\)",
    ),
    (
        "summary.csv",
        'topic,"a\nb"\nvoters,6,7\n',
        r"summary\.csv, line 3: expected key,value rows without a header, found 3 fields",
    ),
]


@pytest.mark.parametrize(("name", "content", "match"), BAD_FILES)
def test_bad_files_name_file_line_and_problem(
    tmp_path: Path, name: str, content: str, match: str
) -> None:
    drop = ("votes.csv",) if name == "participants-votes.csv" else ()
    folder = copy_export(TINY, tmp_path / "x", drop=drop)
    (folder / name).write_bytes(content.encode("latin-1"))
    with pytest.raises(ExportFormatError, match=match) as info:
        read_polis_export(folder, signs="export")
    assert str(info.value).startswith(str(folder / name))
    assert not isinstance(info.value, NotFoundError)


def test_bad_groups_are_reported_even_when_votes_csv_is_used(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x")
    (folder / "participants-votes.csv").write_text(f"{PV_HEADER}\n0,one,0,1,1,0,1,,,,,\n")
    with pytest.raises(ExportFormatError, match=r"line 2: group-id 'one' is not an integer"):
        read_polis_export(folder)


def test_every_error_is_a_parley_error(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "x")
    for garbage in (b"\x00\x01\x02", b'"', b",,,\n,,,", b"a\n" + b"\xff" * 10):
        (folder / "votes.csv").write_bytes(garbage)
        with pytest.raises(ParleyError):
            read_polis_export(folder)


# --------------------------------------------------------------------------- writing


def assert_same_export(a: PolisExport, b: PolisExport) -> None:
    """Every field equal (source and sign_flipped aside)."""
    for field in dataclasses.fields(a.statements):
        x, y = getattr(a.statements, field.name), getattr(b.statements, field.name)
        if isinstance(x, np.ndarray):
            assert isinstance(y, np.ndarray) and x.dtype == y.dtype, field.name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), field.name
        else:
            assert x == y, field.name
    for field in dataclasses.fields(a.votes):
        x, y = getattr(a.votes, field.name), getattr(b.votes, field.name)
        if x is None:
            assert y is None, field.name
        else:
            assert np.array_equal(x, y) and x.dtype == y.dtype, field.name
    assert a.vote_source == b.vote_source
    assert a.summary == b.summary
    assert (a.polis_groups is None) == (b.polis_groups is None)
    if a.polis_groups is not None and b.polis_groups is not None:
        assert np.array_equal(a.polis_groups[0], b.polis_groups[0])
        assert np.array_equal(a.polis_groups[1], b.polis_groups[1])


@pytest.mark.parametrize("fixture", [TINY, NEWEST], ids=["tiny", "tiny-newest"])
def test_round_trip(tmp_path: Path, fixture: Path) -> None:
    original = read_polis_export(fixture)
    write_polis_export(original, tmp_path / "out")
    again = read_polis_export(tmp_path / "out")
    assert_same_export(original, again)


def test_written_files(tmp_path: Path) -> None:
    write_polis_export(read_polis_export(TINY), tmp_path)
    comments = (tmp_path / "comments.csv").read_text().splitlines()
    assert comments[0] == (
        "timestamp,comment-id,author-id,agrees,disagrees,moderated,is-meta,is-seed,"
        "group-informed-consensus,comment-body"
    )
    assert comments[1] == "1699999999000,0,0,5,2,1,false,false,,Fix the potholes"
    votes = (tmp_path / "votes.csv").read_text().splitlines()
    assert votes[0] == "timestamp,datetime,comment-id,voter-id,vote"
    assert votes[1] == "1700000000000,Tue Nov 14 22:13:20 UTC 2023,0,0,1"
    assert len(votes) == 27
    # participants-votes.csv holds the final votes and the counts of a real export
    written = pl.read_csv(tmp_path / "participants-votes.csv")
    original = pl.read_csv(TINY / "participants-votes.csv")
    assert written.equals(original)
    summary = (tmp_path / "summary.csv").read_text()
    assert summary.startswith("topic,Tiny town\nurl,https://pol.is/tinytest\n")


def test_round_trip_of_a_flipped_export(tmp_path: Path) -> None:
    folder = copy_export(TINY, tmp_path / "flipped")
    flip_votes(folder)
    export = read_polis_export(folder, signs="flipped")
    write_polis_export(export, tmp_path / "out")
    again = read_polis_export(tmp_path / "out")  # written as +1 = agree: passes the check
    assert again.sign_flipped is False
    assert np.array_equal(again.votes.values, read_polis_export(TINY).votes.values)


def test_write_refuses_to_leave_a_stale_votes_csv(tmp_path: Path) -> None:
    shutil.copy(TINY / "votes.csv", tmp_path / "votes.csv")
    with pytest.raises(InputError, match=r"votes\.csv: already exists"):
        write_polis_export(read_polis_export(NEWEST), tmp_path)


def test_write_to_a_file_path(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(InputError, match="is not a folder"):
        write_polis_export(read_polis_export(TINY), tmp_path / "f")


def test_write_then_zip_reads_back(tmp_path: Path) -> None:
    write_polis_export(read_polis_export(NEWEST), tmp_path / "out")
    export = read_polis_export(make_zip(tmp_path / "out", tmp_path / "out.zip", "export/"))
    assert_same_export(read_polis_export(NEWEST), export)


# --------------------------------------------------------------------------- openData

WITH_VOTES = [
    "15-per-hour-seattle",
    "american-assembly.bowling-green",
    "austria-climate.2vkxcncppn.2022-07-07",
    "austria-climate.5twd2jsnkf.2022-08-08",
    "austria-climate.7z7ejpbmv5.2022-08-08",
    "bg2050-volunteers",
    "brexit-consensus",
    "canadian-electoral-reform",
    "football-concussions",
    "london.youth.policing",
    "scoop-hivemind.affordable-housing",
    "scoop-hivemind.biodiversity",
    "scoop-hivemind.freshwater",
    "scoop-hivemind.taxes",
    "scoop-hivemind.ubi",
    "ssis.land-bank-farmland.2rumnecbeh.2021-08-01",
    "vtaiwan.uberx",
]
WITHOUT_VOTES = [
    "austria-climate.5tzfrp5eaa.2022-07-07",
    "austria-climate.9xnndurbfm.2022-07-07",
    "march-on.operation-marchin-orders",
]


def opendata(name: str) -> Path:
    """The folder of one openData conversation, or skip the test."""
    folder = OPENDATA / name
    if not folder.is_dir():
        pytest.skip(f"openData export {name} not found under {OPENDATA}")
    return folder


@pytest.mark.opendata
def test_bowling_green_loads_fast_from_participants_votes() -> None:
    folder = opendata("american-assembly.bowling-green")
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        export = read_polis_export(folder)
        timings.append(time.perf_counter() - start)
    assert export.vote_source == "participants-votes.csv"
    m = matrix(export)
    assert m.n_votes == 225_524
    assert len(export.statements.ids) == 896
    assert export.polis_groups is not None and len(export.polis_groups[0]) == 1_581
    assert min(timings) < 1.0, timings


@pytest.mark.opendata
def test_vtaiwan_event_log() -> None:
    export = read_polis_export(opendata("vtaiwan.uberx"))
    assert export.vote_source == "votes.csv"
    assert len(export.votes.values) == 49_997
    assert matrix(export).n_votes == 49_443
    assert export.summary["voters"] == "1921"
    assert export.summary["topic"].startswith("UberX")
    assert "\n" in export.summary["conversation-description"]


@pytest.mark.opendata
def test_vtaiwan_log_matches_its_participants_votes(tmp_path: Path) -> None:
    folder = opendata("vtaiwan.uberx")
    only_pv = copy_export(folder, tmp_path / "pv", drop=("votes.csv", "stats-history.csv"))
    assert same_matrix(matrix(read_polis_export(folder)), matrix(read_polis_export(only_pv)))


@pytest.mark.opendata
def test_bg2050_newest_format() -> None:
    st = read_polis_export(opendata("bg2050-volunteers")).statements
    assert st.group_informed_consensus is not None
    assert len(st.group_informed_consensus) == 371
    assert not np.isnan(st.group_informed_consensus).any()
    assert st.is_seed.any()


@pytest.mark.opendata
@pytest.mark.parametrize("name", WITH_VOTES)
def test_no_opendata_export_is_flipped(name: str) -> None:
    export = read_polis_export(opendata(name))  # signs="auto" raises if it looked flipped
    st, v = export.statements, export.votes
    assert not sign_evidence(
        st.ids, st.agrees, st.disagrees, v.statement_ids, v.values
    ).looks_flipped
    # and the same votes with their signs negated would be caught
    assert sign_evidence(st.ids, st.agrees, st.disagrees, v.statement_ids, -v.values).looks_flipped
    assert export.summary["voters"].isdigit()
    assert set(export.summary) >= {"topic", "url", "voters", "comments", "groups"}


@pytest.mark.opendata
@pytest.mark.parametrize("name", WITHOUT_VOTES)
def test_opendata_without_votes(name: str) -> None:
    with pytest.raises(NotFoundError, match="this export has no vote data"):
        read_polis_export(opendata(name))


@pytest.mark.opendata
def test_nested_duplicate_zip(tmp_path: Path) -> None:
    folder = opendata("scoop-hivemind.taxes")
    export = read_polis_export(make_zip(folder, tmp_path / "taxes.zip", "scoop-hivemind.taxes/"))
    assert len(export.votes.values) == 17_379
    assert matrix(export).n_votes == 17_335


@pytest.mark.opendata
@pytest.mark.parametrize("name", ["american-assembly.bowling-green", "vtaiwan.uberx"])
def test_opendata_round_trip(tmp_path: Path, name: str) -> None:
    original = read_polis_export(opendata(name))
    write_polis_export(original, tmp_path / "out")
    assert_same_export(original, read_polis_export(tmp_path / "out"))


# --------------------------------------------------------------------------- property: round trip

_TEXT = st.text(alphabet=st.sampled_from([*"ab ,\"\n\r\t;é中\\'", "\u2028", "\x00"]), max_size=12)


@st.composite
def exports(draw: st.DrawFn) -> PolisExport:
    """Small random exports, with awkward texts and vote logs full of changed votes."""
    n = draw(st.integers(1, 6))
    ids = np.array(sorted(draw(st.sets(st.integers(0, 50), min_size=n, max_size=n))))
    ints = st.lists(st.integers(-1, 5), min_size=n, max_size=n)
    gic = draw(st.none() | st.lists(st.floats(-1, 1) | st.just(np.nan), min_size=n, max_size=n))
    statements = StatementTable(
        ids=ids.astype(np.int64),
        texts=draw(st.lists(_TEXT, min_size=n, max_size=n)),
        author_ids=np.array(draw(ints), dtype=np.int64),
        moderated=np.array(
            draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n)), dtype=np.int8
        ),
        is_meta=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=np.bool_),
        is_seed=np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=np.bool_),
        timestamps=np.array(draw(st.lists(st.integers(-1, 2**40), min_size=n, max_size=n))),
        agrees=np.array(draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=np.int64),
        disagrees=np.array(
            draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)), dtype=np.int64
        ),
        group_informed_consensus=None
        if gic is None or np.isnan(gic).all()
        else np.array(gic, dtype=np.float64),
    )
    k = draw(st.integers(0, 30))
    with_log = draw(st.booleans())
    pids = np.array(draw(st.lists(st.integers(0, 7), min_size=k, max_size=k)), dtype=np.int64)
    sids = ids[
        np.array(draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k)), dtype=np.int64)
    ]
    vals = np.array(
        draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=k, max_size=k)), dtype=np.int8
    )
    if with_log:
        ts = np.sort(
            np.array(draw(st.lists(st.integers(0, 10), min_size=k, max_size=k)), dtype=np.int64)
        )
        votes = VoteEvents(pids, sids.astype(np.int64), vals, ts)
    else:  # participants-votes.csv holds one final vote per pair, sorted
        pairs = {(int(p), int(s)): int(v) for p, s, v in zip(pids, sids, vals, strict=True)}
        keys = sorted(pairs)
        votes = VoteEvents(
            np.array([p for p, _ in keys], dtype=np.int64),
            np.array([s for _, s in keys], dtype=np.int64),
            np.array([pairs[key] for key in keys], dtype=np.int8),
            None,
        )
    grouped = draw(st.lists(st.integers(0, 9), unique=True, max_size=5))
    groups = (
        (
            np.array(sorted(grouped), dtype=np.int64),
            np.array([g % 3 for g in sorted(grouped)], dtype=np.int64),
        )
        if grouped
        else None
    )
    summary = draw(st.dictionaries(st.text("abc-", min_size=1, max_size=5), _TEXT, max_size=3))
    return PolisExport(
        source="",
        statements=statements,
        votes=votes,
        vote_source="votes.csv" if with_log else "participants-votes.csv",
        polis_groups=groups,
        summary=summary,
        sign_flipped=False,
    )


@settings(max_examples=150, deadline=None)
@given(exports())
def test_round_trip_property(export: PolisExport) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_polis_export(export, tmp)
        assert_same_export(export, read_polis_export(tmp, signs="export"))
