"""Every outcome of a check, from real servers and real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.certs import Pki, make_pki
from tests.support.connectors import auth_connector, blueprint, check
from tests.support.recording_server import RecordingServer
from workbench.core.transport import TransportSettings

BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "ok"), (204, "ok"), (400, "bad_request"), (401, "unauthorized"), (403, "forbidden"),
     (404, "not_found"), (422, "bad_request"), (429, "rate_limited"), (500, "server_error"),
     (503, "server_error")],
)
async def test_status_codes_map_to_outcomes(server: RecordingServer, status: int,
                                            outcome: str) -> None:
    server.route("GET", "/me", lambda _s: web.Response(status=status))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": "t0ken"})
    assert result.verdict.outcome == outcome
    assert result.verdict.status == status
    assert result.verdict.ok == (outcome == "ok")
    assert outcome == "ok" or result.verdict.hint


async def test_rate_limit_carries_retry_after(server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: web.Response(status=429, headers={"Retry-After": "17"}))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t0ken"})).verdict
    assert verdict.retry_after == "17"
    assert "17" in verdict.hint


async def test_steps_run_in_order_and_the_first_failure_decides(server: RecordingServer) -> None:
    server.json("GET", "/one", {})
    server.json("POST", "/two", {}, status=403)
    server.json("GET", "/three", {})
    bp = auth_connector(BEARER, steps="""
        pre_run_configurations:
          steps:
            - name: first
              type: rest
              endpoint: "{{%BASE_URL%}}/one"
            - name: second
              type: rest
              http_method: post
              endpoint: "/two"
              headers: {X-Trace: "{{%url%}}"}
              query_params: {limit: 1}
              body: {"probe": true}
            - name: third
              type: rest
              endpoint: "{{%BASE_URL%}}/three"
    """)
    result = await check(bp, {"url": server.url, "bearer_token": "t0ken"})
    assert result.verdict.outcome == "forbidden"
    assert result.verdict.summary.startswith("POST /two answered 403")
    assert [s.path for s in server.seen] == ["/one", "/two"]
    second = server.seen[1]
    assert second.query == {"limit": "1"}
    assert second.header("X-Trace") == server.url
    assert second.body == b'{"probe":true}'
    assert [e.step for e in result.events] == ["first", "second"]


async def test_without_steps_endpoint_then_base_url(server: RecordingServer) -> None:
    server.json("GET", "/health", {})
    bp = blueprint("""
        interface_parameters:
          section:
            source:
              - name: url
                type: string
        connector:
          name: Public
          base_url: "{url}"
          default_headers:
            Accept: application/json
    """)
    ok = await check(bp, {"url": server.url}, endpoint="/health")
    assert ok.verdict.ok
    assert server.seen[0].header("Accept") == "application/json"
    missing = await check(bp, {"url": server.url})
    assert missing.verdict.outcome == "not_found"
    assert server.seen[-1].path == "/"


async def test_missing_required_values_is_a_config_error() -> None:
    result = await check(auth_connector(BEARER), {"url": "http://127.0.0.1:9"})
    assert result.verdict.outcome == "config_error"
    assert "bearer_token (required)" in result.verdict.summary
    assert result.events == []


async def test_pasted_bearer_prefix_and_whitespace_are_fixed_with_a_warning(
    server: RecordingServer,
) -> None:
    server.json("GET", "/me", {})
    result = await check(auth_connector(BEARER), {"url": server.url,
                                                  "bearer_token": "Bearer tok-9\n"})
    assert result.verdict.ok
    assert server.seen[0].header("Authorization") == "Bearer tok-9"
    assert len(result.verdict.warnings) == 2


# -- failures without a response ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    verdict = (await check(auth_connector(BEARER), {"url": url, "bearer_token": "t0ken"})).verdict
    assert verdict.outcome == "network"
    assert verdict.network == "refused"
    assert "Nothing is listening" in verdict.hint


async def test_timeout(server: RecordingServer) -> None:
    async def slow(_seen):  # type: ignore[no-untyped-def]
        await asyncio.sleep(2)
        return web.Response()

    server.route("GET", "/me", slow)
    verdict = (await check(auth_connector(BEARER), {"url": server.url, "bearer_token": "t0ken"},
                           settings=TransportSettings(timeout=0.3))).verdict
    assert verdict.outcome == "network"
    assert verdict.network == "timeout"
    assert "waiting for a reply" in verdict.summary


@pytest.fixture
async def dropping_server() -> AsyncIterator[str]:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.close()

    srv = await asyncio.start_server(drop, "127.0.0.1", 0)
    yield f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"
    srv.close()
    await srv.wait_closed()


async def test_connection_dropped(dropping_server: str) -> None:
    verdict = (await check(auth_connector(BEARER),
                           {"url": dropping_server, "bearer_token": "t0ken"})).verdict
    assert verdict.outcome == "network"
    assert verdict.network == "dropped"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


async def _tls_server(pki: Pki, require_client_cert: bool = False) -> web.AppRunner:
    app = web.Application()
    async def me(_request: web.Request) -> web.Response:
        return web.json_response({"tls": True})

    app.router.add_get("/me", me)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki.ca)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    return runner


def _https(runner: web.AppRunner) -> str:
    return f"https://127.0.0.1:{runner.addresses[0][1]}"


async def test_untrusted_certificate_then_ca_bundle_then_insecure(pki: Pki) -> None:
    runner = await _tls_server(pki)
    try:
        values = {"url": _https(runner), "bearer_token": "t0ken"}
        bp = auth_connector(BEARER)
        untrusted = (await check(bp, values)).verdict
        assert untrusted.outcome == "network" and untrusted.network == "tls"
        assert "certificate not trusted" in untrusted.summary
        assert "CA bundle" in untrusted.hint
        trusted = await check(bp, values, settings=TransportSettings(ca_bundle=str(pki.ca)))
        assert trusted.verdict.ok, trusted.verdict
        insecure = await check(bp, values, settings=TransportSettings(verify_tls=False))
        assert insecure.verdict.ok
    finally:
        await runner.cleanup()


async def test_client_certificate_for_mutual_tls(pki: Pki) -> None:
    runner = await _tls_server(pki, require_client_cert=True)
    try:
        values = {"url": _https(runner), "bearer_token": "t0ken"}
        bp = auth_connector(BEARER)
        without = await check(bp, values, settings=TransportSettings(ca_bundle=str(pki.ca)))
        assert without.verdict.outcome == "network"
        with_cert = await check(bp, values, settings=TransportSettings(
            ca_bundle=str(pki.ca), client_cert=str(pki.client_cert),
            client_key=str(pki.client_key)))
        assert with_cert.verdict.ok, with_cert.verdict
    finally:
        await runner.cleanup()


async def test_https_to_a_plain_http_port_is_a_tls_problem(server: RecordingServer) -> None:
    url = server.url.replace("http://", "https://")
    verdict = (await check(auth_connector(BEARER), {"url": url, "bearer_token": "t0ken"})).verdict
    assert verdict.outcome == "network"
    assert verdict.network in ("tls", "dropped")


async def test_missing_ca_bundle_file_is_a_config_error(tmp_path: Path) -> None:
    settings = TransportSettings(ca_bundle=str(tmp_path / "nope.pem"))
    verdict = (await check(auth_connector(BEARER), {"url": "http://127.0.0.1:9",
                                                    "bearer_token": "t0ken"},
                           settings=settings)).verdict
    assert verdict.outcome == "config_error"
    assert "nope.pem" in verdict.summary


async def test_steps_can_use_auth_field_values(server: RecordingServer) -> None:
    server.json("GET", "/users/ada", {})
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: basic_http
    """, steps="""
        pre_run_configurations:
          steps:
            - name: self
              type: rest
              endpoint: "{{%BASE_URL%}}/users/{{%username%}}"
    """)
    result = await check(bp, {"url": server.url, "username": "ada", "password": "pw12"})
    assert result.verdict.ok, result.verdict
    assert server.seen[0].path == "/users/ada"


async def test_a_query_in_the_endpoint_survives_next_to_query_params(
        server: RecordingServer) -> None:
    server.json("GET", "/me", {})
    bp = auth_connector(BEARER, steps="""
        pre_run_configurations:
          steps:
            - name: with query
              type: rest
              endpoint: "{{%BASE_URL%}}/me?team=support"
              query_params:
                page: "2"
    """)
    await check(bp, {"url": server.url, "bearer_token": "t0ken"})
    assert server.requests_to("/me")[0].query == {"team": "support", "page": "2"}
    server.seen.clear()
    plain = auth_connector(BEARER, steps="""
        pre_run_configurations:
          steps:
            - name: only the endpoint's query
              type: rest
              endpoint: "{{%BASE_URL%}}/me?team=support"
    """)
    await check(plain, {"url": server.url, "bearer_token": "t0ken"})
    assert server.requests_to("/me")[0].query == {"team": "support"}
