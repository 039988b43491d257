"""`validate`, `check` and `authorize` warn when a secret would travel over plain http to another
machine. The "other machines" are reached through a local proxy: nothing leaves 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from tests.support.cli import workbench
from tests.support.recording_server import RecordingServer

CORP = """\
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: {grant}
          token_url: "http://login.corp.example/token"
          authorization_url: "http://login.corp.example/authorize"
          is_basic_auth: true
        fields:
          - name: client_id
            value: cid
          - name: client_secret
            is_encrypted: true
connector:
  name: Corp API
  base_url: "http://api.corp.example/v1"
pre_run_configurations:
  steps:
    - name: me
      type: rest
      endpoint: "{{{{%BASE_URL%}}}}/me"
"""


def corp_connector(tmp_path: Path, grant: str = "client_credentials") -> Path:
    path = tmp_path / "corp.yaml"
    path.write_text(CORP.format(grant=grant))
    return path


async def test_validate_warns_about_plain_http_but_still_passes(tmp_path: Path) -> None:
    run = await workbench("validate", str(corp_connector(tmp_path)))
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("ok ")
    assert "warning: token_url http://login.corp.example/token is plain http" in run.stderr
    assert "warning: base_url http://api.corp.example/v1 is plain http" in run.stderr
    assert "client secret" in run.stderr


async def test_validate_says_nothing_about_loopback_or_https_connectors() -> None:
    run = await workbench("validate", "connectors")
    assert run.code == 0, run.stderr
    assert "plain http" not in run.stderr


async def test_check_names_the_cleartext_urls_in_its_warnings(
        server: RecordingServer, tmp_path: Path) -> None:
    server.json("POST", "/token", {"access_token": "at-over-plain-http", "expires_in": 60})
    server.json("GET", "/v1/me", {"ok": True})
    run = await workbench("check", str(corp_connector(tmp_path)), "--json", "--proxy", server.url,
                          env={"WB_CLIENT_SECRET": "corp-secret-1"})
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    warned = " ".join(report["warnings"])
    assert "token_url http://login.corp.example/token" in warned
    assert "base_url http://api.corp.example/v1" in warned
    assert "corp-secret-1" not in run.stdout + run.stderr


async def test_authorize_warns_even_when_the_login_never_finishes(
        server: RecordingServer, tmp_path: Path) -> None:
    server.route("GET", "/.well-known/openid-configuration",
                 lambda _s: web.json_response({"error": "not here"}, status=404))
    run = await workbench("authorize", str(corp_connector(tmp_path, "authorization_code")),
                          "--browser", "none", "--wait", "1", "--json", "--proxy", server.url,
                          env={"WB_CLIENT_SECRET": "corp-secret-2"})
    report = json.loads(run.stdout)
    assert report["outcome"] == "network" and run.code == 1
    warned = " ".join(report["warnings"])
    assert "authorization_url http://login.corp.example/authorize" in warned
    assert "password" in warned and "token_url" in warned
    assert any(s.path == "/.well-known/openid-configuration" for s in server.seen)
