"""Proxy credentials never show: the password in a proxy URL, and the Proxy-Authorization blob
httpx builds from it, are known to the run's redactor before the first request.

A real forwarding proxy on 127.0.0.1 wants Basic credentials and echoes them back; the target
is a host name that is never resolved (the proxy forwards to a local server), since loopback
targets never go through a proxy.
"""

from __future__ import annotations

import base64
import json
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.auth_proxy import AuthProxy
from tests.support.cli import workbench
from tests.support.connectors import auth_connector, check
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.events import EventLog
from workbench.core.har import to_har
from workbench.core.json_report import check_report
from workbench.core.network_settings import TransportSettings
from workbench.core.report import check_text
from workbench.core.session_export import to_json_export
from workbench.core.transport import create_client

USER = "proxy-user"
PASSWORD = "p@ss:w0rd/PROXY-42"  # needs percent-encoding in a URL
ENCODED = "p%40ss%3Aw0rd%2FPROXY-42"
BLOB = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
REMOTE = "http://api.workbench-test.invalid"
BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""


def _forbidden(text: str) -> list[str]:
    return [s for s in (PASSWORD, ENCODED, BLOB, "PROXY-42") if s in text]


@pytest.fixture
async def proxy(server: RecordingServer) -> AsyncIterator[AuthProxy]:
    def me(seen: Seen) -> web.Response:
        ok = seen.header("Authorization") == "Bearer t0ken-api"
        return web.json_response({"host": seen.header("Host"), "me": "ada" if ok else None},
                                 status=200 if ok else 401)

    server.route("GET", "/me", me)
    running = await AuthProxy(USER, PASSWORD, server.url).start()
    yield running
    await running.close()


def _proxy_url(proxy: AuthProxy, password: str = ENCODED) -> str:
    return proxy.url.replace("http://", f"http://{USER}:{password}@")


def _connector(tmp_path: Path) -> str:
    path = tmp_path / "api.yaml"
    path.write_text(textwrap.dedent("""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
              - name: auth
                type: authentication
                auth_type: bearer
        connector:
          name: Proxied API
          base_url: "{url}"
        pre_run_configurations:
          steps:
            - name: whoami
              type: rest
              endpoint: "{{%BASE_URL%}}/me"
        """))
    return str(path)


async def test_the_proxy_password_and_blob_are_masked_everywhere(proxy: AuthProxy) -> None:
    log = EventLog()
    result = await check(auth_connector(BEARER), {"url": REMOTE, "bearer_token": "t0ken-api"},
                         log, settings=TransportSettings(proxy=_proxy_url(proxy), timeout=5))

    assert result.verdict.ok, result.verdict
    assert proxy.seen == [f"Basic {BLOB}"]  # httpx sent the percent-decoded pair
    exchange = next(e for e in log if e.kind == "request")
    assert exchange.header("X-Proxy-Echo") == f"Basic {BLOB}"  # the rude echo, kept raw
    surfaces = [
        json.dumps(log.rendered()),
        json.dumps(to_har(log, log.redactor, creator_version="test")),
        json.dumps(to_json_export(log, log.redactor, version="test")),
        check_text(result, log.redactor, verbose=True),
        json.dumps(check_report(result, log.redactor, None, 0)),
    ]
    assert [_forbidden(text) for text in surfaces] == [[]] * len(surfaces)
    note = next(e.message for e in log if e.kind == "note" and "proxy" in e.message)
    assert f"http://{USER}:[redacted]@127.0.0.1:" in log.redactor.text(note)
    assert _forbidden(note) == []  # masked when written, not only when shown


async def test_the_redactor_knows_the_proxy_before_the_first_request(
        proxy: AuthProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    for settings in (TransportSettings(proxy=_proxy_url(proxy)), TransportSettings()):
        if not settings.proxy:
            monkeypatch.setenv("HTTPS_PROXY", _proxy_url(proxy))
            monkeypatch.setenv("https_proxy", _proxy_url(proxy))
        log = EventLog()
        async with create_client(log, settings):
            pass
        shown = log.redactor.text(f"echo: {PASSWORD} {ENCODED} Basic {BLOB}")
        assert _forbidden(shown) == [], settings


async def test_wrong_proxy_credentials_are_a_proxy_verdict_without_the_password(
        proxy: AuthProxy) -> None:
    log = EventLog()
    result = await check(auth_connector(BEARER), {"url": REMOTE, "bearer_token": "t0ken-api"},
                         log, settings=TransportSettings(
                             proxy=_proxy_url(proxy, "wrong-PROXY-42-pw"), timeout=5))
    assert result.verdict.outcome == "network" and result.verdict.network == "proxy"
    wrong_blob = base64.b64encode(f"{USER}:wrong-PROXY-42-pw".encode()).decode()
    shown = json.dumps(log.rendered()) + check_text(result, log.redactor, verbose=True)
    assert "wrong-PROXY-42-pw" not in shown and wrong_blob not in shown
    assert "Proxy authentication failed for" in shown  # the page is shown, masked


@pytest.mark.parametrize("how", ["--proxy", "env"])
async def test_the_cli_prints_no_proxy_secret(proxy: AuthProxy, tmp_path: Path,
                                              how: str) -> None:
    connector = _connector(tmp_path)
    option = ["--proxy", _proxy_url(proxy)] if how == "--proxy" else []
    env = {} if option else {"HTTP_PROXY": _proxy_url(proxy), "http_proxy": _proxy_url(proxy)}
    for before, extra in (((), ("-v",)), ((), ("--json",)), (("--log-level", "DEBUG"), ())):
        run = await workbench(*before, "check", connector, "--set", f"url={REMOTE}",
                              "--set", "bearer_token=t0ken-api", *option, *extra, env=env)
        assert run.code == 0, (extra, run.stdout, run.stderr)
        assert _forbidden(run.stdout + run.stderr) == [], (before, extra)
    assert len(proxy.seen) == 3 and set(proxy.seen) == {f"Basic {BLOB}"}
