"""``/session``: log a facilitator in with a password (a signed cookie), out, or ask who."""

from __future__ import annotations

from fastapi import APIRouter, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from parley.errors import AuthenticationError
from parley.services.accounts import check_password

from ..costly import limit_login
from ..deps import SessionFactoryDep
from ..schemas import LoginRequest, SessionOut
from ..sessions import csrf_token, login, logout, session_facilitator, verify_csrf

router = APIRouter(prefix="/session", tags=["session"])


@router.get("", response_model=SessionOut)
async def who(request: Request) -> SessionOut:
    """Return the logged-in facilitator (or null) and this session's CSRF token."""
    return SessionOut(facilitator_id=session_facilitator(request), csrf_token=csrf_token(request))


@router.post("", response_model=SessionOut)
async def log_in(request: Request, body: LoginRequest, sf: SessionFactoryDep) -> SessionOut:
    """Check the password and set the session cookie; send X-CSRF-Token with later POSTs."""
    limit_login(request, body.name)
    facilitator_id = await run_in_threadpool(check_password, sf, body.name, body.password)
    if facilitator_id is None:
        raise AuthenticationError("wrong name or password")
    login(request, facilitator_id)
    return SessionOut(facilitator_id=facilitator_id, csrf_token=csrf_token(request))


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def log_out(request: Request) -> None:
    """Log out (the CSRF token is required: a cookie authenticates this)."""
    await verify_csrf(request)
    logout(request)
