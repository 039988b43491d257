"""The Tripletex, SuperOffice and webCRM stand-ins check the wire format, both ways, for real."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from workbench.sandbox import SandboxServer, credentials, start_sandbox, superoffice, tripletex
from workbench.sandbox import webcrm as webcrm_module

PROD, TEST = "/tripletex/production", "/tripletex/test"
REDIRECT = "http://127.0.0.1:8976/callback"
CLAIM = "http://schemes.superoffice.net/identity/"
SO_API = f"/superoffice/{credentials.SUPEROFFICE_CONTEXT}/api/v1"


class FakeClock:
    """A clock the test moves by hand, starting now, so expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as server:
        yield server


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=5) as http:
        yield http


async def serve(prefix: str, app: web.Application) -> tuple[web.AppRunner, str]:
    """One stand-in built with non-default arguments, on its own 127.0.0.1 server."""
    root = web.Application()
    root.add_subapp(prefix, app)
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


# --- Tripletex -------------------------------------------------------------------------------

def tomorrow(days: int = 1) -> str:
    return (datetime.now(timezone.utc).date() + timedelta(days=days)).isoformat()


def tripletex_params(environment: str = "test", **overrides: str) -> dict[str, str]:
    prefix = "TRIPLETEX_TEST_" if environment == "test" else "TRIPLETEX_"
    params = {"consumerToken": getattr(credentials, f"{prefix}CONSUMER_TOKEN"),
              "employeeToken": getattr(credentials, f"{prefix}EMPLOYEE_TOKEN"),
              "expirationDate": tomorrow()}
    return {k: v for k, v in {**params, **overrides}.items() if v != "-"}


def tripletex_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert Tripletex's error shape and return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "code", "message", "link", "developerMessage",
                         "validationMessages", "requestId"}
    assert body["status"] == status and isinstance(body["code"], int) and body["link"] is None
    uuid.UUID(body["requestId"])
    return dict(body)


async def session_token(client: httpx.AsyncClient, environment: str = "test") -> str:
    response = await client.put(f"/tripletex/{environment}/v2/token/session/:create",
                                params=tripletex_params(environment))
    assert response.status_code == 200, response.text
    return str(response.json()["value"]["token"])


async def test_tripletex_session_from_the_query_string_then_who_am_i(
        client: httpx.AsyncClient) -> None:
    expiry = tomorrow(3)
    created = await client.put(f"{TEST}/v2/token/session/:create",
                               params=tripletex_params(expirationDate=expiry))
    assert created.status_code == 200, created.text
    value = created.json()["value"]
    assert value["version"] == 0 and isinstance(value["id"], int)
    assert value["consumerToken"] == {"id": 102} and value["employeeToken"] == {"id": 202}
    assert value["expirationDate"] == expiry and len(value["token"]) > 20
    other = await session_token(client)
    assert other != value["token"]
    who = await client.get(f"{TEST}/v2/token/session/%3EwhoAmI", auth=("0", value["token"]))
    assert who.status_code == 200, who.text
    assert who.json() == {"value": {"employeeId": 1, "actualEmployeeId": 1,
                                    "companyId": 2001, "language": "en"}}
    blank = await client.get(f"{TEST}/v2/token/session/>whoAmI", auth=("", value["token"]))
    assert blank.json()["value"]["companyId"] == 2001
    companies = await client.get(f"{TEST}/v2/company/>withLoginAccess", auth=("0", other))
    listed = companies.json()
    assert listed["fullResultSize"] == len(listed["values"]) == 2
    assert {c["id"] for c in listed["values"]} == {2001, 4242}


