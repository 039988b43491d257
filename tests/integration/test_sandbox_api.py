"""The sandbox acts like a strict real API: right credentials in the right place, or a JSON no."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote_plus

import httpx
import pytest
import yaml
from aiohttp import web

from workbench.core.connector_files import is_platform_text
from workbench.sandbox import (
    API_KEY,
    BASIC_PASSWORD,
    BASIC_USERNAME,
    BEARER_TOKEN,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_REFRESH_TOKEN,
    SandboxServer,
    TokenStore,
    start_sandbox,
)
from workbench.sandbox.oauth_server import create_oauth_app

CLIENT = (OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET)


class FakeClock:
    """A clock the test moves by hand, so expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[SandboxServer]:
    tokens = TokenStore(access_token_lifetime=60, refresh_token_lifetime=600, clock=clock)
    async with await start_sandbox(tokens=tokens) as server:
        yield server


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=5) as http:
        yield http


def json_error(response: httpx.Response, status: int, error: str) -> str:
    """Assert a JSON error answer and return its message."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error, body
    return body.get("message") or body.get("error_description") or ""


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def get_token(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, auth=CLIENT
    )


# --- protected API -------------------------------------------------------------------------


async def test_public_status_needs_no_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/public/status")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_bearer_route_accepts_the_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/bearer/me", headers={"Authorization": f"Bearer {BEARER_TOKEN}"}
    )
    assert response.status_code == 200
    assert response.json()["auth_type"] == "bearer"
    lower = await client.get("/api/bearer/me", headers={"Authorization": f"bearer {BEARER_TOKEN}"})
    assert lower.status_code == 200  # auth schemes are case-insensitive (RFC 7235 §2.1)


@pytest.mark.parametrize(
    ("headers", "params", "status", "error"),
    [
        ({}, {}, 401, "missing_credentials"),
        ({}, {"access_token": BEARER_TOKEN}, 401, "missing_credentials"),
        ({"Authorization": BEARER_TOKEN}, {}, 401, "wrong_scheme"),
        ({"Authorization": f"Token {BEARER_TOKEN}"}, {}, 401, "wrong_scheme"),
        ({"Authorization": "Bearer not-the-token"}, {}, 401, "invalid_token"),
        ({"Authorization": "Bearer"}, {}, 400, "invalid_request"),
        ({"Authorization": f"Bearer {BEARER_TOKEN} extra"}, {}, 400, "invalid_request"),
        ({"Authorization": f'Bearer "{BEARER_TOKEN}"'}, {}, 400, "invalid_request"),
    ],
)
async def test_bearer_route_rejects_wrong_or_misplaced_tokens(
    client: httpx.AsyncClient, headers: dict, params: dict, status: int, error: str
) -> None:
    response = await client.get("/api/bearer/me", headers=headers, params=params)
    json_error(response, status, error)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="workbench-sandbox"')


async def test_bearer_route_rejects_two_authorization_headers(client: httpx.AsyncClient) -> None:
    twice = [("Authorization", f"Bearer {BEARER_TOKEN}")] * 2
    json_error(await client.get("/api/bearer/me", headers=twice), 400, "invalid_request")


async def test_basic_route_accepts_username_and_password(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/basic/me", auth=(BASIC_USERNAME, BASIC_PASSWORD))
    assert response.status_code == 200
    assert response.json() == {
        "authenticated": True,
        "auth_type": "basic_http",
        "subject": BASIC_USERNAME,
    }


@pytest.mark.parametrize(
    ("authorization", "status", "error"),
    [
        (None, 401, "missing_credentials"),
        (basic(BASIC_USERNAME, "wrong"), 401, "invalid_credentials"),
        (basic("someone-else", BASIC_PASSWORD), 401, "invalid_credentials"),
        (f"Basic {BASIC_USERNAME}:{BASIC_PASSWORD}", 400, "invalid_request"),  # not base64
        ("Basic " + base64.b64encode(BASIC_USERNAME.encode()).decode(), 400, "invalid_request"),
        (f"Bearer {BEARER_TOKEN}", 401, "wrong_scheme"),
    ],
)
async def test_basic_route_rejects_wrong_credentials(
    client: httpx.AsyncClient, authorization: str | None, status: int, error: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.get("/api/basic/me", headers=headers)
    json_error(response, status, error)
    assert (
        response.headers["WWW-Authenticate"] == 'Basic realm="workbench-sandbox", charset="UTF-8"'
    )


async def test_api_key_header_route(client: httpx.AsyncClient) -> None:
    ok = await client.get("/api/key-header/me", headers={"x-api-key": API_KEY})
    assert ok.status_code == 200
    assert ok.json()["location"] == "header"

    in_query = await client.get("/api/key-header/me", params={"api_key": API_KEY})
    assert "reads the key from the header only" in json_error(in_query, 401, "missing_api_key")
    assert in_query.headers["WWW-Authenticate"].startswith("ApiKey ")
    assert 'name="X-API-Key"' in in_query.headers["WWW-Authenticate"]

    as_bearer = await client.get(
        "/api/key-header/me", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    json_error(as_bearer, 401, "missing_api_key")
    wrong = await client.get("/api/key-header/me", headers={"X-API-Key": "nope"})
    json_error(wrong, 401, "invalid_api_key")


async def test_api_key_query_route(client: httpx.AsyncClient) -> None:
    ok = await client.get("/api/key-query/me", params={"api_key": API_KEY})
    assert ok.status_code == 200
    assert ok.json()["location"] == "query_param"

    in_header = await client.get("/api/key-query/me", headers={"X-API-Key": API_KEY})
    assert "reads the key from the query only" in json_error(in_header, 401, "missing_api_key")
    assert 'in="query", name="api_key"' in in_header.headers["WWW-Authenticate"]

    wrong_name = await client.get("/api/key-query/me", params={"apikey": API_KEY})
    json_error(wrong_name, 401, "missing_api_key")
    wrong = await client.get("/api/key-query/me", params={"api_key": "nope"})
    json_error(wrong, 401, "invalid_api_key")
    twice = await client.get("/api/key-query/me", params=[("api_key", API_KEY)] * 2)
    json_error(twice, 400, "invalid_request")


# --- token endpoint ------------------------------------------------------------------------


async def test_client_credentials_with_basic_client_auth(client: httpx.AsyncClient) -> None:
    response = await get_token(client, scope="api:read")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 60
    assert token["scope"] == "api:read"
    assert "refresh_token" not in token

    me = await client.get(
        "/api/oauth/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["subject"] == OAUTH_CLIENT_ID
    static = await client.get(
        "/api/bearer/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    json_error(static, 401, "invalid_token")


async def test_client_credentials_with_client_auth_in_body(client: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": OAUTH_CLIENT_ID,
        "client_secret": OAUTH_CLIENT_SECRET,
    }
    response = await client.post("/oauth/token", data=form)
    assert response.status_code == 200
    assert response.json()["scope"] == "api:read"  # the default scope


async def test_basic_and_body_client_auth_together_is_invalid_request(
    client: httpx.AsyncClient,
) -> None:
    response = await get_token(client, client_id=OAUTH_CLIENT_ID, client_secret=OAUTH_CLIENT_SECRET)
    assert "use exactly one method" in json_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    ("form", "auth"),
    [
        ({}, (OAUTH_CLIENT_ID, "wrong-secret")),
        ({}, ("unknown-client", OAUTH_CLIENT_SECRET)),
        ({"client_id": OAUTH_CLIENT_ID, "client_secret": "wrong-secret"}, None),
        ({"client_id": OAUTH_CLIENT_ID}, None),
        ({}, None),
    ],
)
async def test_wrong_client_is_invalid_client(
    client: httpx.AsyncClient, form: dict, auth: tuple[str, str] | None
) -> None:
    data = {"grant_type": "client_credentials", **form}
    response = await client.post("/oauth/token", data=data, auth=auth or httpx.USE_CLIENT_DEFAULT)
    json_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].startswith("Basic ")


async def test_token_request_must_be_form_encoded(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth/token", json={"grant_type": "client_credentials"}, auth=CLIENT
    )
    assert "x-www-form-urlencoded" in json_error(response, 400, "invalid_request")
    in_url = await client.post(
        "/oauth/token",
        params={"client_secret": OAUTH_CLIENT_SECRET},
        data={"grant_type": "client_credentials"},
        auth=CLIENT,
    )
    json_error(in_url, 400, "invalid_request")
    repeated = await client.post(
        "/oauth/token",
        content="grant_type=client_credentials&scope=api:read&scope=api:write",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=CLIENT,
    )
    json_error(repeated, 400, "invalid_request")


async def test_grant_type_is_checked(client: httpx.AsyncClient) -> None:
    password = await client.post("/oauth/token", data={"grant_type": "password"}, auth=CLIENT)
    json_error(password, 400, "unsupported_grant_type")
    missing = await client.post("/oauth/token", data={"scope": "api:read"}, auth=CLIENT)
    json_error(missing, 400, "invalid_request")


async def test_unknown_scope_is_invalid_scope(client: httpx.AsyncClient) -> None:
    json_error(await get_token(client, scope="api:read admin"), 400, "invalid_scope")


async def test_token_without_api_read_gets_403_insufficient_scope(
    client: httpx.AsyncClient,
) -> None:
    token = (await get_token(client, scope="api:write")).json()["access_token"]
    response = await client.get("/api/oauth/me", headers={"Authorization": f"Bearer {token}"})
    json_error(response, 403, "insufficient_scope")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="api:read"' in response.headers["WWW-Authenticate"]


async def test_expired_access_token_is_rejected(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    token = (await get_token(client)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    clock.advance(59)
    assert (await client.get("/api/oauth/me", headers=headers)).status_code == 200
    clock.advance(2)
    response = await client.get("/api/oauth/me", headers=headers)
    assert "expired" in json_error(response, 401, "invalid_token")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_oauth_route_rejects_unknown_and_static_tokens(client: httpx.AsyncClient) -> None:
    unknown = await client.get("/api/oauth/me", headers={"Authorization": "Bearer made-up"})
    json_error(unknown, 401, "invalid_token")
    static = await client.get("/api/oauth/me", headers={"Authorization": f"Bearer {BEARER_TOKEN}"})
    assert "POST /oauth/token" in json_error(static, 401, "invalid_token")


async def refresh(client: httpx.AsyncClient, refresh_token: str, **form: str) -> httpx.Response:
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **form}
    return await client.post(
        "/oauth/token",
        data={**data, "client_id": OAUTH_CLIENT_ID, "client_secret": OAUTH_CLIENT_SECRET},
    )


async def test_refresh_token_rotates(client: httpx.AsyncClient) -> None:
    first = await refresh(client, OAUTH_REFRESH_TOKEN, scope="api:read")
    assert first.status_code == 200, first.text
    token = first.json()
    assert token["scope"] == "api:read"
    assert token["refresh_token"] != OAUTH_REFRESH_TOKEN

    reused = await refresh(client, OAUTH_REFRESH_TOKEN)
    assert "already used" in json_error(reused, 400, "invalid_grant")

    second = await refresh(client, token["refresh_token"])
    assert second.status_code == 200
    assert second.json()["scope"] == "api:read api:write"  # the original grant, not the last ask


async def test_a_rotated_refresh_token_outlives_its_sandbox(client: httpx.AsyncClient) -> None:
    """The app keeps the rotated token in the keychain; the next session's sandbox takes it."""
    rotated = (await refresh(client, OAUTH_REFRESH_TOKEN)).json()["refresh_token"]
    async with await start_sandbox() as later, httpx.AsyncClient(base_url=later.url,
                                                                  timeout=5) as again:
        first = await refresh(again, rotated)
        assert first.status_code == 200, first.text
        assert "already used" in json_error(await refresh(again, rotated), 400, "invalid_grant")
        forged = rotated[:-4] + ("0000" if not rotated.endswith("0000") else "1111")
        assert "unknown" in json_error(await refresh(again, forged), 400, "invalid_grant")


