"""A support bundle holds the whole run and not one secret: planted in the connector file, the
token request, the token answer, cookies, the API's echo, a webhook and the proxy URL, and
searched for in every file of the zip, in every encoding."""

from __future__ import annotations

import base64
import json
import textwrap
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from aiohttp import web

from tests.support.cli import workbench
from tests.support.json_output import one_object
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.bundle import BundleContents, write_bundle
from workbench.core.check import run_check
from workbench.core.config.loader import load_connector
from workbench.core.events import Event, EventLog
from workbench.core.jwt import decode_jwt

CLIENT_SECRET = "Client-Secret-Planted-7731"
DEFAULT_SECRET = "Default-Secret-In-File-0042"
SIGNATURE = "U2lnbmF0dXJlLVBsYW50ZWQtOTk"
ACCESS = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."
          + base64.urlsafe_b64encode(json.dumps({
              "aud": "https://api.example.com", "iss": "https://idp.example.com",
              "scp": "read", "exp": 4102444800}).encode()).rstrip(b"=").decode()
          + "." + SIGNATURE)
REFRESH = "Refresh-Token-Planted-5518"
COOKIE = "Session-Cookie-Planted-3307"
ECHOED = "Session-Token-Echoed-6620"
WEBHOOK_SECRET = "Webhook-Signing-Secret-1193"
PROXY_PASSWORD = "Proxy-Pass-Planted-4480"
PLANTED = (CLIENT_SECRET, DEFAULT_SECRET, SIGNATURE, ACCESS, REFRESH, COOKIE, ECHOED,
           WEBHOOK_SECRET, PROXY_PASSWORD)

CONNECTOR = textwrap.dedent("""\
    interface_parameters:
      section:
        source:
          - name: url
            type: string
          - name: api_pin
            type: string
            is_encrypted: true
            value: "{default}"
          - name: auth
            type: authentication
            auth_type: oauth2
            oauth2_settings:
              grant_type: client_credentials
              token_url: "{{url}}/token"
            fields:
              - name: client_id
              - name: client_secret
                is_encrypted: true
    connector:
      name: Bundled API
      base_url: "{{url}}"
    pre_run_configurations:
      steps:
        - name: me
          type: rest
          endpoint: "{{{{%BASE_URL%}}}}/me"
    """).format(default=DEFAULT_SECRET)


def forms(secret: str) -> set[str]:
    """The ways a secret can be written down: plain, URL-encoded, base64, JSON-escaped."""
    return {secret, quote(secret, safe=""), quote_plus(secret),
            base64.b64encode(secret.encode()).decode().rstrip("="),
            base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
            json.dumps(secret)[1:-1]}


def assert_no_secret(bundle: Path) -> dict[str, str]:
    with zipfile.ZipFile(bundle) as archive:
        files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    for name, text in files.items():
        for secret in PLANTED:
            for form in forms(secret):
                assert form not in text, f"{secret!r} ({form!r}) in {name}"
    return files


@pytest.fixture
def api(server: RecordingServer) -> RecordingServer:
    def token(seen: Seen) -> web.Response:
        assert seen.form.get("client_secret") == CLIENT_SECRET
        response = web.json_response({"access_token": ACCESS, "token_type": "Bearer",
                                      "expires_in": 3600, "refresh_token": REFRESH})
        response.set_cookie("sid", COOKIE, httponly=True)
        return response

    def me(seen: Seen) -> web.Response:
        assert seen.header("authorization") == f"Bearer {ACCESS}"
        return web.json_response({"login": "ada", "session_token": ECHOED,
                                  "debug": f"you sent {ACCESS} and {CLIENT_SECRET}"})

    server.route("POST", "/token", token)
    server.route("GET", "/me", me)
    return server


