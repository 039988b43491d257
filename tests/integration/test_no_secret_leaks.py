"""Planted secrets never leave the process: not on stdout, stderr, --json, DEBUG logs or renders.

The servers here are hostile on purpose: they echo every header, query and body back, inside
error messages and under innocent key names, the way real APIs sometimes do.
"""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.cli import workbench
from tests.support.connectors import check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.config import load_connector
from workbench.core.events import EventLog

ACCESS, REFRESH_OUT, ID_TOKEN = "ACCESS-ff66zz", "REFRESH-OUT-gg77", "IDTOKEN-hh88zz"
TENANT = "TENANT-KEY-kk11"


def _echo(seen: Seen) -> web.Response:
    text = (
        f"rejected: headers={seen.headers} query={seen.query} body={seen.body.decode()}"
    )
    return web.json_response({"message": text, "you_sent": dict(seen.headers)}, status=401)


def _token(seen: Seen) -> web.Response:
    return web.json_response({
        "access_token": ACCESS, "refresh_token": REFRESH_OUT, "id_token": ID_TOKEN,
        "token_type": "bearer", "expires_in": 600,
        "debug": f"form was {seen.body.decode()} auth was {seen.header('Authorization')}",
    })


def _connector(auth: str) -> str:
    return textwrap.dedent("""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
              - name: tenant_key
                type: string
                is_encrypted: true
        {auth}
        connector:
          name: Leaky
          base_url: "{{url}}"
        pre_run_configurations:
          steps:
            - name: echo
              type: rest
              endpoint: "{{{{%BASE_URL%}}}}/echo"
              headers:
                X-Tenant: "{{{{%tenant_key%}}}}"
              query_params:
                tenant: "{{{{%tenant_key%}}}}"
        """).format(auth=textwrap.indent(textwrap.dedent(auth).strip(), " " * 6))


FLOWS = {
    "bearer": ("""
        - name: auth
          type: authentication
          auth_type: bearer
     """, {"bearer_token": "BEARER-SECRET-aa11"}),
    "basic": ("""
        - name: auth
          type: authentication
          auth_type: basic_http
     """, {"username": "ada", "password": "BASIC-PASS-bb22"}),
    "api_key_header": ("""
        - name: auth
          type: authentication
          auth_type: api_key
          location: header
          fields:
            - name: key_name
              value: X-Custom-Key
     """, {"key_value": "HDRKEY-cc33"}),
    "api_key_query": ("""
        - name: auth
          type: authentication
          auth_type: api_key
          location: query_param
          fields:
            - name: key_name
              value: sig
     """, {"key_value": "QRYKEY-dd44"}),
    "client_credentials_body": (oauth_entry("client_credentials", False),
                                {"client_id": "cid", "client_secret": "CLIENT-SECRET-ee55"}),
    "client_credentials_basic": (oauth_entry("client_credentials", True),
                                 {"client_id": "cid", "client_secret": "CLIENT-SECRET-ee56"}),
    "refresh_token": (oauth_entry("refresh_token", False),
                      {"client_id": "cid", "client_secret": "CLIENT-SECRET-ee57",
                       "refresh_token": "REFRESH-IN-ii99"}),
    "authorization_code": (oauth_entry("authorization_code", True, """
            - name: redirect_uri
              value: http://127.0.0.1:9/cb
    """), {"client_id": "cid", "client_secret": "CLIENT-SECRET-ee58", "code": "AUTHCODE-jj00"}),
}


def _secrets(values: dict[str, str]) -> list[str]:
    planted = [v for k, v in values.items() if k not in ("client_id", "username")]
    planted += [ACCESS, REFRESH_OUT, ID_TOKEN, TENANT]
    if "password" in values:
        planted.append(base64.b64encode(f"ada:{values['password']}".encode()).decode())
    return planted


def _server_routes(server: RecordingServer) -> None:
    server.route("GET", "/echo", _echo)
    server.route("POST", "/token", _token)


@pytest.mark.parametrize("flow", sorted(FLOWS))
async def test_cli_output_and_debug_logs_hold_no_secret(
    flow: str, server: RecordingServer, tmp_path: Path
) -> None:
    _server_routes(server)
    auth, values = FLOWS[flow]
    path = tmp_path / f"{flow}.yaml"
    path.write_text(_connector(auth))
    sets = [a for k, v in {**values, "url": server.url}.items() for a in ("--set", f"{k}={v}")]
    env = {"WB_TENANT_KEY": TENANT}
    text = await workbench("--log-level", "DEBUG", "check", str(path), "-v", *sets, env=env)
    as_json = await workbench("--log-level", "DEBUG", "check", str(path), "--json", *sets,
                              env=env)
    assert text.code == 1, text.stdout + text.stderr  # the echo API always says 401
    assert json.loads(as_json.stdout)["outcome"] == "unauthorized"
    assert "DEBUG" in text.stderr  # the logs really ran at DEBUG
    assert server.requests_to("/echo"), "the request must really have been sent"
    for output in (text.stdout, text.stderr, as_json.stdout, as_json.stderr):
        for secret in _secrets(values):
            assert secret not in output, f"{secret} leaked in {flow}"
    assert "[redacted]" in text.stdout


@pytest.mark.parametrize("flow", sorted(FLOWS))
async def test_rendered_event_log_holds_no_secret(
    flow: str, server: RecordingServer, tmp_path: Path
) -> None:
    _server_routes(server)
    auth, values = FLOWS[flow]
    path = tmp_path / f"{flow}.yaml"
    path.write_text(_connector(auth))
    log = EventLog()
    result = await check(load_connector(path).blueprint,
                         {**values, "url": server.url, "tenant_key": TENANT}, log)
    rendered = json.dumps(log.rendered())
    for secret in _secrets(values):
        assert secret not in rendered
        assert secret not in repr(result.token) and secret not in result.verdict.summary
    raw = json.dumps([event.render(None) for event in log])  # an explicit reveal shows them
    assert values.get("bearer_token", TENANT) in raw


async def test_a_failed_connection_does_not_leak_query_secrets(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    auth, _values = FLOWS["api_key_query"]
    path = tmp_path / "dead.yaml"
    path.write_text(_connector(auth))
    for mode in ("-v", "--json"):
        run = await workbench("--log-level", "DEBUG", "check", str(path), mode,
                              "--set", f"url={dead}", "--set", "key_value=QRYKEY-dd44",
                              env={"WB_TENANT_KEY": TENANT})
        assert run.code == 1
        assert "refused" in run.stdout
        assert "QRYKEY-dd44" not in run.stdout + run.stderr
        assert TENANT not in run.stdout + run.stderr
