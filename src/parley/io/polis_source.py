"""Where an export's files come from: a folder, or a .zip holding one export."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from parley.errors import ExportFormatError, NotFoundError

from .import_limits import DEFAULT_LIMITS, ImportLimits, read_capped

__all__ = ["ExportSource", "open_source"]

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError)


class ExportSource:
    """Read the files of one export by name (``comments.csv``, ``votes.csv``, ...)."""

    def __init__(self, path: Path, *, limits: ImportLimits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits

    def label(self, name: str) -> str:
        """How error messages name the file."""
        return str(self.path / name)

    def has(self, name: str) -> bool:
        """Whether the export holds the file."""
        return (self.path / name).is_file()

    def read(self, name: str) -> bytes:
        """The file's bytes; NotFoundError when it is absent."""
        if not self.has(name):
            raise NotFoundError(f"{self.label(name)}: file not found")
        try:
            size = (self.path / name).stat().st_size
            if size > self.limits.max_file_bytes:
                raise ExportFormatError(
                    f"has {size:,} bytes; at most {self.limits.max_file_bytes:,} (max_file_bytes)",
                    path=self.label(name),
                )
            with (self.path / name).open("rb") as stream:
                return read_capped(stream, limit=self.limits.max_file_bytes, label=self.label(name))
        except OSError as exc:
            raise ExportFormatError(
                f"cannot read file ({exc.strerror})", path=self.label(name)
            ) from exc

    def close(self) -> None:
        """Release what the source holds open (nothing, for a folder)."""


class ZipSource(ExportSource):
    """An export inside a zip: files at top level or inside one folder (the shallowest wins)."""

    def __init__(self, path: Path, *, limits: ImportLimits = DEFAULT_LIMITS) -> None:
        super().__init__(path, limits=limits)
        try:
            self._zip = zipfile.ZipFile(path)
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        except _ZIP_ERRORS as exc:
            raise ExportFormatError(f"cannot read the zip archive ({exc})", path=str(path)) from exc
        self._check_sizes(str(path))
        names = [n for n in names if not n.startswith("__MACOSX/")]
        found = [PurePosixPath(n) for n in names if PurePosixPath(n).name == "comments.csv"]
        if not found:
            raise NotFoundError(f"{path}: the zip archive holds no comments.csv")
        depth = min(len(p.parts) for p in found)
        top = sorted(str(p.parent) for p in found if len(p.parts) == depth)
        if len(top) > 1:
            raise ExportFormatError(
                f"the zip archive holds several exports ({', '.join(top)}); unzip it and pass "
                "one folder",
                path=str(path),
            )
        self._prefix = "" if top[0] == "." else top[0] + "/"
        self._members = set(names)

    def _check_sizes(self, label: str) -> None:
        """Refuse an archive whose members are too many or declare too many bytes."""
        members = self._zip.infolist()
        limits = self.limits
        try:
            if len(members) > limits.max_files:
                raise ExportFormatError(
                    f"the zip archive holds {len(members):,} files; at most {limits.max_files:,} "
                    "(max_files)",
                    path=label,
                )
            for member in members:
                if member.file_size > limits.max_file_bytes:
                    raise ExportFormatError(
                        f"decompresses to {member.file_size:,} bytes; at most "
                        f"{limits.max_file_bytes:,} (max_file_bytes)",
                        path=f"{label}!{member.filename}",
                    )
            total = sum(m.file_size for m in members)
            if total > limits.max_total_bytes:
                raise ExportFormatError(
                    f"the zip archive decompresses to {total:,} bytes; at most "
                    f"{limits.max_total_bytes:,} (max_total_bytes)",
                    path=label,
                )
        except ExportFormatError:
            self._zip.close()
            raise

    def label(self, name: str) -> str:
        """``archive.zip!folder/name``."""
        return f"{self.path}!{self._prefix}{name}"

    def has(self, name: str) -> bool:
        """Whether the archive holds the file next to comments.csv."""
        return self._prefix + name in self._members

    def read(self, name: str) -> bytes:
        """The member's bytes; ExportFormatError when it cannot be decompressed."""
        if not self.has(name):
            raise NotFoundError(f"{self.label(name)}: file not found")
        try:
            with self._zip.open(self._prefix + name) as stream:
                return read_capped(stream, limit=self.limits.max_file_bytes, label=self.label(name))
        except _ZIP_ERRORS as exc:
            raise ExportFormatError(
                f"cannot read from the zip archive ({exc})", path=self.label(name)
            ) from exc

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()


def open_source(path: str | Path, *, limits: ImportLimits = DEFAULT_LIMITS) -> ExportSource:
    """An ExportSource for a folder or a zip; NotFoundError when the path does not exist."""
    p = Path(path)
    if p.is_dir():
        if not (p / "comments.csv").is_file():
            raise NotFoundError(f"{p / 'comments.csv'}: file not found (is {p} a Polis export?)")
        return ExportSource(p, limits=limits)
    if not p.exists():
        raise NotFoundError(f"{p}: no such folder or zip file")
    try:
        is_zip = zipfile.is_zipfile(p)
    except OSError as exc:
        raise ExportFormatError(f"cannot read file ({exc.strerror})", path=str(p)) from exc
    if not is_zip and p.suffix.lower() == ".zip":
        raise ExportFormatError("cannot read the zip archive (not a zip file)", path=str(p))
    if not is_zip:
        hint = " (pass the folder that holds it)" if p.suffix.lower() == ".csv" else ""
        raise ExportFormatError(
            f"not a folder or a zip archive{hint}; expected an export folder with comments.csv",
            path=str(p),
        )
    return ZipSource(p, limits=limits)
