"""``parley serve``, ``parley demo`` and ``parley admin``: run the web app, manage facilitators.

``register(app)`` adds the commands to the ``parley`` app. Every command creates or
migrates the database first; ``serve`` needs no configuration at all (SQLite in the working
folder, 127.0.0.1:8000).
"""

from __future__ import annotations

import gc
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from parley.cli.errors import errors_as_messages
from parley.errors import InputError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from parley.config import Settings
    from parley.db.engine import SessionFactory

__all__ = [
    "admin_create",
    "admin_key",
    "admin_logout",
    "admin_password",
    "demo",
    "register",
    "serve",
]

DEMO_DATABASE = "sqlite:///parley-demo.db"

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE or postgresql+psycopg://...) or a SQLite file path. "
        "Default: $PARLEY_DATABASE_URL, else sqlite:///parley.db.",
        show_default=False,
    ),
]
HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="Address to listen on. Default: $PARLEY_HOST, else 127.0.0.1.",
        show_default=False,
    ),
]
PortOption = Annotated[
    int | None,
    typer.Option(
        "--port",
        "-p",
        help="Port; 0 picks a free one. Default: $PARLEY_PORT, else 8000.",
        show_default=False,
        min=0,
        max=65535,
    ),
]
GetOption = Annotated[
    str | None,
    typer.Option(
        "--get",
        help="Run one GET request for this path in-process, print the answer and exit "
        "(exit code 1 for a 4xx or 5xx answer). Starts no server.",
        show_default=False,
    ),
]
NoWorkerOption = Annotated[
    bool,
    typer.Option(
        "--no-worker",
        help="Run no analysis worker in the web process(es); start `parley worker` "
        "processes instead.",
    ),
]
ProcessesOption = Annotated[
    int,
    typer.Option(
        "--processes",
        help="Web processes sharing the port (PostgreSQL only; each has its own vote writer "
        "and 1/N of a participant's vote rate; the other rate limits are kept in the "
        "database).",
        min=1,
        max=64,
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``demo`` and the ``admin`` group to a typer app."""
    app.command("serve")(serve)
    app.command("demo")(demo)
    admin = typer.Typer(
        name="admin",
        help="Manage facilitators: create one, set a password, new API key.",
        no_args_is_help=True,
    )
    admin.command("create")(admin_create)
    admin.command("password")(admin_password)
    admin.command("key")(admin_key)
    admin.command("logout")(admin_logout)
    app.add_typer(admin)


def _settings(**given: Any) -> Settings:
    """Build Settings from the flags given (the environment fills in the rest)."""
    from pydantic import ValidationError

    from parley.config import Settings

    try:
        return Settings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as error:
        problems = [
            f"PARLEY_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!r}: {e['msg']}"
            for e in error.errors()
        ]
        raise InputError("invalid settings: " + "; ".join(problems)) from None


@contextmanager
def _database(settings: Settings) -> Iterator[SessionFactory]:
    """Open and migrate the database; yield a session factory."""
    from parley.services.database import open_database

    database = open_database(settings.database_url)
    try:
        yield database.session_factory
    finally:
        database.close()


def _password(*, from_stdin: bool, ask: bool) -> str | None:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("--password-stdin: the first line of stdin is empty")
        return line
    if ask:
        entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return entered
    return None


def admin_create(
    name: Annotated[str, typer.Argument(help="The facilitator's name (used to log in).")],
    password: Annotated[
        bool, typer.Option("--password", help="Ask for a password to log in on the pages.")
    ] = False,
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Create a facilitator and print their API key (shown only this once)."""
    with errors_as_messages():
        from parley.services.accounts import create_facilitator

        secret = _password(from_stdin=password_stdin, ask=password)
        with _database(_settings(database_url=db)) as session_factory:
            _, key = create_facilitator(session_factory, name, password=secret)
        typer.echo(
            f"API key for {name.strip()} (shown only now; send it as "
            f"'Authorization: Bearer <key>'):"
        )
        typer.echo(key)


def admin_password(
    name: Annotated[str, typer.Argument(help="The facilitator's name.")],
    password_stdin: PasswordStdinOption = False,
    db: DbOption = None,
) -> None:
    """Set or replace the password a facilitator logs in with."""
    with errors_as_messages():
        from parley.services.accounts import set_password

        secret = _password(from_stdin=password_stdin, ask=True)
        assert secret is not None
        with _database(_settings(database_url=db)) as session_factory:
            set_password(session_factory, name, secret)
        typer.echo(f"password of {name.strip()} set")


def admin_key(
    name: Annotated[str, typer.Argument(help="The facilitator's name.")],
    db: DbOption = None,
) -> None:
    """Replace a facilitator's API key with a new one and print it (the old one stops working)."""
    with errors_as_messages():
        from parley.services.accounts import new_api_key

        with _database(_settings(database_url=db)) as session_factory:
            key = new_api_key(session_factory, name)
        typer.echo(key)


def admin_logout(
    name: Annotated[str, typer.Argument(help="The facilitator's name.")],
    db: DbOption = None,
) -> None:
    """End every session the facilitator is logged in with (stolen cookies stop working)."""
    with errors_as_messages():
        from parley.services.web_sessions import end_facilitator_sessions

        with _database(_settings(database_url=db)) as session_factory:
            n_ended = end_facilitator_sessions(session_factory, name=name)
        typer.echo(f"ended {n_ended} session(s) of {name.strip()}")


def _run_get(app: FastAPI, path: str) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        response = client.get(path if path.startswith("/") else "/" + path)
    typer.echo(response.text)
    if response.status_code >= 400:
        raise typer.Exit(1)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    sock.listen(2048)
    return sock


def _url(host: str, port: int, path: str = "/") -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}{path}"


def _run_server(
    app: FastAPI | str,
    settings: Settings,
    *,
    before: list[str] | None = None,
    processes: int = 1,
) -> None:
    """Serve ``app``; with ``processes`` > 1, ``app`` is a factory's import string."""
    import uvicorn

    from parley.web.app import is_loopback

    sock = _bind(settings.host, settings.port)
    port = int(sock.getsockname()[1])
    base = settings.public_url or _url(settings.host, port, "")
    for line in before or []:
        typer.echo(line.replace("{base}", base))
    typer.echo(f"parley is running at {_url(settings.host, port)}  (Ctrl+C to stop)")
    if settings.public_url is None and not is_loopback(settings.host):
        typer.echo(
            "note: PARLEY_PUBLIC_URL is not set, so join and observer links follow the "
            "request's Host header; set it to the address people use (docs/security.md)"
        )
    sys.stdout.flush()
    # proxy_headers=False: X-Forwarded-* are handled by the app, and only from the addresses
    # in PARLEY_TRUSTED_PROXIES (uvicorn's own default would trust 127.0.0.1)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        proxy_headers=False,
        factory=processes > 1,
        workers=processes,
    )
    if processes > 1:
        from uvicorn.supervisors import Multiprocess

        typer.echo(f"{processes} web processes")
        sys.stdout.flush()
        Multiprocess(config, sockets=[sock]).run()
        return
    # Everything imported and built so far lives as long as the server: move it out of the
    # cyclic GC's reach. Otherwise each full collection walks it all, a pause of about 75 ms
    # every half second under load that stalls every request (p99 99 ms -> 34 ms measured).
    gc.collect()
    gc.freeze()
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    db: DbOption = None,
    host: HostOption = None,
    port: PortOption = None,
    get: GetOption = None,
    no_worker: NoWorkerOption = False,
    processes: ProcessesOption = 1,
) -> None:
    """Start the web app: the API, the pages and the analysis worker, on SQLite by default."""
    with errors_as_messages():
        from parley.web import create_app

        settings = _settings(
            database_url=db, host=host, port=port, run_worker=False if no_worker else None
        )
        if processes > 1 and get is None:
            from parley.cli.workers import serve_processes

            serve_processes(settings, processes)
            return
        app = create_app(settings, run_worker=get is None)
        if get is not None:
            _run_get(app, get)
            return
        _run_server(app, settings)


