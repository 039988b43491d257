"""`workbench check` says where its token came from, runs the negative control, and warns of
clock skew, in text and in its one JSON object."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from aiohttp import web

from tests.support.cli import workbench
from tests.support.recording_server import RecordingServer, Seen

OAUTH = textwrap.dedent("""\
    interface_parameters:
      section:
        source:
          - name: url
            type: string
          - name: auth
            type: authentication
            auth_type: oauth2
            oauth2_settings:
              grant_type: client_credentials
              token_url: "{url}/token"
            fields:
              - name: client_id
              - name: client_secret
                is_encrypted: true
    connector:
      name: OAuth API
      base_url: "{url}"
    pre_run_configurations:
      steps:
        - name: me
          type: rest
          endpoint: "{{%BASE_URL%}}/me"
""")
API_KEY = textwrap.dedent("""\
    interface_parameters:
      section:
        source:
          - name: url
            type: string
          - name: auth
            type: authentication
            auth_type: api_key
            location: header
            fields:
              - name: key_name
                value: X-API-Key
              - name: key_value
                is_encrypted: true
    connector:
      name: Key API
      base_url: "{url}"
    pre_run_configurations:
      steps:
        - name: me
          type: rest
          endpoint: "{{%BASE_URL%}}/me"
""")


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "connector.yaml"
    path.write_text(text)
    return str(path)


async def test_json_and_text_say_the_token_was_fetched_and_when(
        server: RecordingServer, tmp_path: Path) -> None:
    server.json("POST", "/token", {"access_token": "at-cli-77", "expires_in": 3600})
    server.json("GET", "/me", {"me": "ada"})
    args = ("check", _write(tmp_path, OAUTH), "--set", f"url={server.url}",
            "--set", "client_id=c", "--set", "client_secret=s3cr3t-cli")
    run = await workbench(*args, "--json")
    assert run.code == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["token"]["source"] == "fetched"
    obtained = datetime.strptime(data["token"]["obtained_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs(obtained.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)) < timedelta(
        minutes=1)
    assert "at-cli-77" not in run.stdout and "s3cr3t-cli" not in run.stdout
    text = await workbench(*args)
    assert ", fetched (obtained " in text.stdout


async def test_negative_control_against_an_api_that_takes_any_key(
        server: RecordingServer, tmp_path: Path) -> None:
    server.json("GET", "/me", {"me": "anyone"})
    args = ("check", _write(tmp_path, API_KEY), "--set", f"url={server.url}",
            "--set", "key_value=real-key-0042", "--negative-control")
    run = await workbench(*args, "--json")
    assert run.code == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["outcome"] == "unproven" and data["ok"] is False
    assert "does not check credentials" in data["summary"]
    assert data["negative_control"]["secret"] == "key_value"
    assert data["negative_control"]["conclusion"] == "unproven"
    assert "real-key-0042" not in run.stdout
    text = await workbench(*args)
    assert text.code == 1
    assert "FAIL unproven: " in text.stdout and "a pass proves nothing" in text.stdout


async def test_negative_control_that_proves_the_pass(server: RecordingServer,
                                                     tmp_path: Path) -> None:
    def me(seen: Seen) -> web.Response:
        ok = seen.header("X-API-Key") == "real-key-0042"
        return web.json_response({}, status=200 if ok else 401)

    server.route("GET", "/me", me)
    run = await workbench("check", _write(tmp_path, API_KEY), "--set", f"url={server.url}",
                          "--set", "key_value=real-key-0042", "--negative-control")
    assert run.code == 0, run.stdout + run.stderr
    assert "PASS ok" in run.stdout
    assert "Negative control: with a wrong key_value the check failed as it should" in run.stdout


async def test_a_server_clock_five_minutes_ahead_is_a_warning(server: RecordingServer,
                                                              tmp_path: Path) -> None:
    def me(_seen: Seen) -> web.Response:
        ahead = datetime.now(timezone.utc) + timedelta(minutes=5)
        return web.json_response({"me": "ada"}, headers={"Date": format_datetime(ahead, True)})

    server.route("GET", "/me", me)
    run = await workbench("check", _write(tmp_path, API_KEY), "--set", f"url={server.url}",
                          "--set", "key_value=k", "--json")
    data = json.loads(run.stdout)
    host = server.url.removeprefix("http://")
    skew = [w for w in data["warnings"] if w.startswith("Clock skew")]
    assert len(skew) == 1, data["warnings"]
    assert host in skew[0] and "5 min ahead of this machine's" in skew[0]
    assert "JWT iat/nbf/exp" in skew[0] and "webhook timestamps" in skew[0]
