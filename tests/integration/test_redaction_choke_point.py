"""Each leak of issue 14's "Redaction at one choke point" list, reproduced against a local
server that behaves the way real ones do, then shown closed."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from aiohttp import web

from tests.integration.test_planted_secrets import assert_no_secret, basic_blobs
from tests.support.cli import workbench
from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.authorize import device_authorize_and_check
from workbench.core.events import EventLog
from workbench.core.report import check_text


def _describe_everything(seen: Seen) -> web.Response:
    """An RFC 6749 error whose description quotes the whole request, HTML- and JSON-escaped
    the way some providers build it."""
    quoted = " ".join(f"{k}={v}" for k, v in seen.form.items())
    header = seen.header("Authorization") or ""
    description = (f"rejected {quoted}; auth {header}; as html "
                   + quoted.replace("&", "&amp;").replace("/", "&#x2F;")
                   + "; as json " + json.dumps(quoted)[1:-1].replace("&", "\\u0026")
                   .replace("/", "\\/"))
    return web.json_response({"error": "invalid_grant", "error_description": description},
                             status=400)


async def test_oauth_error_description_echoing_code_verifier_and_secret(
        server: RecordingServer) -> None:
    server.route("POST", "/token", _describe_everything)
    bp = auth_connector(oauth_entry("authorization_code", True, """
            - name: code
              is_encrypted: true
            - name: redirect_uri
              value: http://127.0.0.1:9/cb
    """))
    secrets = ["CLIENT-S/ECRET&1", "AUTH-CODE-a/b&c", "VERIFIER-xyz_0123456789abcdef"]
    log = EventLog()
    result = await check(bp, {"url": server.url, "client_id": "cid", "client_secret": secrets[0],
                              "code": secrets[1]}, log, code_verifier=secrets[2])
    verdict = result.verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == "invalid_grant"
    assert verdict.oauth_error_description and "[redacted]" in verdict.oauth_error_description
    everything = repr(verdict) + check_text(result, log.redactor, verbose=True)
    assert_no_secret(everything, [*secrets, *basic_blobs("cid", secrets[0])], "verdict")


async def test_device_flow_error_description_echoing_the_device_code(
        server: RecordingServer) -> None:
    server.json("POST", "/device", {"device_code": "DEVICE-CODE-from-server-77",
                                    "user_code": "ABCD-EFGH", "interval": 0,
                                    "verification_uri": f"{server.url}/activate"})
    server.route("POST", "/token", _describe_everything)
    bp = auth_connector(oauth_entry("authorization_code", True).replace(
        "is_basic_auth: true", "is_basic_auth: true\n"
        '            device_authorization_url: "{url}/device"'))
    log = EventLog()
    result = await device_authorize_and_check(bp, {"url": server.url, "client_id": "cid",
                                                   "client_secret": "DEV-SECRET-9/9"}, log,
                                              lambda _device: None, default_interval=0)
    assert result.verdict.outcome == "token_error", result.verdict
    assert "device_code=[redacted]" in (result.verdict.oauth_error_description or "")
    assert_no_secret(repr(result.verdict), ["DEVICE-CODE-from-server-77", "DEV-SECRET-9/9",
                                            *basic_blobs("cid", "DEV-SECRET-9/9")], "device")


async def test_a_400_token_answer_without_error_shows_no_access_token(
        server: RecordingServer, tmp_path: Path) -> None:
    server.json("POST", "/token", {"access_token": "RAW-ACCESS-TOKEN-in-a-400",
                                   "note": "scope missing"}, status=400)
    path = tmp_path / "oauth.yaml"
    path.write_text(_file(oauth_entry("client_credentials", False)))
    sets = ["--set", f"url={server.url}", "--set", "client_id=c", "--set", "client_secret=s3cr"]
    for mode in ("-v", "--json"):
        run = await workbench("check", str(path), mode, *sets)
        assert run.code == 1 and "token" in run.stdout
        assert "RAW-ACCESS-TOKEN" not in run.stdout + run.stderr, mode


async def test_debug_logs_do_not_print_raw_response_headers(
        server: RecordingServer, tmp_path: Path) -> None:
    """The server sets secrets the client never sent: a cookie, a token header, a Location
    with ?token=. httpcore's DEBUG log printed them before the exchange was recorded."""
    server.route("GET", "/me", lambda _seen: web.json_response({"ok": False}, status=401,
                 headers={"Set-Cookie": "sid=SERVER-COOKIE-4242; HttpOnly",
                          "X-Auth-Token": "SERVER-XAUTH-4343",
                          "Location": f"{server.url}/next?token=SERVER-LOC-4444"}))
    path = tmp_path / "bearer.yaml"
    path.write_text(_file("""
        - name: auth
          type: authentication
          auth_type: bearer
    """))
    run = await workbench("--log-level", "DEBUG", "check", str(path), "-v", "--set",
                          f"url={server.url}", "--set", "bearer_token=BEARER-4545")
    assert run.code == 1 and "DEBUG" in run.stderr
    for secret in ("SERVER-COOKIE-4242", "SERVER-XAUTH-4343", "SERVER-LOC-4444", "BEARER-4545"):
        assert secret not in run.stdout + run.stderr, secret
    assert "Set-Cookie: sid=[redacted]; HttpOnly" in run.stdout  # the name stays, for debugging


async def test_provider_text_cannot_drive_the_terminal_or_flood_it(
        server: RecordingServer, tmp_path: Path) -> None:
    # Under the body cap (256 KiB), so it reaches the verdict.
    hostile = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\r\u202edesrever" + "A" * 200_000
    server.json("POST", "/token", {"error": "invalid_client", "error_description": hostile},
                status=401)
    path = tmp_path / "oauth.yaml"
    path.write_text(_file(oauth_entry("client_credentials", False)))
    run = await workbench("check", str(path), "-v", "--set", f"url={server.url}",
                          "--set", "client_id=c", "--set", "client_secret=s3cr")
    assert run.code == 1
    output = run.stdout + run.stderr
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e]", output), "control characters"
    assert "pwned" not in output or "\x1b" not in output
    assert max(len(line) for line in output.splitlines()) < 9000
    assert "more characters not shown" in run.stdout
    assert len(output) < 100_000, "one cut line, not 200 kB twice"


def _file(auth: str) -> str:
    return textwrap.dedent("""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
        {auth}
        connector:
          name: Echo
          base_url: "{{url}}"
        pre_run_configurations:
          steps:
            - name: me
              type: rest
              endpoint: "{{{{%BASE_URL%}}}}/me"
        """).format(auth=textwrap.indent(textwrap.dedent(auth).strip(), " " * 6))


async def test_a_proxy_that_is_down_does_not_print_its_password(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = tmp_path / "bearer.yaml"
    path.write_text(_file("""
        - name: auth
          type: authentication
          auth_type: bearer
    """))
    for mode in ("-v", "--json"):
        run = await workbench("--log-level", "DEBUG", "check", str(path), mode, "--proxy",
                              f"http://proxyuser:PROXY-DOWN-PASS-1@127.0.0.1:{port}",
                              "--set", "url=http://echo.test", "--set", "bearer_token=B-123456")
        assert run.code == 1 and "proxy" in (run.stdout + run.stderr).lower(), run.stderr
        assert "PROXY-DOWN-PASS-1" not in run.stdout + run.stderr, mode
        assert_no_secret(run.stdout + run.stderr, basic_blobs("proxyuser", "PROXY-DOWN-PASS-1"),
                         mode)
