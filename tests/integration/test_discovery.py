"""The connector held against its provider's metadata before a credential is sent, and the
run's JWTs against the provider's keys: the real oidc-provider, and a rude stand-in."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.integration.test_oauth_code_flow import authorize
from tests.support.cli import workbench
from tests.support.connectors import blueprint, check
from tests.support.json_output import one_object
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, Provider, login_connector, running_provider
from tests.support.recording_server import RecordingServer, Seen
from workbench.cli_check_support import issued_jwts
from workbench.core.discovery import DiscoveryReport, discover, jwks_of, verify_tokens
from workbench.core.events import EventLog
from workbench.core.jwt import decode_jwt
from workbench.core.network_settings import TransportSettings
from workbench.core.transport import create_client


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


async def discovered(bp_text: str, token_url: str, values: dict[str, str] | None = None
                     ) -> DiscoveryReport:
    async with create_client(EventLog(), TransportSettings(timeout=10)) as client:
        return await discover(client, blueprint(bp_text), values or {}, token_url)


async def test_the_real_providers_metadata_agrees_with_a_good_connector(
        provider: Provider) -> None:
    report = await discovered(login_connector(provider.issuer, CLIENT_ID),
                              provider.token_url, {"client_secret": CLIENT_SECRET})
    assert report.metadata_url == provider.issuer + "/.well-known/openid-configuration"
    assert report.issuer == provider.issuer
    assert [f.code for f in report.findings if f.severity != "info"] == []
    assert any(f.code == "iss_parameter" for f in report.findings)


async def test_an_unlisted_scope_and_a_missing_endpoint(provider: Provider) -> None:
    text = login_connector(provider.issuer, CLIENT_ID).replace(
        '          authorization_url: "{issuer}/auth"\n', "").replace(
        "openid offline_access api:read", "openid api:write")
    report = await discovered(text, provider.token_url, {"client_secret": CLIENT_SECRET})
    codes = {f.code: f for f in report.findings}
    assert "api:write" in codes["scope_unlisted"].title
    assert report.filled["authorization_url"] == provider.issuer + "/auth"


async def test_the_runs_id_token_verifies_against_the_providers_keys(
        provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider)
    bp = blueprint(login_connector(provider.issuer, CLIENT_ID, redirect_uri))
    result = await check(bp, {"client_secret": CLIENT_SECRET, "code": code},
                         code_verifier=verifier)
    assert result.verdict.ok, result.verdict
    tokens = issued_jwts(list(result.events))
    id_token = tokens["id_token"]
    report = await discovered(login_connector(provider.issuer, CLIENT_ID), provider.token_url)
    async with create_client(EventLog(), TransportSettings(timeout=10)) as client:
        jwks = await jwks_of(client, report)
    assert jwks is not None and jwks["keys"]
    ok = verify_tokens({"id_token": id_token}, jwks, report.issuer, client_id=CLIENT_ID)
    assert [f.code for f in ok] == ["jwt_verified"]

    header, payload, signature = id_token.split(".")
    altered = f"{header}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    assert verify_tokens({"id_token": altered}, jwks, report.issuer)[0].code == "jwt_rejected"
    other = verify_tokens({"id_token": id_token}, jwks, report.issuer, client_id="someone")
    assert other[0].code == "jwt_audience"
    exp = decode_jwt(id_token).claims["exp"]  # type: ignore[union-attr]
    late = verify_tokens({"id_token": id_token}, jwks, report.issuer, now=exp + 600)
    assert late[0].code == "jwt_rejected" and "expired" in late[0].title
    # A measured skew of 10 minutes is allowed for.
    skewed = verify_tokens({"id_token": id_token}, jwks, report.issuer, now=exp + 600,
                           skew=700.0)
    assert [f.code for f in skewed] == ["jwt_verified"]
    wrong_issuer = verify_tokens({"id_token": id_token}, jwks, "http://127.0.0.1:1")
    assert wrong_issuer[0].code == "jwt_issuer"


RUDE = textwrap.dedent("""\
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
              token_url: "{url}/realms/acme/protocol/openid-connect/token"
            fields:
              - name: client_id
              - name: client_secret
                is_encrypted: true
    connector:
      name: Rude provider
      base_url: "{url}"
    pre_run_configurations:
      steps:
        - name: me
          type: rest
          endpoint: "{{%BASE_URL%}}/me"
    """)


@pytest.fixture
def rude(server: RecordingServer) -> RecordingServer:
    """Metadata under a Keycloak-style realm path that refuses what the connector does."""
    issuer = f"{server.url}/realms/acme"
    server.json("GET", "/realms/acme/.well-known/openid-configuration", {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["plain"],
        "jwks_uri": f"{issuer}/protocol/openid-connect/certs"})

    def token(seen: Seen) -> web.Response:
        return web.json_response({"error": "unauthorized_client"}, status=400)

    server.route("POST", "/realms/acme/protocol/openid-connect/token", token)
    return server


async def test_a_connector_the_metadata_refuses(rude: RecordingServer) -> None:
    report = await discovered(RUDE, f"{rude.url}/realms/acme/protocol/openid-connect/token",
                              {"client_secret": "s3cret-rude-1"})
    codes = {f.code: f for f in report.findings}
    assert report.metadata_url.endswith("/realms/acme/.well-known/openid-configuration")
    assert "is_basic_auth: true" in codes["auth_method_unsupported"].hint
    assert "client_credentials" in codes["grant_unsupported"].title
    # Tried from the most specific parent down: the realm's metadata came before the origin's.
    asked = [s.path for s in rude.seen if "well-known" in s.path]
    assert asked[0] == "/realms/acme/protocol/openid-connect/.well-known/openid-configuration"


async def test_check_says_it_before_sending_and_can_be_told_not_to(
        rude: RecordingServer, tmp_path: Path) -> None:
    connector = tmp_path / "rude.yaml"
    connector.write_text(RUDE)
    args = ("check", str(connector), "--set", f"url={rude.url}", "--set", "client_id=wb",
            "--set", "client_secret=s3cret-rude-1")
    text = await workbench(*args)
    assert text.code == 1
    said = text.stdout.index("Provider metadata:")
    assert said < text.stdout.index("FAIL")
    assert "error: The connector sends its client credentials as client_secret_post" \
        in text.stdout
    data = one_object(await workbench(*args, "--json"))
    assert data["discovery"]["issuer"] == f"{rude.url}/realms/acme"
    assert {f["code"] for f in data["discovery"]["findings"]} >= {"auth_method_unsupported",
                                                                  "grant_unsupported"}
    assert any("client_secret_post" in w for w in data["warnings"])
    before = len(rude.seen)
    quiet = one_object(await workbench(*args, "--json", "--no-discovery"))
    assert "discovery" not in quiet
    assert not any("well-known" in s.path for s in rude.seen[before:])
    assert "s3cret-rude-1" not in text.stdout + str(data)
