"""Sesam manifests and the vendor schemes against the sandbox's strict stand-ins on 127.0.0.1:
`workbench check` for each scheme, then the behaviour a CLI run cannot show (re-login, retries,
the ticket cache) through `run_check` in-process."""

from __future__ import annotations

import asyncio
import base64
import html
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support.cli import ROOT, workbench
from workbench.core.auth import AuthContext, build_auth
from workbench.core.auth.vendors import superoffice
from workbench.core.authorize import authorize_and_check
from workbench.core.check import CheckResult, run_check
from workbench.core.config import load_connector
from workbench.core.events import EventLog
from workbench.core.redaction import Redactor
from workbench.sandbox import credentials
from workbench.sandbox.server import SandboxServer, start_sandbox

SANDBOX = ROOT / "connectors" / "sandbox"
SECRETS = (credentials.TRIPLETEX_TEST_CONSUMER_TOKEN, credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN,
           credentials.SUPEROFFICE_CLIENT_SECRET, credentials.SUPEROFFICE_SYSTEM_USER_TOKEN,
           credentials.WEBCRM_API_KEY, "BEGIN RSA PRIVATE KEY")


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    superoffice.TICKETS._tickets.clear()
    async with await start_sandbox() as running:
        yield running


def manifest(name: str) -> Path:
    return SANDBOX / f"sesam-{name}" / "manifest.json"


async def check(sandbox: SandboxServer, name: str, *args: str) -> tuple[int, str]:
    run = await workbench("check", str(manifest(name)), "--set", f"sandbox_url={sandbox.url}",
                          *args)
    output = run.stdout + run.stderr
    for secret in SECRETS:
        assert secret not in output
    return run.code, output


async def in_process(sandbox: SandboxServer, name: str, **values: str) -> CheckResult:
    loaded = load_connector(manifest(name))
    return await run_check(loaded.blueprint, {"sandbox_url": sandbox.url, **values}, EventLog())


def steps(result: CheckResult) -> list[str]:
    return [f"{e.step} {e.status}" for e in result.events]


# -- workbench check, one scheme at a time ------------------------------------------------------


@pytest.mark.parametrize(("name", "received"), [
    ("tripletex", ["consumer_token", "employee_token"]),
    ("webcrm", ["jwt_access_token", "jwt_refresh_token"]),
    ("superoffice", ["oauth_client_id", "oauth_client_secret", "so_ticket"]),
])
async def test_check_passes_and_says_what_the_system_receives(
        sandbox: SandboxServer, name: str, received: list[str]) -> None:
    code, output = await check(sandbox, name)
    assert code == 0, output
    assert "PASS ok" in output
    block = output.split("What the system receives:")[1]
    for secret in received:
        line = next(line for line in block.splitlines() if line.strip().startswith(secret))
        assert "characters)" in line and "MISSING" not in line


async def test_superoffice_without_a_sign_in_reports_the_oauth_tokens_missing(
        sandbox: SandboxServer) -> None:
    run = await workbench("check", str(manifest("superoffice")), "--json", "--set",
                          f"sandbox_url={sandbox.url}")
    receives = {s["name"]: s for s in json.loads(run.stdout)["system_receives"]}
    assert receives["so_ticket"]["present"] is True
    assert receives["oauth_access_token"] == {
        "name": "oauth_access_token", "present": False, "length": 0,
        "missing_because": "no token yet: sign in (Authorize…) first"}
    assert credentials.SUPEROFFICE_CLIENT_SECRET not in run.stdout


async def test_tripletex_sends_tokens_in_the_query_and_basic_zero(sandbox: SandboxServer) -> None:
    result = await in_process(sandbox, "tripletex")
    create, who = result.events
    url = httpx.URL(create.url)
    assert create.method == "PUT" and url.path.endswith("/v2/token/session/:create")
    assert set(url.params) == {"consumerToken", "employeeToken", "expirationDate"}
    assert create.request_body in (b"", "", None)
    assert who.url.endswith("/v2/token/session/%3EwhoAmI")
    assert result.verdict.ok


async def test_tripletex_test_tokens_in_production_get_the_environment_hint(
        sandbox: SandboxServer) -> None:
    code, output = await check(sandbox, "tripletex", "--set", "environment=production")
    assert code == 1
    assert "refused the consumer or employee token on the production environment" in output
    assert "choose the test environment" in output


async def test_tripletex_company_id_is_the_basic_username(sandbox: SandboxServer) -> None:
    client = await in_process(sandbox, "tripletex",
                              company_id=credentials.TRIPLETEX_CLIENT_COMPANY_ID)
    assert client.verdict.ok
    stranger = await in_process(sandbox, "tripletex", company_id="999")
    assert stranger.verdict.status == 403
    assert "Company 999 is not reachable" in stranger.verdict.hint


# -- webCRM: both login forms, re-login on 401, 429 -----------------------------------------------


async def control(sandbox: SandboxServer, method: str, path: str, body: object = None) -> dict:
    async with httpx.AsyncClient() as client:
        response = await client.request(method, f"{sandbox.url}/webcrm/_sandbox/{path}",
                                        json=body)
        response.raise_for_status()
        return response.json() if response.content else {}


@pytest.mark.parametrize("accept", ["header", "body"])
async def test_webcrm_login_uses_whichever_form_the_server_accepts(
        sandbox: SandboxServer, accept: str) -> None:
    await control(sandbox, "PUT", "login-form", {"accept": accept})
    code, output = await check(sandbox, "webcrm")
    assert code == 0, output
    logins = [line for line in output.splitlines() if "ApiLogin" in line]
    if accept == "header":
        assert len(logins) == 1 and "authCode header" in logins[0]
    else:
        assert len(logins) == 2 and "-> 400" in logins[0] and "form body" in logins[1]


