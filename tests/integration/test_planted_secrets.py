"""The planted-secret search (issue 14's "done when"): distinct secrets in every flow, against
servers that echo them back in bodies, headers, error descriptions, redirects and HTML, in
every encoding; then every output surface is searched for every form of every secret.

Surfaces here: CLI stdout and stderr (text, -v, --json, --log-level DEBUG), HAR and JSON
session exports and curl of every event. The GUI's visible text and the files it writes are
searched in tests/qt/test_planted_secrets_gui.py. To add a flow, add an entry to FLOWS (or a
test below) with its own distinct secrets; `assert_no_secret` does the search.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import textwrap
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.cli import ROOT, Run, workbench
from tests.support.echo_server import EchoServer, forms_of
from workbench import __version__
from workbench.core.config import load_connector
from workbench.core.curl import to_curl
from workbench.core.events import EventLog
from workbench.core.har import is_http, to_har
from workbench.core.session_export import to_json_export

TENANT = "TENANT-KEY-kk11aa"


@pytest.fixture
async def echo() -> AsyncIterator[EchoServer]:
    server = await EchoServer().start()
    yield server
    await server.close()


def assert_no_secret(text: str, secrets: Iterable[str], where: str) -> None:
    """No form of any secret (plain, URL-encoded, base64, HTML, JSON) is in `text`."""
    for secret in secrets:
        for form_name, form in forms_of(secret).items():
            assert form not in text, f"{secret!r} leaked as {form_name} in {where}: " + \
                text[max(0, text.find(form) - 150):text.find(form) + 150]


def basic_blobs(user: str, password: str) -> list[str]:
    from urllib.parse import quote

    pairs = {f"{user}:{password}", f"{quote(user, safe='')}:{quote(password, safe='')}"}
    return [base64.b64encode(p.encode()).decode() for p in pairs] + list(pairs)


@dataclass
class Flow:
    auth: str
    values: dict[str, str]
    endpoint: str = "/api"
    token_answer: str = "ok"
    user: str = ""  # whose Basic pair carries the first secret
    extra_args: list[str] = field(default_factory=list)
    outcome: tuple[str, ...] = ("unauthorized",)

    @property
    def planted(self) -> list[str]:
        secrets = [v for k, v in self.values.items() if k not in ("client_id", "username")]
        if self.user:
            password = self.values.get("password") or self.values["client_secret"]
            secrets += basic_blobs(self.user, password)
        return [*secrets, TENANT]


def _connector(auth: str, endpoint: str) -> str:
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
              endpoint: "{{{{%BASE_URL%}}}}{endpoint}"
              headers:
                X-Tenant: "{{{{%tenant_key%}}}}"
              query_params:
                tenant: "{{{{%tenant_key%}}}}"
        """).format(auth=textwrap.indent(textwrap.dedent(auth).strip(), " " * 6),
                    endpoint=endpoint)


def _oauth(grant: str, basic: bool, extra: str = "") -> str:
    return f"""
        - name: auth
          type: authentication
          auth_type: oauth2
          oauth2_settings:
            grant_type: {grant}
            token_url: "{{url}}/token"
            is_basic_auth: {"true" if basic else "false"}
            scopes: "read write"
          fields:
            - name: client_id
            - name: client_secret
              is_encrypted: true
{extra}"""


API_KEY = """
    - name: auth
      type: authentication
      auth_type: api_key
      location: {location}
      fields:
        - name: key_name
          value: {name}
"""

