"""Server-side sessions: an opaque cookie, revocation (logout, password change, admin), expiry."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update
from typer.testing import CliRunner

from parley.cli.main import app as cli_app
from parley.db.models import WebSession
from parley.db.tokens import hash_token
from parley.db.types import utc_now
from parley.services import accounts
from parley.services.web_sessions import (
    SessionLifetimes,
    create_web_session,
    load_web_session,
    purge_expired_sessions,
)
from parley.web.server_sessions import SESSION_COOKIE, ServerSession, ServerSessionMiddleware

from .conftest import FACILITATOR, PagesEnv


def _cookie(env: PagesEnv) -> str:
    value = env.client.cookies.get(SESSION_COOKIE)
    assert value, "no session cookie"
    return value


def _vote_once(env: PagesEnv) -> None:
    """Vote on the open conversation's first card: the browser joins with its first vote."""
    html = env.client.get(f"/c/{env.open_id}").text
    found = re.search(r'name="statement_id" value="(\d+)"', html)
    assert found is not None
    response = env.client.post(
        f"/c/{env.open_id}/vote",
        data={"csrf_token": env.csrf(f"/c/{env.open_id}"), "statement_id": found[1], "vote": "1"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _n_sessions(env: PagesEnv) -> int:
    with env.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)


def test_the_cookie_is_an_opaque_id_whose_hash_is_stored(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    cookie = _cookie(pages_env)
    csrf = pages_env.csrf("/f")
    assert 40 <= len(cookie) <= 64 and "." not in cookie  # no signed payload
    assert csrf not in cookie
    with pages_env.session_factory() as session:
        row = session.get(WebSession, hash_token(cookie))
        assert row is not None and row.facilitator_id == pages_env.facilitator_id
        assert row.data["csrf"] == csrf
        assert session.get(WebSession, cookie) is None  # the id itself is not a key


def test_a_participant_session_holds_ids_never_tokens(pages_env: PagesEnv) -> None:
    assert pages_env.client.get(f"/c/{pages_env.open_id}").status_code == 200
    assert _n_sessions(pages_env) == 0  # reading a page stores nothing
    _vote_once(pages_env)
    with pages_env.session_factory() as session:
        row = session.get(WebSession, hash_token(_cookie(pages_env)))
        assert row is not None and row.facilitator_id is None
        members = row.data["participants"]
        assert list(members) == [str(pages_env.open_id)]
        assert isinstance(members[str(pages_env.open_id)], int)


def test_login_changes_the_session_id(pages_env: PagesEnv) -> None:
    _vote_once(pages_env)
    before = _cookie(pages_env)
    pages_env.log_in()
    after = _cookie(pages_env)
    assert after != before
    with pages_env.session_factory() as session:
        assert session.get(WebSession, hash_token(before)) is None
        row = session.get(WebSession, hash_token(after))
        assert row is not None and str(pages_env.open_id) in row.data["participants"]


def test_a_copied_cookie_stops_working_after_logout(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    stolen = _cookie(pages_env)
    csrf = pages_env.csrf("/f")
    response = pages_env.client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert "Max-Age=0" in response.headers["set-cookie"]
    pages_env.client.cookies.clear()
    pages_env.client.cookies.set(SESSION_COOKIE, stolen)
    response = pages_env.client.get("/f", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert _n_sessions(pages_env) == 0


def test_a_password_change_ends_the_facilitators_sessions(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    assert pages_env.client.get("/f").status_code == 200
    accounts.set_password(pages_env.session_factory, FACILITATOR[0], "another good password")
    response = pages_env.client.get("/f", follow_redirects=False)
    assert response.status_code == 303


def test_admin_logout_ends_every_session_of_a_facilitator(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    url = str(pages_env.session_factory.kw["bind"].url)
    result = CliRunner().invoke(cli_app, ["admin", "logout", FACILITATOR[0], "--db", url])
    assert result.exit_code == 0, result.output
    assert "ended 1 session" in result.output
    assert pages_env.client.get("/f", follow_redirects=False).status_code == 303
    result = CliRunner().invoke(cli_app, ["admin", "logout", "nobody", "--db", url])
    assert result.exit_code == 1


def test_an_expired_session_is_refused_and_its_cookie_dropped(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    cookie = _cookie(pages_env)
    with pages_env.session_factory.begin() as session:
        session.execute(update(WebSession).values(expires_at=utc_now() - timedelta(seconds=1)))
    response = pages_env.client.get("/f", follow_redirects=False)
    assert response.status_code == 303
    assert load_web_session(pages_env.session_factory, cookie) is None
    assert purge_expired_sessions(pages_env.session_factory) >= 1


def test_activity_slides_the_expiry_but_not_past_the_login_lifetime(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    key = hash_token(_cookie(pages_env))
    soon = utc_now() + timedelta(minutes=5)  # as if the last request was 55 minutes ago
    with pages_env.session_factory.begin() as session:
        session.execute(update(WebSession).values(expires_at=soon))
    response = pages_env.client.get("/f")
    assert response.status_code == 200 and "Max-Age=" in response.headers["set-cookie"]
    with pages_env.session_factory() as session:
        row = session.get(WebSession, key)
        assert row is not None and row.expires_at > utc_now() + timedelta(minutes=55)
    # a busy login still ends at created_at + session_max_hours (12 h)
    with pages_env.session_factory.begin() as session:
        session.execute(
            update(WebSession).values(
                created_at=utc_now() - timedelta(hours=11, minutes=50),
                expires_at=utc_now() + timedelta(minutes=1),
            )
        )
    pages_env.client.get("/f")
    with pages_env.session_factory() as session:
        row = session.get(WebSession, key)
        assert row is not None
        assert (
            utc_now() + timedelta(minutes=9) < row.expires_at <= utc_now() + timedelta(minutes=10)
        )


def test_a_renewal_keeps_what_another_request_stored(pages_env: PagesEnv) -> None:
    lifetimes = SessionLifetimes(timedelta(hours=1), timedelta(hours=12), timedelta(days=14))
    sf = pages_env.session_factory
    session_id, _ = create_web_session(
        sf, {"csrf": "t", "participants": {"1": 1}}, lifetimes=lifetimes
    )
    with sf.begin() as session:  # this request loaded the session a while ago ...
        session.execute(update(WebSession).values(expires_at=utc_now() + timedelta(days=1)))
    stale = load_web_session(sf, session_id)
    with sf.begin() as session:  # ... and meanwhile another request joined a conversation
        row = session.get(WebSession, hash_token(session_id))
        assert row is not None
        row.data = {"csrf": "t", "participants": {"1": 1, "2": 5}}
    middleware = ServerSessionMiddleware(
        pages_env.client.app,
        session_factory=sf,
        lifetimes=lifetimes,
        public_scheme=None,
        is_secure_default=False,
    )
    cookie = middleware._store(ServerSession(stale, session_id), True, {"path": "/c/1"})
    assert cookie is not None and "Max-Age=" in cookie  # renewed
    with sf() as session:
        row = session.get(WebSession, hash_token(session_id))
        assert row is not None and row.data["participants"] == {"1": 1, "2": 5}
        assert row.expires_at > utc_now() + timedelta(days=13)


def test_a_fresh_request_renews_nothing(pages_env: PagesEnv) -> None:
    pages_env.log_in()
    pages_env.client.get("/f")
    response = pages_env.client.get("/f")
    assert "set-cookie" not in response.headers


def test_login_lifetimes_cap_and_slide() -> None:
    lifetimes = SessionLifetimes(
        login_idle=timedelta(minutes=60),
        login_max=timedelta(hours=12),
        visitor_idle=timedelta(days=14),
    )
    start = utc_now()
    assert lifetimes.expiry(now=start, created_at=start, is_login=True) == start + timedelta(
        minutes=60
    )
    late = start + timedelta(hours=11, minutes=30)
    assert lifetimes.expiry(now=late, created_at=start, is_login=True) == start + timedelta(
        hours=12
    )
    assert lifetimes.expiry(now=late, created_at=start, is_login=False) == late + timedelta(days=14)


def test_unknown_or_oversized_ids_find_nothing(pages_env: PagesEnv) -> None:
    lifetimes = SessionLifetimes(timedelta(hours=1), timedelta(hours=2), timedelta(days=1))
    session_id, _ = create_web_session(
        pages_env.session_factory, {"csrf": "x"}, lifetimes=lifetimes
    )
    assert load_web_session(pages_env.session_factory, session_id) is not None
    assert load_web_session(pages_env.session_factory, session_id + "x") is None
    assert load_web_session(pages_env.session_factory, "a" * 10_000) is None
    assert load_web_session(pages_env.session_factory, "") is None


def test_a_forged_cookie_gets_a_new_session(pages_env: PagesEnv) -> None:
    pages_env.client.cookies.set(SESSION_COOKIE, "forged-value")
    response = pages_env.client.get(f"/c/{pages_env.open_id}")
    assert response.status_code == 200
    assert f"{SESSION_COOKIE}=; " in response.headers["set-cookie"]  # cleared
    assert _n_sessions(pages_env) == 0
    pages_env.client.cookies.delete(SESSION_COOKIE)  # as the browser does on Max-Age=0
    _vote_once(pages_env)
    fresh = _cookie(pages_env)
    assert fresh != "forged-value"
    assert load_web_session(pages_env.session_factory, fresh) is not None
