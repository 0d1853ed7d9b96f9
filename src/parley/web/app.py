"""``create_app(settings)``: the web app (JSON API, pages, static files) with its threads.

No global state: the session factory, the vote writer, the analysis worker, the rate limiter
and the participant-token cache hang off ``app.state.parley`` (a ``Runtime``). The lifespan
starts the writer and the worker and, at shutdown, commits queued votes and stops both.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from parley import __version__
from parley.compute.placement import placed_analysis
from parley.compute.worker import AnalysisWorker
from parley.config import Settings
from parley.core.pipeline import Params
from parley.db.engine import SessionFactory
from parley.services.database import open_database
from parley.services.job_leases import listen_for_jobs, notify_workers, uses_postgres
from parley.services.polis_reports import ensure_report_secret
from parley.services.rate_limits import DatabaseRateLimiter
from parley.services.refresh import DatabaseJobs
from parley.services.votes import record_votes
from parley.services.web_sessions import SessionLifetimes

from .api_docs import DOCS_PATH, docs_router
from .headers import SecurityHeadersMiddleware
from .ids import check_path_ids
from .limits import BodySizeLimit, Limiter, RateLimiter
from .openapi_errors import describe_errors
from .problems import install_error_handlers, too_large
from .proxy import TrustedProxyMiddleware
from .routes import include_api
from .runtime import Runtime
from .server_sessions import ServerSessionMiddleware
from .wake import Waker, WakeWorker
from .writer import VoteWriter

__all__ = ["app_from_environment", "create_app", "is_loopback", "session_lifetimes"]

STATIC = Path(__file__).with_name("static")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host: str) -> bool:
    """Return True when ``host`` names this machine only (cookies then need no Secure flag)."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def session_lifetimes(settings: Settings) -> SessionLifetimes:
    """Return how long sessions last, from the settings."""
    return SessionLifetimes(
        login_idle=timedelta(minutes=settings.session_idle_minutes),
        login_max=timedelta(hours=settings.session_max_hours),
        visitor_idle=timedelta(days=settings.visitor_session_days),
    )


def _pages() -> ModuleType | None:
    try:
        return importlib.import_module("parley.web.pages")
    except ModuleNotFoundError as error:
        if error.name in ("parley.web.pages",):
            return None
        raise


def create_app(
    settings: Settings,
    *,
    session_factory: SessionFactory | None = None,
    run_worker: bool = True,
    params: Params | None = None,
    limiter: Limiter | None = None,
) -> FastAPI:
    """Build the app; without a session factory, open (and migrate) ``settings.database_url``.

    ``run_worker=False`` (or ``settings.run_worker`` false) leaves out the analysis worker
    (tests, ``--get``, ``--no-worker``); ``params`` are the pipeline parameters the worker
    uses; ``limiter`` the rate limiter (tests pass one with a clock of their own). With
    ``settings.shared_limits`` the costly paths' buckets are the database's, shared by every
    web process; votes and statements keep this process's.
    """
    database = None
    if session_factory is None:
        database = open_database(settings.database_url)
        session_factory = database.session_factory
    ensure_report_secret(session_factory)  # so that reading a Polis report never writes
    worker = None
    if run_worker and settings.run_worker:
        jobs = DatabaseJobs(
            session_factory,
            params=params,
            lease_seconds=settings.lease_seconds,
            analyse=placed_analysis(
                settings.dask_address, settings.dask_min_votes, scratch=settings.dask_scratch
            ),
        )
        worker = AnalysisWorker(
            jobs, interval=settings.analysis_interval, settle=settings.analysis_settle
        )
    is_postgres = uses_postgres(session_factory)
    # wakes this process's worker, and on PostgreSQL every other process's (NOTIFY)
    waker = Waker(
        local=None if worker is None else worker.wake,
        remote=partial(notify_workers, session_factory) if is_postgres else None,
    )
    shared_limiter = DatabaseRateLimiter(session_factory) if settings.shared_limits else None
    runtime = Runtime(
        settings=settings,
        session_factory=session_factory,
        # a committed batch of votes wakes the worker: results follow at once, not at its poll
        writer=VoteWriter(
            partial(record_votes, session_factory),
            on_commit=waker if waker.local or waker.remote else None,
        ),
        worker=worker,
        limiter=limiter or RateLimiter(),
        shared_limiter=shared_limiter if limiter is None else None,
        database=database,
        waker=waker,
        listen=(
            partial(listen_for_jobs, session_factory, worker.wake)
            if worker is not None and is_postgres
            else None
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            await run_in_threadpool(runtime.stop)

    app = FastAPI(
        title="parley",
        version=__version__,
        summary="Deliberation with Polis-style opinion groups: the JSON API.",
        lifespan=lifespan,
        docs_url=None,  # served from vendored files by api_docs, not from a CDN
        redoc_url=None,
        dependencies=[Depends(check_path_ids)],
    )
    app.state.parley = runtime
    pages = _pages()
    install_error_handlers(app, html=getattr(pages, "render_error", None))
    public_scheme = settings.public_url.split(":")[0] if settings.public_url else None
    app.add_middleware(
        ServerSessionMiddleware,
        session_factory=session_factory,
        lifetimes=session_lifetimes(settings),
        public_scheme=public_scheme,
        is_secure_default=not is_loopback(settings.host),
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, respond=too_large)
    app.add_middleware(
        SecurityHeadersMiddleware, is_https=public_scheme == "https", docs_path=DOCS_PATH
    )
    app.add_middleware(TrustedProxyMiddleware, networks=settings.trusted_proxy_networks())
    if waker.local or waker.remote:
        app.add_middleware(WakeWorker, wake=waker)
    include_api(app)
    app.include_router(docs_router(title=app.title, openapi_url=app.openapi_url or ""))
    describe_errors(app)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        """Say that the app is up, with its version and whether its threads run."""
        return {
            "status": "ok",
            "version": __version__,
            "is_worker_running": worker is not None and worker.is_running,
        }

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if pages is not None:
        app.include_router(pages.router)
    else:

        @app.get("/", include_in_schema=False)
        async def root() -> RedirectResponse:
            """Point a browser at the API's documentation while there are no pages."""
            return RedirectResponse("/api/docs")

    return app


def app_from_environment() -> FastAPI:
    """Build the app from ``PARLEY_*`` variables (the factory each ``--processes`` child runs)."""
    return create_app(Settings())