FLOWS = {
    "bearer": Flow("""
        - name: auth
          type: authentication
          auth_type: bearer
        """, {"bearer_token": "BEARER-SECRET-aa11/+="}),
    "basic_http, echoed as HTML": Flow("""
        - name: auth
          type: authentication
          auth_type: basic_http
        """, {"username": "ada", "password": "BASIC-PASS-bb22 &<\"'/"}, endpoint="/api/html",
        user="ada"),
    "api_key header": Flow(API_KEY.format(location="header", name="X-Custom-Key"),
                           {"key_value": "HDRKEY-cc33/x+y"}),
    "api_key query": Flow(API_KEY.format(location="query_param", name="sig"),
                          {"key_value": "QRYKEY-dd44&z=1"}),
    "api_key query, redirected": Flow(API_KEY.format(location="query_param", name="sig"),
                                      {"key_value": "QRYKEY-dd45&z=1"}, endpoint="/redirect",
                                      outcome=("bad_request", "unauthorized")),
    "client_credentials in the body": Flow(_oauth("client_credentials", False), {
        "client_id": "cid", "client_secret": "CC-BODY-ee55+/&"}),
    "client_credentials in a Basic header": Flow(_oauth("client_credentials", True), {
        "client_id": "cid:x", "client_secret": "CC-BASIC-ee56 /%"}, user="cid:x"),
    "refresh_token": Flow(_oauth("refresh_token", False, """
            - name: refresh_token
              is_encrypted: true
    """), {"client_id": "cid", "client_secret": "CC-RT-ee57", "refresh_token": "RT-IN-ii99/+"}),
    "token error echoing the secret (Basic)": Flow(_oauth("refresh_token", True, """
            - name: refresh_token
              is_encrypted: true
    """), {"client_id": "cid", "client_secret": "CC-ERR-ff01=&", "refresh_token": "RT-ERR-ff02"},
        token_answer="error", user="cid", outcome=("token_error",)),
    "a 400 token answer without error": Flow(_oauth("client_credentials", False), {
        "client_id": "cid", "client_secret": "CC-400-gg03"}, token_answer="no-error",
        outcome=("token_error",)),
    "authorization_code pasted": Flow(_oauth("authorization_code", True, """
            - name: code
              is_encrypted: true
            - name: redirect_uri
              value: http://127.0.0.1:9/cb
    """), {"client_id": "cid", "client_secret": "CC-CODE-hh04", "code": "PASTED-CODE-hh05"},
        user="cid"),
}


def _sets(values: dict[str, str]) -> list[str]:
    return [a for k, v in values.items() for a in ("--set", f"{k}={v}")]


def _search_cli(runs: Iterable[Run], secrets: Iterable[str], where: str) -> None:
    secrets = list(secrets)
    for run in runs:
        assert_no_secret(run.stdout, secrets, f"{where} stdout")
        assert_no_secret(run.stderr, secrets, f"{where} stderr")


def _search_exports(log: EventLog, secrets: Iterable[str], where: str) -> None:
    secrets = list(secrets)
    har = json.dumps(to_har(log, log.redactor, creator_version=__version__), ensure_ascii=False)
    assert_no_secret(har, secrets, f"{where} HAR")
    session = json.dumps(to_json_export(log, log.redactor, version=__version__),
                         ensure_ascii=False)
    assert_no_secret(session, secrets, f"{where} JSON export")
    for event in log:
        if is_http(event):
            assert_no_secret(to_curl(event, log.redactor), secrets, f"{where} curl")
    assert "[redacted]" in har


@pytest.mark.parametrize("name", sorted(FLOWS))
async def test_no_form_of_a_planted_secret_leaves_a_check(name: str, echo: EchoServer,
                                                          tmp_path: Path) -> None:
    flow = FLOWS[name]
    echo.token_answer = flow.token_answer
    path = tmp_path / "leaky.yaml"
    path.write_text(_connector(flow.auth, flow.endpoint))
    sets = _sets({**flow.values, "url": echo.url})
    env = {"WB_TENANT_KEY": TENANT}
    text = await workbench("--log-level", "DEBUG", "check", str(path), "-v", *sets, env=env)
    as_json = await workbench("--log-level", "DEBUG", "check", str(path), "--json", *sets,
                              env=env)
    assert json.loads(as_json.stdout)["outcome"] in flow.outcome, as_json.stdout[-1500:]
    assert "DEBUG" in text.stderr and len(echo.seen) >= 2, "the requests really went out"
    assert "[redacted]" in text.stdout
    _search_cli([text, as_json], flow.planted + echo.issued, name)

    from workbench.core.check import CheckOptions, run_check

    log = EventLog()
    result = await run_check(load_connector(path).blueprint,
                             {**flow.values, "url": echo.url, "tenant_key": TENANT}, log,
                             CheckOptions())
    secrets = flow.planted + echo.issued
    _search_exports(log, secrets, name)
    assert_no_secret(repr(result.verdict), secrets, f"{name} verdict")


