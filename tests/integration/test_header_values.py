"""Header values that cannot be sent (a line break or NUL inside a token or key) are refused
before sending, with a config error that names the field and never shows the value.

Before, h11 raised with the whole header value in its message; that text became the verdict
(network/connect) and the event's error, and the part of a token before a line break is not a
value the redactor knows, so it was printed in clear.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.support.cli import workbench
from tests.support.connectors import auth_connector, blueprint, check, oauth_entry
from tests.support.recording_server import RecordingServer
from workbench.core.events import EventLog
from workbench.core.transport import classify

HALF_1, HALF_2 = "FIRSTHALF-a1b2c3", "SECONDHALF-d4e5f6"
BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""
API_KEY = """
    - name: auth
      type: authentication
      auth_type: api_key
      location: header
"""


def _leaks(*texts: str) -> list[str]:
    joined = "\n".join(texts)
    return [half for half in (HALF_1, HALF_2) if half in joined]


def _outputs(log: EventLog, summary: str, hint: str) -> str:
    return json.dumps([summary, hint, *log.rendered(), *(e.error for e in log)])


@pytest.mark.parametrize("separator", ["\n", "\r\n", "\r"])
async def test_a_bearer_token_with_a_line_break_is_a_config_error(
        server: RecordingServer, separator: str) -> None:
    server.json("GET", "/me", {"me": "ada"})
    log = EventLog()
    result = await check(auth_connector(BEARER),
                         {"url": server.url, "bearer_token": HALF_1 + separator + HALF_2}, log)

    verdict = result.verdict
    assert verdict.outcome == "config_error", verdict
    assert "access token" in verdict.summary and "line break" in verdict.summary
    assert server.seen == []  # nothing went out
    assert _leaks(_outputs(log, verdict.summary, verdict.hint)) == []


async def test_an_api_key_header_with_a_line_break_names_the_header(
        server: RecordingServer) -> None:
    log = EventLog()
    result = await check(auth_connector(API_KEY), {
        "url": server.url, "key_name": "X-Api-Key", "key_value": f"{HALF_1}\r\n{HALF_2}"}, log)
    assert result.verdict.outcome == "config_error", result.verdict
    assert "Header X-Api-Key contains a line break" in result.verdict.summary
    assert _leaks(_outputs(log, result.verdict.summary, result.verdict.hint)) == []


async def test_an_access_token_with_a_line_break_from_the_token_endpoint(
        server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": f"{HALF_1}\n{HALF_2}",
                                   "token_type": "Bearer"})
    server.json("GET", "/me", {"me": "ada"})
    log = EventLog()
    result = await check(auth_connector(oauth_entry("client_credentials", basic=True)),
                         {"url": server.url, "client_id": "cid", "client_secret": "s3cret-cs"},
                         log)
    assert result.verdict.outcome == "config_error", result.verdict
    assert "access token" in result.verdict.summary
    assert server.requests_to("/me") == []
    # The token answer itself is recorded (and redacted); no error text repeats the value.
    assert all(_leaks(e.error) == [] for e in log)
    assert _leaks(result.verdict.summary, result.verdict.hint) == []


async def test_a_default_header_with_a_nul_or_edge_spaces(server: RecordingServer) -> None:
    def connector(value: str) -> str:
        return textwrap.dedent(f"""\
            interface_parameters:
              section:
                source:
                  - name: url
                    type: string
                  - name: tenant
                    type: string
            connector:
              name: Tenanted
              base_url: "{{url}}"
              default_headers:
                X-Tenant: "{value}"
            """)

    nul = await check(blueprint(connector("{tenant}")), {"url": server.url,
                                                         "tenant": f"{HALF_1}\0{HALF_2}"},
                      endpoint="/me")
    assert "Header X-Tenant contains a NUL character" in nul.verdict.summary, nul.verdict
    spaced = await check(blueprint(connector("acme {tenant}")), {"url": server.url,
                                                                 "tenant": "x\t"},
                         endpoint="/me")
    assert "Header X-Tenant contains spaces at its start or end" in spaced.verdict.summary
    assert server.seen == []


def test_an_h11_protocol_error_is_classified_without_its_text() -> None:
    error = httpx.LocalProtocolError(f"Illegal header value b'Bearer {HALF_1}\\n{HALF_2}'")
    network = classify(error, "http://127.0.0.1:9/me")
    assert network.kind == "invalid_request"
    assert _leaks(str(network), network.hint) == []


async def test_the_cli_says_which_field_and_prints_no_part_of_the_value(
        server: RecordingServer, tmp_path: Path) -> None:
    server.route("GET", "/me", lambda _s: web.json_response({"me": "ada"}))
    path = tmp_path / "bearer.yaml"
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
          name: Bearer API
          base_url: "{url}"
        pre_run_configurations:
          steps:
            - name: whoami
              type: rest
              endpoint: "{{%BASE_URL%}}/me"
        """))
    env = {"WB_BEARER_TOKEN": f"{HALF_1}\n{HALF_2}"}
    for before, extra in (((), ()), ((), ("-v",)), ((), ("--json",)),
                          (("--log-level", "DEBUG"), ())):
        run = await workbench(*before, "check", str(path), "--set", f"url={server.url}",
                              *extra, env=env)
        assert run.code == 2, (before, extra, run.stdout, run.stderr)  # config error, not 3
        assert _leaks(run.stdout, run.stderr) == [], (before, extra)
        if extra == ("--json",):
            assert json.loads(run.stdout)["outcome"] == "config_error"
        else:
            assert "access token" in run.stdout
