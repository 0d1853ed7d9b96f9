"""Import limits: a zip bomb, too many files, an oversized field, a NUL, all refused cleanly.

Each refusal names the limit and where it was hit, leaves the database as it was, and (for
the bomb: 2 GiB of zeros in about 2 MB) stays within a few megabytes of memory.
"""

from __future__ import annotations

import io
import shutil
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from parley.cli.main import app as cli
from parley.db import create_engine_for, create_session_factory, upgrade_database
from parley.db.engine import SessionFactory
from parley.db.models import Conversation, Statement
from parley.errors import ExportFormatError, InputError
from parley.io.import_limits import DEFAULT_LIMITS, ImportLimits, read_capped
from parley.io.polis import read_polis_export
from parley.services.polis_exchange import import_polis_export

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny"
GIB = 1 << 30
MIB = 1 << 20


def _deflated_zeros(n_mib: int) -> tuple[bytes, int]:
    """Return raw deflate data of ``n_mib`` MiB of zeros, and its CRC-32, cheaply.

    After a full flush the compressor forgets what it saw, so every further MiB of zeros
    compresses to the same bytes: one is computed and repeated.
    """
    zeros = bytes(MIB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == repeated
    last = compressor.compress(zeros) + compressor.flush()
    crc = 0
    for _ in range(n_mib):
        crc = zlib.crc32(zeros, crc)
    return first + repeated * (n_mib - 2) + last, crc


def _write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """Write a zip of (raw deflate data, CRC-32, size) members, headers by hand."""
    local, central = io.BytesIO(), io.BytesIO()
    for name, (data, crc, size) in members.items():
        offset = local.tell()
        encoded = name.encode()
        header = (0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        local.write(struct.pack("<IHHHHHIIIHH", *header) + encoded + data)
        entry = (0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded))
        central.write(
            struct.pack("<IHHHHHHIIIH", *entry) + struct.pack("<HHHHII", 0, 0, 0, 0, 0, offset)
        )
        central.write(encoded)
    end = (0x06054B50, 0, 0, len(members), len(members), central.tell(), local.tell(), 0)
    path.write_bytes(local.getvalue() + central.getvalue() + struct.pack("<IHHHHIIH", *end))


def _member(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny export, zipped, with votes.csv as 2 GiB of zeros."""
    members = {name: _member((TINY / name).read_bytes()) for name in ("comments.csv",)}
    data, crc = _deflated_zeros(2 * GIB // MIB)
    members["votes.csv"] = (data, crc, 2 * GIB)
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    _write_zip(path, members)
    return path


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> SessionFactory:
    """A session factory on a migrated SQLite file."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'parley.db'}")
    upgrade_database(engine)
    return create_session_factory(engine)


def _counts(session_factory: SessionFactory) -> tuple[int, int]:
    with session_factory() as session:
        n_conversations = session.scalar(select(func.count()).select_from(Conversation))
        n_statements = session.scalar(select(func.count()).select_from(Statement))
    return int(n_conversations or 0), int(n_statements or 0)


def test_the_zip_bomb_is_what_it_claims(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 4 * MIB
    with zipfile.ZipFile(zip_bomb) as archive:
        assert archive.getinfo("votes.csv").file_size == 2 * GIB
        with archive.open("votes.csv") as stream:
            assert stream.read(MIB) == bytes(MIB)  # it really decompresses to zeros


def test_a_zip_bomb_is_refused_unread_with_little_memory(
    zip_bomb: Path, sqlite_factory: SessionFactory
) -> None:
    import_polis_export(sqlite_factory, TINY)  # something stored before
    before = _counts(sqlite_factory)
    tracemalloc.start()
    try:
        with pytest.raises(ExportFormatError) as caught:
            import_polis_export(sqlite_factory, zip_bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "bomb.zip!votes.csv" in message
    assert (
        f"decompresses to {2 * GIB:,} bytes; at most {DEFAULT_LIMITS.max_file_bytes:,}" in message
    )
    assert "(max_file_bytes)" in message
    assert peak < 16 * MIB
    assert _counts(sqlite_factory) == before


def test_the_cli_prints_one_error_line_for_the_zip_bomb(zip_bomb: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(cli, ["import", str(zip_bomb), "--db", url])
    assert result.exit_code == 1
    assert "max_file_bytes" in result.output and "Traceback" not in result.output


def _export_with(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(TINY, folder)
    comments = (folder / "comments.csv").read_text()
    assert comments.splitlines()[0].endswith(",agrees,disagrees,moderated,comment-body")
    extra = f'1700000000000,x,99,1,0,0,1,"{body}"'
    (folder / "comments.csv").write_text(comments.rstrip("\n") + "\n" + extra + "\n")
    return folder


def test_an_oversized_field_is_refused_with_its_line(
    tmp_path: Path, sqlite_factory: SessionFactory
) -> None:
    folder = _export_with(tmp_path, "x" * 20_000)
    with pytest.raises(ExportFormatError) as caught:
        import_polis_export(sqlite_factory, folder)
    message = str(caught.value)
    assert message.startswith(f"{folder / 'comments.csv'}, line ")
    assert "comment-body has 20,000 characters; at most 10,000 (max_field_chars)" in message
    assert _counts(sqlite_factory) == (0, 0)


def test_a_nul_in_a_comment_is_refused_before_writing(tmp_path: Path, database_url: str) -> None:
    engine = create_engine_for(database_url)
    upgrade_database(engine)
    session_factory = create_session_factory(engine)
    folder = _export_with(tmp_path, "bad\x00text")
    try:
        result = CliRunner().invoke(cli, ["import", str(folder), "--db", database_url])
        assert result.exit_code == 1
        assert "statement 99: comment-body='bad\\x00text' contains a NUL" in result.output
        assert "Traceback" not in result.output and "DataError" not in result.output
        assert _counts(session_factory) == (0, 0)
    finally:
        engine.dispose()


def test_too_many_files_in_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("comments.csv", "votes.csv"):
            archive.write(TINY / name, name)
        for i in range(4):
            archive.writestr(f"extra-{i}.txt", "x")
    with pytest.raises(ExportFormatError, match=r"holds 6 files; at most 5 \(max_files\)"):
        read_polis_export(path, limits=ImportLimits(max_files=5))
    total = ImportLimits(max_total_bytes=100)
    with pytest.raises(ExportFormatError, match=r"at most 100 \(max_total_bytes\)"):
        read_polis_export(path, limits=total)


def test_rows_and_columns_are_limited(tmp_path: Path) -> None:
    with pytest.raises(ExportFormatError, match=r"rows; at most 2 \(max_rows\)"):
        read_polis_export(TINY, limits=ImportLimits(max_rows=2))
    with pytest.raises(ExportFormatError, match=r"columns; at most 3 \(max_columns\)"):
        read_polis_export(TINY, limits=ImportLimits(max_columns=3))


def test_a_stream_is_read_only_up_to_its_limit() -> None:
    stream = io.BytesIO(bytes(5 * MIB))
    with pytest.raises(ExportFormatError, match=r"more than 1,048,576 bytes"):
        read_capped(stream, limit=MIB, label="x.zip!votes.csv")
    assert stream.tell() <= MIB + 1  # stopped right past the limit
    assert read_capped(io.BytesIO(b"abc"), limit=3, label="x") == b"abc"


def test_limits_must_be_positive() -> None:
    with pytest.raises(InputError, match="max_files=0 should be >= 1"):
        ImportLimits(max_files=0)


def test_a_nul_in_the_summary_is_refused_before_writing(tmp_path: Path, database_url: str) -> None:
    engine = create_engine_for(database_url)
    upgrade_database(engine)
    session_factory = create_session_factory(engine)
    folder = tmp_path / "export"
    shutil.copytree(TINY, folder)
    with (folder / "summary.csv").open("a") as summary:
        summary.write("owner,some\x00one\n")
    try:
        with pytest.raises(InputError, match=r"summary.csv 'owner'.* contains a NUL"):
            import_polis_export(session_factory, folder)
        assert _counts(session_factory) == (0, 0)
    finally:
        engine.dispose()