async def test_webcrm_logs_in_again_after_a_401(sandbox: SandboxServer) -> None:
    loaded = load_connector(manifest("webcrm"))
    auth = build_auth(loaded.blueprint.authentication,
                      {"api_key": credentials.WEBCRM_API_KEY, "sandbox_url": sandbox.url},
                      AuthContext(Redactor()))
    async with httpx.AsyncClient(auth=auth, base_url=f"{sandbox.url}/webcrm") as client:
        assert (await client.get("/Persons")).status_code == 200
        await control(sandbox, "POST", "expire-tokens")
        assert (await client.get("/Persons")).status_code == 200
    assert auth.logins == 2  # type: ignore[attr-defined]


async def test_webcrm_waits_out_a_short_429_and_reports_a_long_one(
        sandbox: SandboxServer) -> None:
    await control(sandbox, "POST", "rate-limit", {"requests": 1, "retry_after": 1})
    started = time.monotonic()
    waited = await in_process(sandbox, "webcrm")
    assert waited.verdict.ok and time.monotonic() - started >= 1.0
    assert [s for s in steps(waited) if s.startswith("check")] == ["check 429", "check 200"]

    await control(sandbox, "POST", "rate-limit", {"requests": 1, "retry_after": 120})
    limited = await in_process(sandbox, "webcrm")
    assert limited.verdict.outcome == "rate_limited"
    assert "RetryAfterSeconds" in limited.verdict.hint


async def test_webcrm_wrong_token_is_explained_after_both_forms(sandbox: SandboxServer) -> None:
    result = await in_process(sandbox, "webcrm", api_key="00000000-0000-0000-0000-000000000000")
    assert result.verdict.outcome == "token_error"
    assert "tried the authCode header then the form body" in result.verdict.summary


# -- SuperOffice: the ticket, its cache and its renewal ------------------------------------------


async def test_superoffice_ticket_is_cached_and_renewed_after_a_401(
        sandbox: SandboxServer) -> None:
    first = await in_process(sandbox, "superoffice")
    assert first.verdict.ok, first.verdict
    assert "system user ticket 200" in steps(first)

    cached = await in_process(sandbox, "superoffice")
    assert cached.verdict.ok and steps(cached) == ["check 200"]

    async with httpx.AsyncClient() as client:
        expired = await client.post(f"{sandbox.url}/superoffice/_sandbox/expire-tickets")
        assert expired.is_success
    renewed = await in_process(sandbox, "superoffice")
    assert renewed.verdict.ok
    assert steps(renewed)[0] == "check 401" and steps(renewed)[-1] == "check 200"
    assert "system user ticket 200" in steps(renewed)


async def test_superoffice_rejects_a_ticket_meant_for_another_client(
        sandbox: SandboxServer) -> None:
    result = await in_process(sandbox, "superoffice", client_id="someone-else")
    assert result.verdict.outcome == "token_error"
    assert "cannot be trusted" in result.verdict.summary
    assert "spn:someone-else" in result.verdict.summary


async def test_superoffice_with_a_foreign_key_is_refused_in_plain_words(
        sandbox: SandboxServer) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    result = await in_process(sandbox, "superoffice", private_key=other)
    assert result.verdict.outcome == "token_error"
    assert "did not issue a system user ticket" in result.verdict.summary
    assert other.splitlines()[1] not in result.verdict.summary + result.verdict.hint

    garbage = await in_process(sandbox, "superoffice", private_key="not a key")
    assert garbage.verdict.outcome == "config_error"
    assert "PEM private key" in garbage.verdict.summary


def test_the_signed_system_token_verifies_with_the_partner_public_key() -> None:
    signed = superoffice.signed_system_token("App-123", credentials.SUPEROFFICE_PARTNER_PRIVATE_KEY)
    token, stamp, signature = signed.split(".")
    assert token == "App-123" and len(stamp) == 12 and stamp.isdigit()
    key = serialization.load_pem_private_key(
        credentials.SUPEROFFICE_PARTNER_PRIVATE_KEY.encode(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    key.public_key().verify(base64.b64decode(signature), f"{token}.{stamp}".encode(),
                            padding.PKCS1v15(), hashes.SHA256())  # raises if it does not match
    with pytest.raises(InvalidSignature):
        key.public_key().verify(base64.b64decode(signature), f"{token}.000000000000".encode(),
                                padding.PKCS1v15(), hashes.SHA256())


async def test_superoffice_sign_in_supplies_the_system_user_token(sandbox: SandboxServer) -> None:
    """Authorize…: the id_token of the OAuth2 sign-in carries the system user token, context
    and web API URL, so the form needs none of them; then the ticket works."""
    loaded = load_connector(manifest("superoffice"))
    consents: list[asyncio.Task[None]] = []

    async def consent(url: str) -> None:  # the admin presses Allow on the consent page
        async with httpx.AsyncClient() as browser:
            page = await browser.get(url)
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
            answer = await browser.post(url.split("?")[0], data={
                **{k: html.unescape(v) for k, v in fields.items()}, "decision": "allow"})
            await browser.get(answer.headers["location"])

    given = {"sandbox_url": sandbox.url, "system_user_token": "", "context_identifier": ""}
    result = await authorize_and_check(
        loaded.blueprint, given, EventLog(),
        lambda url: consents.append(asyncio.ensure_future(consent(url))), timeout=10)
    assert result.verdict.ok, result.verdict
    assert result.token is not None and result.token.id_token
    received = {s.name: s.present for s in result.received}
    assert received == {"oauth_access_token": True, "oauth_client_id": True,
                        "oauth_client_secret": True, "oauth_refresh_token": True,
                        "so_ticket": True}