async def test_tripletex_who_am_i_matches_a_raw_greater_than_sign(
        sandbox: SandboxServer, client: httpx.AsyncClient) -> None:
    token = await session_token(client)
    basic = base64.b64encode(f"0:{token}".encode()).decode()
    reader, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
    writer.write(f"GET {TEST}/v2/token/session/>whoAmI HTTP/1.1\r\nHost: {sandbox.host}\r\n"
                 f"Authorization: Basic {basic}\r\nConnection: close\r\n\r\n".encode())
    raw = await reader.read()
    writer.close()
    assert raw.startswith(b"HTTP/1.1 200"), raw[:200]
    assert b'"companyId": 2001' in raw


async def test_tripletex_client_company_or_nothing(client: httpx.AsyncClient) -> None:
    token = await session_token(client, "production")
    url = f"{PROD}/v2/token/session/>whoAmI"
    own = await client.get(url, auth=("0", token))
    assert own.json()["value"]["companyId"] == 1001
    client_company = await client.get(url, auth=(credentials.TRIPLETEX_CLIENT_COMPANY_ID, token))
    assert client_company.json()["value"]["companyId"] == 4242
    body = tripletex_error(await client.get(url, auth=("999", token)), 403)
    assert "'999' is not a client of this employee" in body["message"]


@pytest.mark.parametrize(("kind", "send"), [
    ("form", {"data": tripletex_params()}),
    ("json", {"json": tripletex_params()}),
    ("both", {"params": tripletex_params(), "data": {"consumerToken": "x"}}),
])
async def test_tripletex_parameters_in_a_body_are_refused(
        client: httpx.AsyncClient, kind: str, send: dict[str, Any]) -> None:
    response = await client.put(f"{TEST}/v2/token/session/:create", **send)
    body = tripletex_error(response, 400)
    assert "go in the query string" in body["message"]
    assert "with no body" in body["developerMessage"]
    if kind == "form":
        assert "form fields consumerToken, employeeToken, expirationDate" in (
            body["developerMessage"])


async def test_tripletex_other_methods_are_not_allowed(client: httpx.AsyncClient) -> None:
    for method in ("GET", "POST"):
        response = await client.request(method, f"{TEST}/v2/token/session/:create",
                                        params=tripletex_params())
        body = tripletex_error(response, 405)
        assert response.headers["Allow"] == "PUT" and "use PUT" in body["message"]


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"employeeToken": "-"}, "employeeToken", "employeeToken is missing"),
    ({"consumerToken": ""}, "consumerToken", "consumerToken is missing"),
    ({"expirationDate": "-"}, "expirationDate", "expirationDate is missing"),
    ({"expirationDate": "today"}, "expirationDate", "must be after today"),
    ({"expirationDate": "2030-13-01"}, "expirationDate", "format YYYY-MM-DD"),
    ({"expirationDate": "01.01.2030"}, "expirationDate", "format YYYY-MM-DD"),
    ({"expirationDate": "2030-1-1"}, "expirationDate", "format YYYY-MM-DD"),
])
async def test_tripletex_missing_parameters_and_bad_dates_are_422(
        client: httpx.AsyncClient, overrides: dict[str, str], field: str, words: str) -> None:
    if overrides.get("expirationDate") == "today":
        overrides = {"expirationDate": datetime.now(timezone.utc).date().isoformat()}
    response = await client.put(f"{TEST}/v2/token/session/:create",
                                params=tripletex_params(**overrides))
    body = tripletex_error(response, 422)
    assert [m["field"] for m in body["validationMessages"]] == [field]
    assert words in body["validationMessages"][0]["message"] and words in body["developerMessage"]


async def test_tripletex_tokens_belong_to_one_environment(client: httpx.AsyncClient) -> None:
    url = f"{PROD}/v2/token/session/:create"
    wrong = tripletex_error(await client.put(url, params=tripletex_params("test")), 403)
    assert "consumer token" in wrong["message"]
    assert "belongs to the test environment" in wrong["developerMessage"]
    mixed = tripletex_params("production", employeeToken=credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN)
    assert "employee token" in tripletex_error(await client.put(url, params=mixed), 403)["message"]
    unknown = tripletex_params("production", consumerToken="nope")
    assert tripletex_error(await client.put(url, params=unknown), 403)["code"] == 9000
    test_session = await session_token(client, "test")
    elsewhere = await client.get(f"{PROD}/v2/token/session/>whoAmI", auth=("0", test_session))
    assert "not a session token of the production" in tripletex_error(elsewhere, 401)["message"]


