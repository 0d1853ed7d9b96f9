"""Where an export's files come from: a folder, or a .zip holding one export."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from parley.errors import ExportFormatError, NotFoundError

__all__ = ["ExportSource", "open_source"]

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError)


class ExportSource:
    """Read the files of one export by name (``comments.csv``, ``votes.csv``, ...)."""

    def __init__(self, path: Path) -> None:
        self.path = path

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
            return (self.path / name).read_bytes()
        except OSError as exc:
            raise ExportFormatError(
                f"cannot read file ({exc.strerror})", path=self.label(name)
            ) from exc

    def close(self) -> None:
        """Release what the source holds open (nothing, for a folder)."""


class ZipSource(ExportSource):
    """An export inside a zip: files at top level or inside one folder (the shallowest wins)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._zip = zipfile.ZipFile(path)
            names = [n for n in self._zip.namelist() if not n.endswith("/")]
        except _ZIP_ERRORS as exc:
            raise ExportFormatError(f"cannot read the zip archive ({exc})", path=str(path)) from exc
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
            return self._zip.read(self._prefix + name)
        except _ZIP_ERRORS as exc:
            raise ExportFormatError(
                f"cannot read from the zip archive ({exc})", path=self.label(name)
            ) from exc

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()


def open_source(path: str | Path) -> ExportSource:
    """An ExportSource for a folder or a zip; NotFoundError when the path does not exist."""
    p = Path(path)
    if p.is_dir():
        if not (p / "comments.csv").is_file():
            raise NotFoundError(f"{p / 'comments.csv'}: file not found (is {p} a Polis export?)")
        return ExportSource(p)
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
    return ZipSource(p)
