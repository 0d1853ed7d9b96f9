"""API: password login, the signed session cookie, CSRF for cookie-authenticated requests."""

from __future__ import annotations

from typing import Any

from parley.services.accounts import set_password

V1 = "/api/v1"
PASSWORD = "correct horse battery"


def _log_in(api: Any) -> str:
    set_password(api.session_factory, "ada", PASSWORD)
    response = api.client.post(f"{V1}/session", json={"name": "ada", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert response.json()["facilitator_id"] == api.facilitator_id
    token: str = response.json()["csrf_token"]
    return token


def test_login_sets_an_httponly_lax_cookie(sqlite_api: Any) -> None:
    api = sqlite_api
    set_password(api.session_factory, "ada", PASSWORD)
    response = api.client.post(f"{V1}/session", json={"name": "ada", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("parley_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # served on loopback


def test_the_cookie_is_secure_off_loopback(make_api: Any) -> None:
    api = make_api(host="0.0.0.0")
    set_password(api.session_factory, "ada", PASSWORD)
    response = api.client.post(f"{V1}/session", json={"name": "ada", "password": PASSWORD})
    assert "secure" in response.headers["set-cookie"].lower()


def test_a_wrong_password_is_401(sqlite_api: Any) -> None:
    api = sqlite_api
    set_password(api.session_factory, "ada", PASSWORD)
    for name, password in (("ada", "wrong password"), ("nobody", PASSWORD)):
        response = api.client.post(f"{V1}/session", json={"name": name, "password": password})
        assert response.status_code == 401
        assert "set-cookie" not in response.headers


def test_cookie_auth_needs_the_csrf_token_for_unsafe_requests(sqlite_api: Any) -> None:
    api = sqlite_api
    csrf = _log_in(api)
    path = f"{V1}/conversations"
    assert api.client.get(path).status_code == 200  # safe: no token needed
    refused = api.client.post(path, json={"topic": "x"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    wrong = api.client.post(path, json={"topic": "x"}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    accepted = api.client.post(path, json={"topic": "x"}, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201


def test_logout_forgets_the_facilitator(sqlite_api: Any) -> None:
    api = sqlite_api
    csrf = _log_in(api)
    assert api.client.delete(f"{V1}/session").status_code == 403
    assert api.client.delete(f"{V1}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert api.client.get(f"{V1}/session").json()["facilitator_id"] is None
    assert api.client.get(f"{V1}/conversations").status_code == 401


def test_a_tampered_cookie_is_ignored(sqlite_api: Any) -> None:
    api = sqlite_api
    _log_in(api)
    value = api.client.cookies["parley_session"]
    api.client.cookies.clear()
    good = {"Cookie": f"parley_session={value}"}
    assert api.client.get(f"{V1}/conversations", headers=good).status_code == 200
    bad = {"Cookie": f"parley_session={value[:-3]}abc"}
    assert api.client.get(f"{V1}/conversations", headers=bad).status_code == 401


def test_login_attempts_are_rate_limited(sqlite_api: Any) -> None:
    api = sqlite_api
    codes = [
        api.client.post(f"{V1}/session", json={"name": "ada", "password": "guess"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10
    assert codes[-1] == 429
