"""A throwaway PostgreSQL server on 127.0.0.1, for the test suite and the load benchmark.

Debian's ``postgresql`` package puts the server binaries under
``/usr/lib/postgresql/<version>/bin``. ``initdb`` refuses to run as root, so when this process
is root the server runs as the ``postgres`` user, in a temporary folder owned by it. The
server listens on 127.0.0.1 only, on a free port, with trust authentication for local
connections, and is stopped (``pg_ctl -m fast``) and deleted on exit.

Only the standard library and (for creating databases) psycopg are used, so the benchmark can
import this file as well as tests/conftest.py.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ThrowawayPostgres",
    "find_postgres_bin",
    "postgres_unavailable_reason",
    "throwaway_postgres",
]

SERVER_USER = "postgres"  # also the database superuser initdb creates (-U)
#: settings that trade crash safety for speed: tests don't need durability
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def find_postgres_bin() -> Path | None:
    """Return the newest folder holding initdb, pg_ctl and postgres, or None."""
    override = os.environ.get("PARLEY_PG_BIN")
    candidates: list[Path] = [Path(override)] if override else []

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def postgres_unavailable_reason() -> str | None:
    """Say why a throwaway server cannot be started here, or return None if it can."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install 'psycopg[binary]')"
    if find_postgres_bin() is None:
        return "no PostgreSQL server binaries (apt-get install postgresql, or set PARLEY_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run the server"
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    """A running throwaway server; ``url`` names its first database."""

    bin_dir: Path
    root: Path
    port: int
    database: str
    run_as_postgres: bool
    _n_created: int = field(default=0, repr=False)

    @property
    def data_dir(self) -> Path:
        """Return the cluster's data folder."""
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        """Return the server's log file."""
        return self.root / "server.log"

    def url_for(self, database: str) -> str:
        """Return the SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{self.port}/{database}"

    @property
    def url(self) -> str:
        """Return the SQLAlchemy URL of the first database."""
        return self.url_for(self.database)

    def execute(self, *statements: str) -> None:
        """Run statements outside a transaction on the ``postgres`` maintenance database."""
        import psycopg

        dsn = f"host=127.0.0.1 port={self.port} user={SERVER_USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
            for statement in statements:
                connection.execute(statement.encode())

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a fresh name unless given) and return its URL."""
        if name is None:
            self._n_created += 1
            name = f"{self.database}_{self._n_created}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"database name {name!r} should match [a-z_][a-z0-9_]*")
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any connection a test left open to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server quickly (``pg_ctl -m fast``); safe to call twice."""
        if (self.data_dir / "postmaster.pid").exists():
            _run(
                [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast"],
                as_postgres=self.run_as_postgres,
                cwd=self.root,
                check=False,
            )


def _run(
    command: Sequence[str], *, as_postgres: bool, cwd: Path, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a server command, as the postgres user when this process is root."""
    options: dict[str, Any] = {}
    if as_postgres:
        options = {"user": SERVER_USER, "group": SERVER_USER, "extra_groups": []}
    result = subprocess.run(
        list(command),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        **options,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed with status {result.returncode}:\n"
            f"{result.stdout}{result.stderr}"
        )
    return result


@contextmanager
def throwaway_postgres(
    *,
    database: str = "parley_test",
    durable: bool = False,
    settings: Sequence[str] = (),
    start_attempts: int = 3,
) -> Iterator[ThrowawayPostgres]:
    """Start a server on 127.0.0.1 with one empty database; stop and delete it afterwards.

    ``durable=False`` (tests) switches fsync off; a benchmark that measures what an
    acknowledged write costs passes ``durable=True``. ``settings`` are extra ``name=value``
    server settings.
    """
    reason = postgres_unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"cannot start a throwaway PostgreSQL: {reason}")
    bin_dir = find_postgres_bin()
    assert bin_dir is not None
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
    server: ThrowawayPostgres | None = None
    try:
        if as_postgres:
            account = pwd.getpwnam(SERVER_USER)
            os.chown(root, account.pw_uid, account.pw_gid)
        _run(
            [
                str(bin_dir / "initdb"),
                "--pgdata",
                str(root / "data"),
                "--username",
                SERVER_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            as_postgres=as_postgres,
            cwd=root,
        )
        server_settings = [*(() if durable else FAST_SETTINGS), *settings]
        for attempt in range(1, start_attempts + 1):
            server = ThrowawayPostgres(bin_dir, root, free_port(), database, as_postgres)
            options = " ".join(
                [f"-p {server.port}", "-c listen_addresses=127.0.0.1", f"-k {root}"]
                + [f"-c {setting}" for setting in server_settings]
            )
            started = _run(
                [
                    str(bin_dir / "pg_ctl"),
                    "start",
                    "-D",
                    str(server.data_dir),
                    "-l",
                    str(server.log_file),
                    "-o",
                    options,
                    "-t",
                    "60",
                ],
                as_postgres=as_postgres,
                cwd=root,
                check=False,
            )
            if started.returncode == 0:
                break
            log = server.log_file.read_text(errors="replace") if server.log_file.exists() else ""
            server.stop()
            if attempt == start_attempts or "could not bind" not in log:
                raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}{started.stderr}{log}")
            time.sleep(0.2)  # the port was taken in the meantime: try another
        assert server is not None
        server.create_database(database)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