async def test_the_authorization_code_flow_through_authorize(echo: EchoServer,
                                                             tmp_path: Path) -> None:
    flow = Flow(_oauth("authorization_code", True, """
            - name: redirect_uri
              value: http://127.0.0.1/callback
    """).replace('token_url: "{url}/token"', 'token_url: "{url}/token"\n'
                 '            authorization_url: "{url}/authorize"'),
        {"client_id": "cid", "client_secret": "CC-AUTHZ-jj06/+"}, user="cid")
    path = tmp_path / "authorize.yaml"
    path.write_text(_connector(flow.auth, "/api"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", "--log-level", "DEBUG", "authorize", str(path),
        "--browser", "none", "--json", "-v", *_sets({**flow.values, "url": echo.url}),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "WB_TENANT_KEY": TENANT})
    assert process.stderr is not None
    seen_err = b""
    while True:
        line = await asyncio.wait_for(process.stderr.readline(), 60)
        assert line, "no authorization URL printed"
        seen_err += line
        if line.strip().startswith(b"http://"):
            break
    async with httpx.AsyncClient(follow_redirects=True) as browser:  # the user's browser
        await browser.get(line.decode().strip())
    out, err = await asyncio.wait_for(process.communicate(), 60)
    report = json.loads(out)
    assert report["token"] is not None, err.decode()[-2000:]
    assert "code exchange" in [step["step"] for step in report["steps"]]
    run = Run(process.returncode or 0, out.decode(), (seen_err + err).decode())
    _search_cli([run], flow.planted + echo.issued, "authorize")


async def test_the_device_flow(echo: EchoServer, tmp_path: Path) -> None:
    # redirect_uri given: without it the device flow ends in config_error after the login
    # (OAuth area, issue 14: "the device grant needs none").
    flow = Flow(_oauth("client_credentials", True, """
            - name: redirect_uri
              value: http://127.0.0.1/callback
    """).replace("grant_type: client_credentials", "grant_type: authorization_code\n"
                 '            device_authorization_url: "{url}/device"'),
        {"client_id": "cid", "client_secret": "CC-DEVICE-kk07&"}, user="cid")
    path = tmp_path / "device.yaml"
    path.write_text(_connector(flow.auth, "/api"))
    run = await workbench("--log-level", "DEBUG", "authorize", str(path), "--device", "--json",
                          *_sets({**flow.values, "url": echo.url}),
                          env={"WB_TENANT_KEY": TENANT})
    report = json.loads(run.stdout)
    assert report["token"] is not None, run.stderr[-2000:]
    assert [s for s in echo.seen if s.path == "/device"]
    _search_cli([run], flow.planted + echo.issued, "device flow")


DECK_SECRET, DECK_PASSWORD, DECK_TOKEN = "DECK-KEY-ll08/+", "DECK-PW-ll09 &", "DECK-AT-ll10="


async def test_a_deck_job(echo: EchoServer, tmp_path: Path) -> None:
    secrets = [DECK_SECRET, DECK_PASSWORD, DECK_TOKEN]
    base = ["job", "sandbox_deck", "--set", f"base_url={echo.url}/deck", "--set",
            f"secret={DECK_SECRET}", "--timeout", "1", "--input", "username=ada", "--input",
            f"password={DECK_PASSWORD}", "--input", f"access_token={DECK_TOKEN}"]
    text = await workbench("--log-level", "DEBUG", *base)
    as_json = await workbench("--log-level", "DEBUG", *base, "--json")
    assert json.loads(as_json.stdout)["outcome"] == "failed"
    _search_cli([text, as_json], secrets, "deck job")

    from workbench.core.platforms.deck import DeckClient, job_input, run_job
    from workbench.core.transport import create_client
    from workbench.core.webhooks import WebhookReceiver

    log = EventLog()
    async with await WebhookReceiver(log, []).start() as receiver, create_client(log) as http:
        deck = DeckClient(http, echo.url + "/deck", "cid", DECK_SECRET, log.redactor)
        await run_job(deck, receiver, "EnsureConnection", job_input({
            "source_guid": "s", "username": "ada", "password": DECK_PASSWORD,
            "access_token": DECK_TOKEN, "webhook_url": receiver.url}), 1)
    _search_exports(log, secrets, "deck job")