async def test_every_part_of_a_bundle_is_free_of_planted_secrets(
        api: RecordingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://proxyuser:{PROXY_PASSWORD}@127.0.0.1:9")
    connector = tmp_path / "bundled.yaml"
    connector.write_text(CONNECTOR)
    loaded = load_connector(connector)
    log = EventLog()
    result = await run_check(loaded.blueprint, {"url": api.url, "client_id": "wb",
                                                "client_secret": CLIENT_SECRET}, log)
    assert result.verdict.ok, result.verdict
    log.append(Event("webhook", flow="webhooks", step="delivery", method="POST",
                     url="http://127.0.0.1:8900/hooks",
                     request_headers=[("webhook-signature", f"v1,{WEBHOOK_SECRET}"),
                                      ("Content-Type", "application/json")],
                     request_body=json.dumps({"type": "job.done", "secret": WEBHOOK_SECRET,
                                              "access_token": ACCESS}).encode()))
    log.redactor.add_value(WEBHOOK_SECRET)  # the receiver knows its signing secret
    bundle = tmp_path / "bundle.zip"
    manifest = write_bundle(bundle, BundleContents(
        list(log), log.redactor, "9.9.9-test", verdicts=[result.verdict.to_dict()],
        connector_file=connector, secret_names=["api_pin", "client_secret"]))
    files = assert_no_secret(bundle)
    assert set(files) >= {"run.har", "timeline.txt", "verdicts.json", "environment.json",
                          "manifest.json", "connector/bundled.yaml", "webhooks/001.json"}
    # JWTs keep their header and claims, lose their signature.
    har = json.loads(files["run.har"])
    api_call = next(e for e in har["log"]["entries"] if e["request"]["url"].endswith("/me"))
    sent = next(h["value"] for h in api_call["request"]["headers"]
                if h["name"].lower() == "authorization")
    decoded = decode_jwt(sent.split(" ", 1)[1])
    assert decoded is not None and decoded.claims["aud"] == "https://api.example.com"
    assert sent.endswith(".signature-removed")
    # The manifest lists what was masked, by field and kind.
    kinds = {(r["field"], r["kind"]) for r in manifest["redactions"]}
    assert ("form client_secret", "form") in kinds
    assert ("json refresh_token", "json") in kinds
    assert ("json access_token", "jwt signature") in kinds
    assert ("cookie sid", "set-cookie") in kinds
    assert ("connector api_pin", "secret value") in kinds
    assert all(r["count"] >= 1 for r in manifest["redactions"])
    environment = json.loads(files["environment.json"])
    assert environment["proxy"]["environment"]["HTTPS_PROXY"].endswith("@127.0.0.1:9")
    assert environment["packages"]["httpx"] and environment["trust_store"]["verify"] is True
    assert "Bundled API" in files["connector/bundled.yaml"]
    assert json.loads(files["verdicts.json"])[0]["outcome"] == "ok"


async def test_check_writes_a_bundle_from_the_command_line(api: RecordingServer,
                                                           tmp_path: Path) -> None:
    connector = tmp_path / "bundled.yaml"
    connector.write_text(CONNECTOR)
    bundle = tmp_path / "out.zip"
    run = await workbench("check", str(connector), "--set", f"url={api.url}", "--set",
                          "client_id=wb", "--set", f"client_secret={CLIENT_SECRET}",
                          "--bundle", str(bundle), "--json")
    data = one_object(run)
    assert data["ok"] and data["bundle"] == str(bundle)
    assert "Support bundle written to" in run.stderr
    files = assert_no_secret(bundle)
    assert "Bundled API" in files["connector/bundled.yaml"]
    assert len(json.loads(files["run.har"])["log"]["entries"]) == 2
    for secret in PLANTED:
        assert secret not in run.stdout + run.stderr


async def test_a_bundle_that_cannot_be_written_is_said(api: RecordingServer,
                                                       tmp_path: Path) -> None:
    connector = tmp_path / "bundled.yaml"
    connector.write_text(CONNECTOR)
    target = tmp_path / "no-such-folder" / "out.zip"
    run = await workbench("check", str(connector), "--set", f"url={api.url}", "--set",
                          "client_id=wb", "--set", f"client_secret={CLIENT_SECRET}",
                          "--bundle", str(target))
    assert run.code == 2 and "could not be written" in run.stderr
    assert "PASS ok" in run.stdout and not target.exists()


async def test_two_bundles_compare_by_their_jwt_claims(api: RecordingServer,
                                                       tmp_path: Path) -> None:
    from workbench.core.redaction import Redactor
    from workbench.core.run_diff import diff_runs
    from workbench.core.run_files import read_run

    connector = tmp_path / "bundled.yaml"
    connector.write_text(CONNECTOR)
    loaded = load_connector(connector)
    bundles = []
    for name in ("a", "b"):
        log = EventLog()
        result = await run_check(loaded.blueprint, {"url": api.url, "client_id": name,
                                                    "client_secret": CLIENT_SECRET}, log)
        assert result.verdict.ok
        bundles.append(tmp_path / f"{name}.zip")
        write_bundle(bundles[-1], BundleContents(list(log), log.redactor, "test"))
    a, b = read_run(bundles[0]), read_run(bundles[1])
    assert a.kind == "bundle" and len(a.events) == 2
    diff = diff_runs(a.events, b.events, Redactor())
    rows = {(r.step, r.field): r for r in diff.rows}
    assert rows[("token response access_token", "claim aud")].a == "https://api.example.com"
    assert rows[("token", "body client_id")].matters  # a vs b
    assert rows[("token", "body client_secret: not comparable (redacted before import)")]