async def test_refresh_token_errors(client: httpx.AsyncClient, clock: FakeClock) -> None:
    json_error(await refresh(client, "made-up"), 400, "invalid_grant")
    json_error(await refresh(client, ""), 400, "invalid_request")
    json_error(await refresh(client, OAUTH_REFRESH_TOKEN, scope="admin"), 400, "invalid_scope")
    clock.advance(601)  # a rejected request did not burn the token; time does
    assert "expired" in json_error(await refresh(client, OAUTH_REFRESH_TOKEN), 400, "invalid_grant")


async def test_basic_client_auth_is_form_urlencoded_first() -> None:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and base64-encoded."""
    client_id, secret = "odd:client", "s3cr+t/=&?"
    app = web.Application()
    app.add_subapp("/oauth", create_oauth_app(TokenStore(), clients={client_id: secret}))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/oauth/token"
    try:
        async with httpx.AsyncClient() as http:
            form = {"grant_type": "client_credentials"}
            encoded = basic(quote_plus(client_id), quote_plus(secret))
            ok = await http.post(url, data=form, headers={"Authorization": encoded})
            assert ok.status_code == 200, ok.text
            raw = basic("odd%3Aclient", secret)  # the secret not form-urlencoded
            message = json_error(
                await http.post(url, data=form, headers={"Authorization": raw}),
                401,
                "invalid_client",
            )
            assert "form-urlencoded" in message
    finally:
        await runner.cleanup()


# --- the server ----------------------------------------------------------------------------


async def test_index_lists_routes_and_credentials(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.headers["Content-Type"].startswith("text/html")
    for text in (
        "/api/bearer/me",
        "/api/key-query/me",
        "/oauth/token",
        BEARER_TOKEN,
        API_KEY,
        OAUTH_CLIENT_SECRET,
    ):
        assert text in response.text


async def test_unknown_routes_answer_json(client: httpx.AsyncClient) -> None:
    json_error(await client.get("/api/nowhere"), 404, "not_found")
    wrong_method = await client.get("/oauth/token")
    json_error(wrong_method, 405, "method_not_allowed")
    assert wrong_method.headers["Allow"] == "POST"


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


async def test_sandbox_binds_loopback_only(sandbox: SandboxServer) -> None:
    assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
    with pytest.raises(ValueError, match="only listens on"):
        await start_sandbox("0.0.0.0")
    address = _non_loopback_address()
    if address is None:
        pytest.skip("no non-loopback address to probe")
    with pytest.raises(OSError), socket.create_connection((address, sandbox.port), timeout=2):
        pass


async def test_sandbox_on_ipv6_loopback() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = await start_sandbox("::1")
    except OSError:
        pytest.skip("::1 not available")
    async with server, httpx.AsyncClient() as http:
        assert server.url == f"http://[::1]:{server.port}"
        assert (await http.get(f"{server.url}/api/public/status")).status_code == 200


@pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX signals")
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_run_sandbox_serves_until_stopped(stop_signal: signal.Signals) -> None:
    code = "from workbench.sandbox import run_sandbox; run_sandbox(port=0)"
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=Path(__file__).parents[2],
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Sandbox listening on http://127.0.0.1:"), line
        url = line.split()[3].rstrip("/")
        response = httpx.get(f"{url}/api/key-query/me", params={"api_key": API_KEY})
        assert response.status_code == 200
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "/api/key-query/me?api_key=*** → 200" in out
    assert API_KEY not in out
    assert out.rstrip().endswith("Sandbox stopped.")


# --- bundled connectors --------------------------------------------------------------------

CONNECTORS = sorted(p for p in (Path(__file__).parents[2] / "connectors" / "sandbox").glob("*.yaml")
                    if not is_platform_text(p.read_text()))  # accounts: test_cli_platforms
SECRET_FIELDS = {"bearer_token", "password", "key_value", "client_secret", "refresh_token"}


async def _check_request(http: httpx.AsyncClient, blueprint: dict, url: str) -> httpx.Request:
    """The connector's check request, built the way the Blueprint format describes it."""
    source = blueprint["interface_parameters"]["section"]["source"]
    params = {e["name"]: e["value"] for e in source if e["type"] != "authentication"}
    assert params["sandbox_url"] == "http://127.0.0.1:8765"
    base_url = blueprint["connector"]["base_url"].replace("{sandbox_url}", url)
    step = blueprint["pre_run_configurations"]["steps"][0]
    request = http.build_request(
        step["http_method"], step["endpoint"].replace("{{%BASE_URL%}}", base_url),
        params=step.get("query_params"), json=step.get("body"),
    )
    auth = next((e for e in source if e["type"] == "authentication"), None)
    if auth is None:
        return request
    fields = {f["name"]: f.get("value") for f in auth["fields"]}
    assert all(f.get("is_encrypted") for f in auth["fields"] if f["name"] in SECRET_FIELDS)
    if auth["auth_type"] == "bearer":
        request.headers["Authorization"] = f"Bearer {fields['bearer_token']}"
    elif auth["auth_type"] == "basic_http":
        request.headers["Authorization"] = basic(fields["username"], fields["password"])
    elif auth["auth_type"] == "api_key" and auth["location"] == "header":
        request.headers[fields["key_name"]] = fields["key_value"]
    elif auth["auth_type"] == "api_key":
        request.url = request.url.copy_add_param(fields["key_name"], fields["key_value"])
    elif auth["auth_type"] in ("aws_sigv4", "digest", "hmac"):
        return request  # signed per request: tests/integration/test_request_signing.py
    else:
        settings = auth["oauth2_settings"]
        form = {"grant_type": settings["grant_type"], "scope": settings["scopes"]}
        client = (fields["client_id"], fields["client_secret"])
        if settings["grant_type"] == "refresh_token":
            form["refresh_token"] = fields["refresh_token"]
        if not settings["is_basic_auth"]:
            form.update(client_id=client[0], client_secret=client[1])
        token = await http.post(
            settings["token_url"].replace("{sandbox_url}", url),
            data=form,
            auth=client if settings["is_basic_auth"] else httpx.USE_CLIENT_DEFAULT,
        )
        assert token.status_code == 200, token.text
        request.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return request