STACKONE_KEY = "STACKONE-KEY-mm11/+"


async def test_a_stackone_link(echo: EchoServer) -> None:
    base = ["link", "sandbox_stackone", "--set", f"base_url={echo.url}/stackone", "--set",
            f"api_key={STACKONE_KEY}", "--timeout", "1"]
    text = await workbench("--log-level", "DEBUG", *base)
    as_json = await workbench("--log-level", "DEBUG", *base, "--json")
    assert json.loads(as_json.stdout)["outcome"] == "no_account"
    secrets = [STACKONE_KEY, *basic_blobs(STACKONE_KEY, "")]
    _search_cli([text, as_json], secrets, "stackone link")


PROXY_PASSWORD = "PROXY-PASS-nn12/&"


async def test_a_proxy_with_credentials(echo: EchoServer, tmp_path: Path) -> None:
    """The proxy echoes the Proxy-Authorization it got; the URL's password is a secret too."""
    flow = FLOWS["bearer"]
    path = tmp_path / "proxied.yaml"
    path.write_text(_connector(flow.auth, "/api"))
    password = PROXY_PASSWORD.replace("/", "%2F").replace("&", "%26")
    proxy = echo.url.replace("http://", f"http://proxyuser:{password}@")
    sets = _sets({**flow.values, "url": "http://echo.test"})
    text = await workbench("--log-level", "DEBUG", "check", str(path), "-v", "--proxy", proxy,
                           *sets, env={"WB_TENANT_KEY": TENANT})
    as_json = await workbench("--log-level", "DEBUG", "check", str(path), "--json", "--proxy",
                              proxy, *sets, env={"WB_TENANT_KEY": TENANT})
    assert any(s.header("Proxy-Authorization") for s in echo.seen), "the proxy was used"
    assert json.loads(as_json.stdout)["outcome"] == "unauthorized"
    secrets = [*flow.planted, PROXY_PASSWORD, *basic_blobs("proxyuser", PROXY_PASSWORD)]
    _search_cli([text, as_json], secrets, "proxy")


@pytest.mark.parametrize("vendor", ["tripletex", "superoffice", "webcrm"])
async def test_the_vendor_schemes(vendor: str) -> None:
    """The sandbox's stand-ins for Tripletex, SuperOffice and webCRM; their own credentials
    and the sessions, tickets and JWTs they hand out are the planted secrets here."""
    from workbench.sandbox import credentials
    from workbench.sandbox.server import start_sandbox

    planted = {
        "tripletex": [credentials.TRIPLETEX_TEST_CONSUMER_TOKEN,
                      credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN],
        "superoffice": [credentials.SUPEROFFICE_CLIENT_SECRET,
                        credentials.SUPEROFFICE_SYSTEM_USER_TOKEN],
        "webcrm": [credentials.WEBCRM_API_KEY],
    }[vendor]
    manifest = ROOT / "connectors" / "sandbox" / f"sesam-{vendor}" / "manifest.json"
    async with await start_sandbox() as sandbox:
        runs = [await workbench("--log-level", "DEBUG", "check", str(manifest), mode, "--set",
                                f"sandbox_url={sandbox.url}") for mode in ("-v", "--json")]
        log = EventLog()
        from workbench.core.check import run_check

        await run_check(load_connector(manifest).blueprint, {"sandbox_url": sandbox.url}, log)
    learned = [v for v in log.redactor._values if len(v) >= 12]
    _search_cli(runs, planted + learned, vendor)
    _search_exports(log, planted + learned, vendor)
