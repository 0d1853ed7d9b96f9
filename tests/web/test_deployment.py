"""Behind a proxy: the public URL in links, trusted X-Forwarded-*, Secure cookies, headers."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import ValidationError

from parley.config import Settings
from parley.db import create_engine_for, create_session_factory
from parley.db.migrate import upgrade_database
from parley.services import accounts, conversations
from parley.services.processes import create_process
from parley.web.app import create_app
from parley.web.headers import CONTENT_SECURITY_POLICY
from parley.web.proxy import TrustedProxyMiddleware, forwarded_client

from .conftest import FACILITATOR

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'deploy.db'}"
    engine = create_engine_for(url)
    upgrade_database(engine)
    sf = create_session_factory(engine)
    facilitator_id, _ = accounts.create_facilitator(sf, FACILITATOR[0], password=FACILITATOR[1])
    conversations.create_conversation(sf, facilitator_id=facilitator_id, topic="Parks")
    create_process(sf, facilitator_id=facilitator_id, name="Talks", formats=["A", "B"])
    yield url
    engine.dispose()


def _client(
    url: str, *, peer: str = "127.0.0.1", base: str = "http://testserver", **settings: object
) -> TestClient:
    """Serve the app to a client at ``peer``; an https base URL gets Secure cookies back."""
    app = create_app(Settings(database_url=url, **settings), run_worker=False)  # type: ignore[arg-type]
    return TestClient(app, client=(peer, 40000), base_url=base)


def _log_in(client: TestClient, **headers: str) -> str:
    found = _CSRF.search(client.get("/login", headers=headers).text)
    assert found
    data = {"name": FACILITATOR[0], "password": FACILITATOR[1], "csrf_token": found.group(1)}
    response = client.post("/login", data=data, headers=headers, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


def test_links_use_the_public_url_not_the_host_header(database_url: str) -> None:
    with _client(
        database_url, public_url="https://parley.example.org/civic/", base="https://testserver"
    ) as client:
        _log_in(client)
        evil = {"host": "evil.example"}
        conversation = client.get("/f/c/1", headers=evil).text
        process = client.get("/f/p/1", headers=evil).text
    assert "https://parley.example.org/civic/c/1" in conversation
    assert "https://parley.example.org/civic/o/" in process
    assert "evil.example" not in conversation + process


def test_cookies_are_secure_when_the_public_url_is_https(database_url: str) -> None:
    with _client(
        database_url, public_url="https://parley.example.org", base="https://testserver"
    ) as client:
        cookie = _log_in(client)
        answer = client.get("/healthz")
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    with _client(database_url, public_url="http://127.0.0.1:8000") as client:
        assert "Secure" not in _log_in(client)
        assert "strict-transport-security" not in client.get("/healthz").headers


def _session_cookie(client: TestClient, **headers: str) -> str:
    return client.get("/login", headers=headers).headers["set-cookie"]


def test_a_trusted_proxy_sets_scheme_and_client(database_url: str) -> None:
    https = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.9"}
    with _client(database_url, peer="10.1.2.3", trusted_proxies="10.0.0.0/8") as client:
        assert "; Secure" in _session_cookie(client, **https)
        assert "Secure" not in _session_cookie(client)  # plain http through the proxy
    with _client(database_url, peer="192.0.2.50", trusted_proxies="10.0.0.0/8") as client:
        assert "Secure" not in _session_cookie(client, **https)  # not a proxy: ignored
    with _client(database_url, peer="10.1.2.3") as client:  # no proxy trusted at all
        assert "Secure" not in _session_cookie(client, **https)


def _echo_app(networks: str) -> TestClient:
    inner = FastAPI()

    @inner.get("/")
    def echo(request: Request) -> dict[str, str]:
        assert request.client is not None
        return {"client": request.client.host, "scheme": request.url.scheme}

    nets = Settings(trusted_proxies=networks).trusted_proxy_networks()
    return TestClient(TrustedProxyMiddleware(inner, networks=nets), client=("10.0.0.2", 1))


def test_the_client_address_comes_from_the_right_most_untrusted_hop() -> None:
    client = _echo_app("10.0.0.0/8")
    headers = {"x-forwarded-for": "1.2.3.4, 198.51.100.7, 10.0.0.9"}
    assert client.get("/", headers=headers).json()["client"] == "198.51.100.7"
    assert client.get("/", headers={"x-forwarded-for": "junk"}).json()["client"] == "10.0.0.2"
    answer = client.get("/", headers={"x-forwarded-proto": "https"}).json()
    assert answer == {"client": "10.0.0.2", "scheme": "https"}
    untrusted = _echo_app("192.168.0.0/16")
    answer = untrusted.get("/", headers={**headers, "x-forwarded-proto": "https"}).json()
    assert answer == {"client": "10.0.0.2", "scheme": "http"}


def test_forwarded_client_when_every_hop_is_a_proxy() -> None:
    networks = (ipaddress.ip_network("10.0.0.0/8"),)
    assert forwarded_client("10.0.0.1, 10.0.0.2", networks) == "10.0.0.1"
    assert forwarded_client("2001:db8::1", networks) == "2001:db8::1"


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/conversations/1", "/nope"])
def test_every_answer_carries_the_security_headers(database_url: str, path: str) -> None:
    with _client(database_url) as client:
        headers = client.get(path).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("public_url", "parley.example.org"),
        ("public_url", "ftp://x.org"),
        ("public_url", "https://x.org/?a=1"),
        ("trusted_proxies", "10.0.0.0/8, proxy.local"),
    ],
)
def test_bad_deployment_settings_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})  # type: ignore[arg-type]


def test_the_worker_places_analyses_by_the_dask_settings(database_url: str) -> None:
    from parley.compute.analysis import run_analysis
    from parley.compute.placement import place_analysis

    plain = create_app(Settings(database_url=database_url))
    assert plain.state.parley.worker.source.analyse is run_analysis
    settings = Settings(
        database_url=database_url, dask_address="tcp://127.0.0.1:8786", dask_min_votes=7
    )
    analyse = create_app(settings).state.parley.worker.source.analyse
    assert analyse.func is place_analysis
    assert analyse.keywords == {
        "dask_address": "tcp://127.0.0.1:8786",
        "min_votes": 7,
        "scratch": None,
    }
