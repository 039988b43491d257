"""Proxy settings apply to every request: explicit, from the environment, and never loopback."""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web

from tests.support.connectors import auth_connector, check
from tests.support.recording_server import RecordingServer
from workbench.core.proxies import proxy_for
from workbench.core.transport import TransportSettings

BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""
# Never resolved: with a proxy, the client hands the whole URL to the proxy on 127.0.0.1.
REMOTE = "http://api.workbench-test.invalid"


def _proxy_answers(server: RecordingServer, status: int = 200) -> None:
    server.route("GET", "/me", lambda _s: web.json_response({"via": "proxy"}, status=status))


async def test_explicit_proxy_carries_the_request(server: RecordingServer) -> None:
    _proxy_answers(server)
    settings = TransportSettings(proxy=server.url, timeout=5)
    result = await check(auth_connector(BEARER), {"url": REMOTE, "bearer_token": "t0ken"},
                         settings=settings)
    assert result.verdict.ok, result.verdict
    seen = server.seen[0]
    assert seen.header("Host") == "api.workbench-test.invalid"
    assert seen.header("Authorization") == "Bearer t0ken"


async def test_environment_proxy_is_used(server: RecordingServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _proxy_answers(server)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.setenv("http_proxy", server.url)
    result = await check(auth_connector(BEARER), {"url": REMOTE, "bearer_token": "t0ken"})
    assert result.verdict.ok, result.verdict
    assert server.seen[0].header("Host") == "api.workbench-test.invalid"


async def test_proxy_asking_for_credentials_is_a_proxy_problem(server: RecordingServer) -> None:
    _proxy_answers(server, status=407)
    result = await check(auth_connector(BEARER), {"url": REMOTE, "bearer_token": "t0ken"},
                         settings=TransportSettings(proxy=server.url, timeout=5))
    assert result.verdict.outcome == "network"
    assert result.verdict.network == "proxy"
    assert "proxy wants credentials" in result.verdict.hint


def test_proxy_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    remote, local = httpx.URL("https://api.example.test/x"), httpx.URL("http://127.0.0.1:9/x")
    assert proxy_for(remote, TransportSettings()) is None
    assert proxy_for(remote, TransportSettings(proxy="http://p:3128")) == "http://p:3128"
    assert proxy_for(local, TransportSettings(proxy="http://p:3128")) is None
    monkeypatch.setenv("https_proxy", "http://envproxy:8080")
    assert proxy_for(remote, TransportSettings()) == "http://envproxy:8080"
    assert proxy_for(remote, TransportSettings(use_env_proxy=False)) is None
    monkeypatch.setenv("no_proxy", "example.test")
    assert proxy_for(remote, TransportSettings()) is None
