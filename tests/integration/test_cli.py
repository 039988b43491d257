"""`workbench check` and `workbench validate` as a support engineer runs them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from aiohttp import web

from tests.support.cli import workbench
from tests.support.recording_server import RecordingServer

CONNECTOR = textwrap.dedent("""\
    interface_parameters:
      section:
        source:
          - name: base
            type: string
          - name: auth
            type: authentication
            auth_type: basic_http
            fields:
              - name: username
              - name: password
                is_encrypted: true
    connector:
      name: Basic API
      base_url: "{base}"
    pre_run_configurations:
      steps:
        - name: whoami
          type: rest
          endpoint: "{{%BASE_URL%}}/me"
""")


def _write(tmp_path: Path, text: str = CONNECTOR) -> str:
    path = tmp_path / "basic.yaml"
    path.write_text(text)
    return str(path)


def _basic_api(server: RecordingServer) -> None:
    def me(seen):  # type: ignore[no-untyped-def]
        ok = seen.header("Authorization") == "Basic YWRhOm9wZW4gc2VzYW1l"  # ada:open sesame
        return web.json_response({"me": "ada"} if ok else {"error": "who?"},
                                 status=200 if ok else 401)

    server.route("GET", "/me", me)


async def test_exit_0_when_the_check_passes(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _write(tmp_path), "--set", f"base={server.url}",
                          "--set", "username=ada", "--set", "password=open sesame")
    assert run.code == 0, run.stderr
    assert "PASS ok: GET /me answered 200 OK" in run.stdout
    assert "[whoami] GET" in run.stdout


async def test_exit_1_when_it_fails_with_a_hint(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _write(tmp_path), "--set", f"base={server.url}",
                          "--set", "username=ada", "--set", "password=wrong")
    assert run.code == 1
    assert "FAIL unauthorized" in run.stdout
    assert "hint: The user name or password was rejected" in run.stdout


async def test_values_from_environment_variables(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _write(tmp_path), "--set", f"base={server.url}",
                          env={"WB_USERNAME": "ada", "WB_PASSWORD": "open sesame"})
    assert run.code == 0, run.stdout + run.stderr


async def test_set_overrides_environment(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _write(tmp_path), "--set", f"base={server.url}",
                          "--set", "password=open sesame",
                          env={"WB_USERNAME": "ada", "WB_PASSWORD": "stale"})
    assert run.code == 0


async def test_json_output(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _write(tmp_path), "--json", "--set", f"base={server.url}",
                          "--set", "username=ada", "--set", "password=wrong")
    assert run.code == 1
    data = json.loads(run.stdout)
    assert data["ok"] is False
    assert data["outcome"] == "unauthorized"
    assert data["hint"]
    assert data["connector"]["name"] == "Basic API"
    step = data["steps"][0]
    assert step["method"] == "GET" and step["url"] == f"{server.url}/me"
    assert step["response"]["status"] == 401
    assert ["Authorization", "Basic [redacted]"] in step["request"]["headers"]


async def test_exit_2_for_missing_values_names_the_env_vars(tmp_path: Path) -> None:
    run = await workbench("check", _write(tmp_path), "--set", "base=http://127.0.0.1:9")
    assert run.code == 2
    assert "username (required)" in run.stdout
    assert "WB_PASSWORD" in run.stderr


async def test_exit_2_for_an_unknown_field(tmp_path: Path) -> None:
    run = await workbench("check", _write(tmp_path), "--set", "pasword=x")
    assert run.code == 2
    assert "has no field 'pasword'" in run.stderr
    assert "password" in run.stderr


async def test_exit_2_for_a_broken_connector_with_position(tmp_path: Path) -> None:
    path = _write(tmp_path, CONNECTOR.replace("base_url:", "base_ur:"))
    run = await workbench("check", path)
    assert run.code == 2
    assert f"{path}:15:3: connector.base_ur: unknown key" in run.stderr
    assert "Traceback" not in run.stderr


async def test_exit_2_for_an_unknown_connector_name() -> None:
    run = await workbench("check", "no-such-connector")
    assert run.code == 2
    assert "github" in run.stderr  # lists the bundled connectors


async def test_validate(tmp_path: Path) -> None:
    good = _write(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("connector:\n  name: [unclosed\n")
    ok = await workbench("validate", good)
    assert ok.code == 0 and "ok" in ok.stdout
    failed = await workbench("validate", good, str(bad))
    assert failed.code == 2
    assert f"{bad}:" in failed.stderr


async def test_validate_every_bundled_connector() -> None:
    run = await workbench("validate", "connectors")
    assert run.code == 0, run.stderr
    assert run.stdout.count("ok ") >= 16
