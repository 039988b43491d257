"""`workbench har diagnose` and `workbench diff` as a support engineer runs them: the real CLI on
hand-written customer captures and on session exports of real runs against 127.0.0.1."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web

from tests.integration.test_cli_verdicts import OAUTH
from tests.support.cli import workbench
from tests.support.har_shapes import chromium, har
from tests.support.json_output import one_object
from tests.support.recording_server import RecordingServer, Seen

FIXTURES = Path(__file__).parents[1] / "fixtures" / "har"
PLANTED = ("Hunter2-secret-pw", "SplxlOBeZQQYbYS6WxSbIA-a1", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r",
           "IDPSESSION-4f9a2c7e1b", "AK-live-7f3e9c2b1a", "Correct-Horse-Battery-9",
           "RT-0a9b8c7d6e5f-ffx", "CORR-7d8c6b5a4f3e", "CODE-ffx-8b7a6c5d",
           "c2lnbmF0dXJlLWJ5dGVzLW5vdC1yZWFs")


def no_planted(*texts: str) -> None:
    for text in texts:
        for secret in PLANTED:
            assert secret not in text, secret


async def test_har_diagnose_prints_the_flow_and_the_findings() -> None:
    run = await workbench("har", "diagnose", str(FIXTURES / "chromium_redirect_mismatch.har"))
    assert run.code == 1, run.stderr
    assert "Auth flow:" in run.stdout and "authorize" in run.stdout
    assert "ERROR redirect_uri_mismatch (entries #2, #6)" in run.stdout
    assert "They differ in the path (/callback vs /callback/)" in run.stdout
    no_planted(run.stdout, run.stderr)


async def test_har_diagnose_json_is_one_object_by_the_schema() -> None:
    run = await workbench("har", "diagnose", str(FIXTURES / "firefox_samesite_audience.har"),
                          "--json")
    data = one_object(run)
    assert data["command"] == "har" and data["outcome"] == "findings" and not data["ok"]
    assert [f["code"] for f in data["findings"]] == [
        "cookie_dropped_samesite", "token_refused_by_api", "clock_skew"]
    assert data["findings"][0]["entries"] == [1, 4]
    assert [s["role"] for s in data["flow"]] == ["authorize", "callback", "token", "api"]
    assert data["browser"] == "Firefox 133.0" and data["entries"] == 6
    no_planted(run.stdout, run.stderr)


async def test_a_clean_capture_passes(tmp_path: Path) -> None:
    path = tmp_path / "ok.har"
    path.write_bytes(har(chromium("GET", "https://api.example.com/me", request_headers={
        "authorization": "Bearer fine-token-123456"}, body='{"id": 7}')))
    run = await workbench("har", "diagnose", str(path), "--json")
    data = one_object(run)
    assert data["ok"] and data["outcome"] == "ok" and data["findings"] == []
    assert "fine-token-123456" not in run.stdout


async def test_a_file_that_is_no_har_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "page.har"
    path.write_text("<html>\x1b[31mred\x1b[0m</html>")
    run = await workbench("har", "diagnose", str(path), "--json")
    data = one_object(run)
    assert run.code == 2 and data["outcome"] == "config_error"
    assert "not a HAR: not JSON" in data["summary"]
    text = await workbench("har", "diagnose", str(tmp_path / "missing.har"))
    assert text.code == 2 and "cannot read" in text.stderr and text.stdout == ""


def token_entry(secret: str, scope: str, at: float) -> dict:
    form = urlencode({"grant_type": "client_credentials", "client_id": "wb",
                      "client_secret": secret, "scope": scope})
    return chromium("POST", "https://idp.example.com/token", at=at, form=form,
                    body='{"access_token":"tok-' + secret[-6:] + '","token_type":"Bearer"}')


async def test_diff_of_two_captures_compares_secrets_by_digest_only(tmp_path: Path) -> None:
    a, b = tmp_path / "works.har", tmp_path / "fails.har"
    a.write_bytes(har(token_entry("Client-Secret-Good-4411", "api.read", 0)))
    b.write_bytes(har(token_entry("Client-Secret-Old-0917", "api.read api.write", 0)))
    run = await workbench("diff", str(a), str(b))
    assert run.code == 1, run.stderr
    assert "body client_secret: different secret" in run.stdout
    assert "≠ body scope: A “api.read”  B “api.read api.write”" in run.stdout
    for secret in ("Client-Secret-Good-4411", "Client-Secret-Old-0917", "tok-d-4411"):
        assert secret not in run.stdout + run.stderr
    same = await workbench("diff", str(a), str(a), "--json")
    data = one_object(same)
    assert data["ok"] and data["outcome"] == "ok" and data["differences"] == 0
    assert any(r["field"] == "body client_secret: same secret" for r in data["rows"])



async def test_diff_of_two_session_exports_of_real_runs(server: RecordingServer,
                                                        tmp_path: Path) -> None:
    def token(seen: Seen) -> web.Response:
        if seen.form.get("client_secret") == "right-secret-8812":
            return web.json_response({"access_token": "at-good-771", "token_type": "Bearer",
                                      "scope": "read"})
        return web.json_response({"error": "invalid_client"}, status=401)

    server.route("POST", "/token", token)
    server.json("GET", "/me", {"login": "ada"})
    connector = tmp_path / "oauth.yaml"
    connector.write_text(textwrap.dedent(OAUTH))
    exports = []
    for name, secret in (("good", "right-secret-8812"), ("bad", "wrong-secret-0011")):
        run = await workbench("check", str(connector), "--set", f"url={server.url}",
                              "--set", "client_id=wb", "--set", f"client_secret={secret}",
                              "--json")
        data = one_object(run)
        path = tmp_path / f"{name}.json"
        path.write_text('{"format": "connection-workbench-session", "version": 1, "events": '
                        + json.dumps(data["steps"]) + "}")
        exports.append(path)
    run = await workbench("diff", str(exports[0]), str(exports[1]), "--json")
    data = one_object(run)
    assert data["outcome"] == "different"
    rows = {(r["step"], r["field"]): r for r in data["rows"]}
    status = rows[("token response", "status")]
    assert status["a"].startswith("200") and status["b"].startswith("401")
    # Exports are redacted: their secrets cannot be compared, and the diff says so.
    assert ("token", "body client_secret: not comparable (redacted before import)") in rows
    assert "right-secret-8812" not in run.stdout and "wrong-secret-0011" not in run.stdout