def _link(app: FastAPI, name: str, conversation_id: int, fallback: str) -> str:
    from starlette.routing import NoMatchFound

    try:
        return str(app.url_path_for(name, conversation_id=str(conversation_id)))
    except NoMatchFound:
        return fallback


def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=f"Database URL or SQLite file. Default: {DEMO_DATABASE}.",
            show_default=False,
        ),
    ] = None,
    host: HostOption = None,
    port: PortOption = None,
    get: GetOption = None,
) -> None:
    """Serve the demo: a multilingual process on Syria and a real Polis conversation."""
    with errors_as_messages():
        from parley.services.demo import prepare_demo
        from parley.services.processes import process_info
        from parley.web import create_app

        settings = _settings(database_url=db or DEMO_DATABASE, host=host, port=port)
        with _database(settings) as session_factory:
            access = prepare_demo(session_factory)
            process = process_info(session_factory, access.process_id)
        app = create_app(settings, run_worker=get is None)
        cid = access.conversation_id
        if get is not None:
            _run_get(app, get.replace("{id}", str(cid)))
            return
        participant = _link(app, "participate", cid, f"/api/v1/conversations/{cid}")
        facilitator = _link(app, "conversation", cid, "/api/docs")
        _run_server(
            app,
            settings,
            before=[
                f"demo process {process.name!r}: joint agenda {{base}}/f/p/{process.id}/agenda",
                *(f"  join link for {f.name}: {{base}}{f.join_path}" for f in process.formats),
                f"  observers: {{base}}/o/{process.observer_key}",
                f"demo conversation {cid} ({'imported now' if access.is_new else 'kept'})",
                f"  participant link: {{base}}{participant}",
                f"  facilitator link: {{base}}{facilitator}",
                f"facilitator login: name {access.facilitator_name!r}, password "
                f"{access.password!r}",
                f"API key (Authorization: Bearer ...): {access.api_key}",
            ],
        )