async def test_tripletex_who_am_i_wants_basic_with_a_live_session(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"{TEST}/v2/token/session/>whoAmI"
    token = await session_token(client)
    for headers, words in (
        ({}, "expected the Basic scheme"),
        ({"Authorization": f"Bearer {token}"}, "expected the Basic scheme, got 'Bearer'"),
        ({"Authorization": f"Basic 0:{token}"}, "not valid base64"),
        ({"Authorization": "Basic " + base64.b64encode(b"0:nope").decode()}, "not a session"),
        ({"Authorization": "Basic " + base64.b64encode(
            f"0:{credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN}".encode()).decode()},
         "exchange it at PUT /v2/token/session/:create"),
    ):
        response = await client.get(url, headers=headers)
        assert response.headers["WWW-Authenticate"] == 'Basic realm="tripletex"'
        assert words in tripletex_error(response, 401)["message"]
    expiry = date.fromisoformat(tomorrow())
    monkeypatch.setattr(tripletex, "_today", lambda: expiry)
    assert (await client.get(url, auth=("0", token))).status_code == 200  # its last day
    monkeypatch.setattr(tripletex, "_today", lambda: expiry + timedelta(days=1))
    expired = tripletex_error(await client.get(url, auth=("0", token)), 401)
    assert "expired" in expired["message"]


async def test_tripletex_tokens_never_reach_the_access_log(
        client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="workbench.sandbox.access")
    await session_token(client)
    for _ in range(50):
        if ":create" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "consumerToken=***" in caplog.text
    assert credentials.TRIPLETEX_TEST_CONSUMER_TOKEN not in caplog.text


# --- SuperOffice: the system-user ticket -----------------------------------------------------

def partner_key() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(
        credentials.SUPEROFFICE_PARTNER_PRIVATE_KEY.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signed_system_token(moment: datetime | None = None, key: rsa.RSAPrivateKey | None = None,
                        token: str = credentials.SUPEROFFICE_SYSTEM_USER_TOKEN) -> str:
    stamp = f"{moment or datetime.now(timezone.utc):%Y%m%d%H%M}"
    data = f"{token}.{stamp}"
    signature = (key or partner_key()).sign(data.encode("ascii"), padding.PKCS1v15(),
                                            hashes.SHA256())
    return f"{data}.{base64.b64encode(signature).decode()}"


def authenticate_body(**overrides: Any) -> dict[str, Any]:
    return {"SignedSystemToken": signed_system_token(),
            "ApplicationToken": credentials.SUPEROFFICE_CLIENT_SECRET,
            "ContextIdentifier": credentials.SUPEROFFICE_CONTEXT, "ReturnTokenType": "JWT",
            **overrides}


async def verified_claims(client: httpx.AsyncClient, jwt: str) -> dict[str, Any]:
    """Verify an RS256 JWT against the stand-in's JWKS, as a client must; return its claims."""
    jwks = (await client.get("/superoffice/login/.well-known/jwks")).json()
    header_part, claims_part, signature_part = jwt.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_part + "=="))
    assert header["alg"] == "RS256"
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert (jwk["kty"], jwk["use"], jwk["alg"]) == ("RSA", "sig", "RS256")

    def number(value: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")

    public = rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
    public.verify(base64.urlsafe_b64decode(signature_part + "=" * (-len(signature_part) % 4)),
                  f"{header_part}.{claims_part}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return dict(json.loads(base64.urlsafe_b64decode(claims_part + "=" * (-len(claims_part) % 4))))


async def new_ticket(client: httpx.AsyncClient) -> str:
    response = await client.post("/superoffice/login/api/PartnerSystemUser/Authenticate",
                                 json=authenticate_body())
    assert response.json()["IsSuccessful"], response.text
    claims = await verified_claims(client, response.json()["Token"])
    return str(claims[f"{CLAIM}ticket"])


def so_headers(ticket: str, app_token: str = credentials.SUPEROFFICE_CLIENT_SECRET) -> dict[
        str, str]:
    return {"Authorization": f"SOTicket {ticket}", "SO-AppToken": app_token}


async def test_a_signed_system_token_buys_a_verifiable_jwt_with_a_ticket(
        sandbox: SandboxServer, client: httpx.AsyncClient) -> None:
    for path in ("/superoffice/login/api/PartnerSystemUser/Authenticate",
                 "/superoffice/Login/api/PartnerSystemUser/Authenticate"):
        response = await client.post(path, json=authenticate_body())
        assert response.status_code == 200
        body = response.json()
        assert body["IsSuccessful"] is True and body["ErrorMessage"] == ""
        claims = await verified_claims(client, body["Token"])
        base = f"{sandbox.url}/superoffice"
        discovery = (await client.get("/superoffice/login/.well-known/openid-configuration"))
        assert claims["iss"] == discovery.json()["issuer"] == f"{base}/login"
        assert discovery.json()["jwks_uri"] == f"{base}/login/.well-known/jwks"
        assert claims["aud"] == f"spn:{credentials.SUPEROFFICE_CLIENT_ID}"
        assert claims[f"{CLAIM}ticket"].startswith("7T:")
        assert claims[f"{CLAIM}ctx"] == "Cust12345"
        assert claims[f"{CLAIM}webapi_url"] == f"{base}/Cust12345/api/"
        assert claims[f"{CLAIM}netserver_url"] == f"{base}/Cust12345/Remote/Services88/"
        assert claims["iat"] <= time.time() < claims["exp"]


@pytest.mark.parametrize(("overrides", "words"), [
    ({"SignedSystemToken": signed_system_token(key=rsa.generate_private_key(65537, 2048))},
     "Bad signature"),
    ({"SignedSystemToken": signed_system_token(datetime.now(timezone.utc) - timedelta(minutes=11))},
     "Stale timestamp"),
    ({"SignedSystemToken": signed_system_token(datetime.now(timezone.utc) + timedelta(hours=2))},
     "Stale timestamp"),
    ({"ApplicationToken": "not-the-secret"}, "Wrong application token"),
    ({"ContextIdentifier": "Cust99999"}, "Unknown context identifier 'Cust99999'"),
    ({"SignedSystemToken": signed_system_token(token="OtherApp-abc")}, "Unknown system user"),
    ({"ReturnTokenType": "Saml"}, 'ReturnTokenType must be "JWT"'),
    ({"SignedSystemToken": credentials.SUPEROFFICE_SYSTEM_USER_TOKEN}, "<yyyyMMddHHmm>"),
    ({"ApplicationToken": None}, "ApplicationToken is missing"),
])
async def test_authenticate_says_what_was_wrong(
        client: httpx.AsyncClient, overrides: dict[str, Any], words: str) -> None:
    response = await client.post("/superoffice/login/api/PartnerSystemUser/Authenticate",
                                 json=authenticate_body(**overrides))
    assert response.status_code == 200
    body = response.json()
    assert body["IsSuccessful"] is False and body["Token"] is None
    assert words in body["ErrorMessage"], body["ErrorMessage"]
    if words == "Stale timestamp":
        assert f"{datetime.now(timezone.utc):%Y%m%d}" in body["ErrorMessage"]


async def test_authenticate_wants_standard_base64_and_a_json_body(
        client: httpx.AsyncClient) -> None:
    url = "/superoffice/login/api/PartnerSystemUser/Authenticate"
    token, stamp, signature = signed_system_token().rsplit(".", 2)
    urlsafe = signature.replace("+", "-").replace("/", "_").rstrip("=")  # 256 bytes: always "=="
    body = (await client.post(url, json=authenticate_body(
        SignedSystemToken=f"{token}.{stamp}.{urlsafe}"))).json()
    assert "standard base64" in body["ErrorMessage"]
    form = await client.post(url, data=authenticate_body())
    assert form.status_code == 400 and "JSON" in form.json()["Message"]
    assert (await client.post(url, content=b"[1]",
                              headers={"Content-Type": "application/json"})).status_code == 400


async def test_the_api_wants_a_ticket_and_the_app_token(client: httpx.AsyncClient) -> None:
    ticket = await new_ticket(client)
    url = f"{SO_API}/User/currentPrincipal"
    ok = await client.get(url, headers={"authorization": f"SOTICKET {ticket}",
                                        "so-apptoken": credentials.SUPEROFFICE_CLIENT_SECRET})
    assert ok.status_code == 200, ok.text
    principal = ok.json()
    assert principal["Associate"] == "SYSTEM" and principal["AssociateId"] == 1
    assert principal["ContextIdentifier"] == "Cust12345" and principal["IsSystemUser"] is True
    contacts = await client.get(f"{SO_API}/Contact", params={"$top": "1"},
                                headers=so_headers(ticket))
    assert len(contacts.json()["value"]) == 1
    for headers, words in (
        ({"Authorization": f"SOTicket {ticket}"}, "SO-AppToken header missing"),
        (so_headers(ticket, app_token="wrong"), "SO-AppToken is not"),
        ({"SO-AppToken": credentials.SUPEROFFICE_CLIENT_SECRET}, "Authorization header missing"),
        ({**so_headers(ticket), "Authorization": f"Bearer {ticket}"}, "SOTicket <ticket>"),
        (so_headers("7T:unknown"), "ticket is unknown"),
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert words in response.json()["Message"]
    other_tenant = await client.get("/superoffice/Cust1/api/v1/User/currentPrincipal",
                                    headers=so_headers(ticket))
    assert other_tenant.status_code == 404


async def test_tickets_slide_and_can_all_be_expired(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(superoffice, "_now", clock)
    ticket = await new_ticket(client)
    url = f"{SO_API}/User/currentPrincipal"
    for _ in range(3):  # 15 hours in all, but never 6 hours idle
        clock.advance(5 * 3600)
        assert (await client.get(url, headers=so_headers(ticket))).status_code == 200
    clock.advance(6 * 3600)
    expired = await client.get(url, headers=so_headers(ticket))
    assert expired.status_code == 401 and "ticket has expired" in expired.json()["Message"]
    clock.now = time.time()
    renewed = await new_ticket(client)
    assert (await client.get(url, headers=so_headers(renewed))).status_code == 200
    control = await client.post("/superoffice/_sandbox/expire-tickets")
    assert control.json() == {"expired": 1}
    gone = await client.get(url, headers=so_headers(renewed))
    assert gone.status_code == 401 and "ticket" in gone.json()["Message"]
    assert (await client.get(url, headers=so_headers(await new_ticket(client)))).status_code == 200


async def test_the_ticket_lifetime_is_a_constructor_argument(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(superoffice, "_now", clock)
    runner, origin = await serve("/superoffice", superoffice.create_superoffice_app(
        ticket_lifetime=60))
    try:
        async with httpx.AsyncClient(base_url=origin, timeout=5) as http:
            ticket = await new_ticket(http)
            url = f"{SO_API}/User/currentPrincipal"
            for _ in range(2):
                clock.advance(59)
                assert (await http.get(url, headers=so_headers(ticket))).status_code == 200
            clock.advance(60)
            assert (await http.get(url, headers=so_headers(ticket))).status_code == 401
    finally:
        await runner.cleanup()


# --- SuperOffice: the admin's OIDC consent ---------------------------------------------------

def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorize_params(**overrides: str) -> dict[str, str]:
    params = {"client_id": credentials.SUPEROFFICE_CLIENT_ID, "redirect_uri": REDIRECT,
              "response_type": "code", "scope": "openid api", "state": "st-1", "nonce": "n-1"}
    return {k: v for k, v in {**params, **overrides}.items() if v != "-"}


async def consent(client: httpx.AsyncClient, decision: str = "allow",
                  **overrides: str) -> dict[str, list[str]]:
    """Open the consent page, press a button, return the redirect's query."""
    page = await client.get("/superoffice/login/common/oauth/authorize",
                            params=authorize_params(**overrides))
    assert page.status_code == 200 and 'id="allow"' in page.text, page.text
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])
    hidden = re.search(r'name="consent" value="([^"]+)"', page.text)[1]
    answer = await client.post(action, data={"consent": hidden, "decision": decision})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return parse_qs(location.query)


async def test_the_code_flow_with_pkce_yields_the_system_user_token(
        client: httpx.AsyncClient) -> None:
    verifier, challenge = pkce()
    query = await consent(client, code_challenge=challenge, code_challenge_method="S256")
    assert query["state"] == ["st-1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": REDIRECT, "code_verifier": verifier,
            "client_id": credentials.SUPEROFFICE_CLIENT_ID,
            "client_secret": credentials.SUPEROFFICE_CLIENT_SECRET}
    tokens = await client.post("/superoffice/login/common/oauth/tokens", data=form)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    claims = await verified_claims(client, body["id_token"])
    assert claims[f"{CLAIM}system_token"] == credentials.SUPEROFFICE_SYSTEM_USER_TOKEN
    assert claims["aud"] == credentials.SUPEROFFICE_CLIENT_ID and claims["nonce"] == "n-1"
    assert claims[f"{CLAIM}ctx"] == "Cust12345" and claims["sub"]
    assert claims["iss"].endswith("/superoffice/login")
    again = await client.post("/superoffice/login/common/oauth/tokens", data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]
    refreshed = await client.post(
        "/superoffice/login/common/oauth/tokens",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(credentials.SUPEROFFICE_CLIENT_ID, credentials.SUPEROFFICE_CLIENT_SECRET))
    assert refreshed.status_code == 200, refreshed.text
    again_claims = await verified_claims(client, refreshed.json()["id_token"])
    assert again_claims[f"{CLAIM}system_token"] == credentials.SUPEROFFICE_SYSTEM_USER_TOKEN


@pytest.mark.parametrize(("change", "status", "error", "words"), [
    ({"code_verifier": "x" * 43}, 400, "invalid_grant", "does not match"),
    ({"code_verifier": None}, 400, "invalid_grant", "code_verifier is missing"),
    ({"redirect_uri": "http://127.0.0.1:1/other"}, 400, "invalid_grant", "redirect_uri"),
    ({"client_secret": "wrong"}, 401, "invalid_client", "client_secret"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", "password"),
])
async def test_the_token_endpoint_is_strict(
        client: httpx.AsyncClient, change: dict[str, str | None], status: int, error: str,
        words: str) -> None:
    verifier, challenge = pkce()
    query = await consent(client, code_challenge=challenge, code_challenge_method="S256")
    form = {"grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": REDIRECT, "code_verifier": verifier,
            "client_id": credentials.SUPEROFFICE_CLIENT_ID,
            "client_secret": credentials.SUPEROFFICE_CLIENT_SECRET, **change}
    response = await client.post("/superoffice/login/common/oauth/tokens",
                                 data={k: v for k, v in form.items() if v is not None})
    assert response.status_code == status, response.text
    assert response.json()["error"] == error and words in response.json()["error_description"]


async def test_the_authorize_request_is_checked(client: httpx.AsyncClient) -> None:
    url = "/superoffice/login/common/oauth/authorize"
    for redirect in ("https://example.com/cb", "http://10.0.0.1/cb", "-"):
        page = await client.get(url, params=authorize_params(redirect_uri=redirect))
        assert page.status_code == 400 and "loopback" in page.text
    unknown = await client.get(url, params=authorize_params(client_id="other"))
    assert unknown.status_code == 400
    for overrides, error in (({"response_type": "token"}, "unsupported_response_type"),
                             ({"scope": "api"}, "invalid_scope"),
                             ({"code_challenge": pkce()[1], "code_challenge_method": "plain"},
                              "invalid_request")):
        answer = await client.get(url, params=authorize_params(**overrides))
        assert answer.status_code == 302
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        assert query["error"] == [error] and query["state"] == ["st-1"]
    assert (await consent(client, decision="deny"))["error"] == ["access_denied"]
    ipv6 = await client.get(url, params=authorize_params(redirect_uri="http://[::1]:9/cb"))
    assert ipv6.status_code == 200
    no_pkce = await consent(client, nonce="-")
    wrong = await client.post("/superoffice/login/common/oauth/tokens", data={
        "grant_type": "authorization_code", "code": no_pkce["code"][0], "redirect_uri": REDIRECT,
        "code_verifier": pkce()[0]},
        auth=(credentials.SUPEROFFICE_CLIENT_ID, credentials.SUPEROFFICE_CLIENT_SECRET))
    assert "no code_challenge" in wrong.json()["error_description"]
    as_json = await client.post("/superoffice/login/common/oauth/tokens",
                                json={"grant_type": "refresh_token"})
    assert as_json.json()["error"] == "invalid_request"


# --- webCRM ----------------------------------------------------------------------------------

async def login(client: httpx.AsyncClient, form: str,
                token: str = credentials.WEBCRM_API_KEY) -> httpx.Response:
    if form == "header":
        return await client.post("/webcrm/Auth/ApiLogin", headers={"authCode": token})
    return await client.post("/webcrm/Auth/ApiLogin", data={"authCode": token})


async def access_token(client: httpx.AsyncClient, form: str = "header") -> str:
    response = await login(client, form)
    assert response.status_code == 200, response.text
    return str(response.json()["AccessToken"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def stats(client: httpx.AsyncClient) -> dict[str, Any]:
    return dict((await client.get("/webcrm/_sandbox/stats")).json())


async def test_webcrm_logs_in_by_header_or_by_form_body(client: httpx.AsyncClient) -> None:
    response = await login(client, "header")
    body = response.json()
    assert set(body) == {"AccessToken", "AccessTokenExpiresIn", "AccessTokenType", "RefreshToken"}
    assert body["AccessTokenExpiresIn"] == 3600 and body["AccessTokenType"] == "Bearer"
    by_body = await access_token(client, "body")
    lower = await client.post("/webcrm/auth/apilogin",
                              headers={"authCode": credentials.WEBCRM_API_KEY})
    assert lower.status_code == 200
    assert (await stats(client))["logins"] == {"header": 2, "body": 1}
    persons = await client.get("/webcrm/Persons", headers=bearer(body["AccessToken"]))
    assert persons.status_code == 200 and persons.json()[0]["PersonId"] == 1
    page = await client.get("/webcrm/Organisations", params={"Page": 2, "Size": 1},
                            headers={"Authorization": f"bearer {by_body}"})
    assert [o["OrganisationId"] for o in page.json()] == [2]
    bad_size = await client.get("/webcrm/Persons", params={"Size": "0"}, headers=bearer(by_body))
    assert bad_size.status_code == 400 and "Size" in bad_size.json()["Message"]
    for form in ("header", "body"):
        wrong = await login(client, form, token=str(uuid.uuid4()))
        assert wrong.status_code == 401 and form in wrong.json()["Message"]


async def test_webcrm_says_where_auth_code_was_expected(client: httpx.AsyncClient) -> None:
    url = "/webcrm/Auth/ApiLogin"
    control = "/webcrm/_sandbox/login-form"
    nothing = await client.post(url)
    assert nothing.status_code == 400 and "HTTP header `authCode" in nothing.json()["Message"]
    as_json = await client.post(url, json={"authCode": credentials.WEBCRM_API_KEY})
    assert "JSON" in as_json.json()["Message"]
    in_query = await client.post(url, params={"authCode": credentials.WEBCRM_API_KEY})
    assert "query string" in in_query.json()["Message"]
    assert (await client.put(control, json={"accept": "header"})).json() == {"accept": "header"}
    refused = await login(client, "body")
    assert refused.status_code == 400
    assert "found in the form body, which this server does not read" in refused.json()["Message"]
    assert (await login(client, "header")).status_code == 200
    await client.put(control, json={"accept": "body"})
    refused = await login(client, "header")
    assert refused.status_code == 400
    assert "form body `authCode=<token>`" in refused.json()["Message"]
    assert (await login(client, "body")).status_code == 200
    assert (await stats(client))["logins"] == {"header": 1, "body": 1}
    assert (await client.put(control, json={"accept": "cookie"})).status_code == 400


async def test_webcrm_login_form_is_a_constructor_argument() -> None:
    runner, origin = await serve("/webcrm", webcrm_module.create_webcrm_app("body"))
    try:
        async with httpx.AsyncClient(base_url=origin, timeout=5) as http:
            assert (await login(http, "header")).status_code == 400
            assert (await login(http, "body")).status_code == 200
    finally:
        await runner.cleanup()


async def test_webcrm_tokens_expire_and_a_new_login_works(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token = await access_token(client)
    assert (await client.get("/webcrm/Persons", headers=bearer(token))).status_code == 200
    assert (await client.post("/webcrm/_sandbox/expire-tokens")).json() == {"expired": 1}
    gone = await client.get("/webcrm/Persons", headers=bearer(token))
    assert gone.status_code == 401 and "log in again" in gone.json()["Message"]
    assert (await client.get("/webcrm/Persons")).status_code == 401
    clock = FakeClock()
    monkeypatch.setattr(webcrm_module, "_now", clock)
    fresh = await access_token(client)
    assert (await client.get("/webcrm/Persons", headers=bearer(fresh))).status_code == 200
    clock.advance(3600)
    late = await client.get("/webcrm/Persons", headers=bearer(fresh))
    assert late.status_code == 401 and "expired" in late.json()["Message"]
    assert (await stats(client))["logins"]["header"] == 2


async def test_webcrm_rate_limit_is_in_the_body(client: httpx.AsyncClient) -> None:
    token = await access_token(client)
    armed = await client.post("/webcrm/_sandbox/rate-limit",
                              json={"requests": 2, "retry_after": 7})
    assert armed.status_code == 200
    for _ in range(2):
        limited = await client.get("/webcrm/Organisations", headers=bearer(token))
        assert limited.status_code == 429
        assert limited.json() == {"Message": "Too many requests", "RetryAfterSeconds": 7}
        assert "Retry-After" not in limited.headers
    assert (await client.get("/webcrm/Organisations", headers=bearer(token))).status_code == 200
    counted = await stats(client)
    assert counted["api_requests"] == 3 and counted["rate_limited"] == 2
    bad = await client.post("/webcrm/_sandbox/rate-limit", json={"requests": "two"})
    assert bad.status_code == 400


async def test_the_index_lists_the_vendor_routes(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    for text in ("/tripletex/test/v2/token/session/:create",
                 "/tripletex/production/v2/token/session/&gt;whoAmI",
                 "/superoffice/login/api/PartnerSystemUser/Authenticate",
                 "/webcrm/Auth/ApiLogin", "/webcrm/_sandbox/rate-limit",
                 credentials.WEBCRM_API_KEY, credentials.SUPEROFFICE_SYSTEM_USER_TOKEN):
        assert text in page