@pytest.mark.parametrize("path", CONNECTORS, ids=lambda p: p.stem)
async def test_bundled_connector_passes_its_check(path: Path, sandbox: SandboxServer) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../connector.schema.json\n")
    async with httpx.AsyncClient(timeout=5) as http:
        blueprint = yaml.safe_load(text)
        request = await _check_request(http, blueprint, sandbox.url)
        response = await http.send(request, auth=_independent_signer(blueprint))
    assert response.status_code == 200, response.text


def _independent_signer(blueprint: dict) -> httpx.Auth | None:
    """Signed schemes, signed here without the workbench's code: httpx's Digest, botocore's
    SigV4 (AWS's own), an HMAC written from the stand-in's description."""
    source = blueprint["interface_parameters"]["section"]["source"]
    auth = next((e for e in source if e["type"] == "authentication"), None)
    if auth is None or auth["auth_type"] not in ("aws_sigv4", "digest", "hmac"):
        return None
    fields = {f["name"]: f.get("value") for f in auth["fields"]}
    if auth["auth_type"] == "digest":
        return httpx.DigestAuth(fields["username"], fields["password"])
    return _FunctionAuth(auth["auth_type"], fields)


class _FunctionAuth(httpx.Auth):
    requires_request_body = True

    def __init__(self, kind: str, fields: dict) -> None:
        self.kind, self.fields = kind, fields

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        import hashlib
        import hmac as hmac_module
        import time

        from botocore.auth import S3SigV4Auth, SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        if self.kind == "aws_sigv4":
            f = self.fields
            signer = S3SigV4Auth if f["service"] == "s3" else SigV4Auth
            aws_request = AWSRequest(request.method, str(request.url), data=request.content,
                                     headers={"Host": request.headers["host"]})
            signer(Credentials(f["access_key_id"], f["secret_access_key"]), f["service"],
                   f["region"]).add_auth(aws_request)
            request.headers.update(dict(aws_request.headers))
        else:
            stamp, nonce = str(int(time.time())), "independent-nonce-1"
            digest = hashlib.sha256(request.content).hexdigest()
            signed = "\n".join([request.method, request.url.raw_path.decode(), stamp, nonce,
                                digest])
            mac = hmac_module.new(self.fields["hmac_key"].encode(), signed.encode(),
                                  hashlib.sha256).digest()
            request.headers.update({
                "X-Key-Id": self.fields["key_id"], "X-Timestamp": stamp, "X-Nonce": nonce,
                "X-Content-SHA256": digest, "X-Signature": base64.b64encode(mac).decode()})
        yield request


def test_every_auth_type_has_a_bundled_connector() -> None:
    assert {p.stem for p in CONNECTORS} == {
        "sandbox_bearer",
        "sandbox_basic",
        "sandbox_api_key_header",
        "sandbox_api_key_query",
        "sandbox_oauth2_client_credentials",
        "sandbox_oauth2_refresh_token",
        "sandbox_public",
        "sandbox_aws_sigv4",
        "sandbox_aws_s3",
        "sandbox_digest",
        "sandbox_hmac",
    }
