"""The example connectors for the auth methods (connectors/auth-methods/), run through the real
CLI against stand-ins that check what the real services check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from joserfc import jwt
from joserfc.errors import JoseError

from tests.support import client_keys
from tests.support.cli import workbench
from tests.support.json_output import one_object
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.config import load_connector
from workbench.core.formspec import form_spec
from workbench.sandbox import aws
from workbench.sandbox.server import SandboxServer, start_sandbox

FOLDER = Path(__file__).resolve().parents[2] / "connectors" / "auth-methods"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as running:
        yield running


def test_every_example_loads_with_the_fields_its_method_needs() -> None:
    fields = {p.stem: form_spec(load_connector(p).blueprint) for p in FOLDER.glob("*.yaml")}
    assert {"okta_private_key_jwt", "google_service_account", "auth0_client_credentials",
            "legacy_password_grant", "aws_api_gateway"} <= set(fields)
    assert fields["okta_private_key_jwt"].field("private_key").secret  # type: ignore[union-attr]
    assert fields["okta_private_key_jwt"].field("client_secret") is None
    assert fields["google_service_account"].field("client_id").label == "Service account email"  # type: ignore[union-attr]
    assert "deprecated" in fields["legacy_password_grant"].deprecation
    assert fields["aws_api_gateway"].field("secret_access_key").secret  # type: ignore[union-attr]


async def test_auth0_gets_a_token_for_the_audience_it_names(server: RecordingServer) -> None:
    """Auth0's rule: a token is for the API the `audience` names; its API refuses others."""
    identifier = "https://reports.acme.example/"

    def token(seen: Seen) -> web.Response:
        if seen.form.get("audience") != identifier:
            return web.json_response({"access_token": "for-the-management-api",
                                      "token_type": "Bearer", "expires_in": 86400})
        return web.json_response({"access_token": "for-reports", "token_type": "Bearer",
                                  "expires_in": 86400})

    def api(seen: Seen) -> web.Response:
        if seen.header("authorization") != "Bearer for-reports":
            return web.json_response({"message": "Unauthorized"}, status=401)
        return web.json_response({"ok": True})

    server.route("POST", "/oauth/token", token)
    server.route("GET", "/reports/me", api)
    args = ["check", str(FOLDER / "auth0_client_credentials.yaml"), "--json",
            "--token-url", f"{server.url}/oauth/token", "--set", "auth0_domain=acme",
            "--set", f"api_base_url={server.url}/reports", "--set", "client_id=m2m"]
    env = {"WB_CLIENT_SECRET": "m2m-secret"}
    good = one_object(await workbench(*args, "--set", f"api_identifier={identifier}", env=env))
    assert good["ok"], good["summary"]
    wrong = one_object(await workbench(*args, "--set", "api_identifier=https://other/",
                                       env=env))
    assert wrong["outcome"] == "unauthorized"
    assert "fetched moments ago" in wrong["hint"] and "audience 'https://other/'" in wrong["hint"]
    assert parse_qs(server.requests_to("/oauth/token")[-1].body.decode())["audience"] == [
        "https://other/"]


async def test_a_google_style_service_account(server: RecordingServer) -> None:
    """Google's rules: iss the service account, aud the token URL, scope inside the JWT."""
    key = client_keys.rsa_key()

    def token(seen: Seen) -> web.Response:
        try:
            claims = jwt.decode(seen.form["assertion"], key, algorithms=["RS256"]).claims
        except (JoseError, KeyError, ValueError):
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "Invalid JWT Signature."}, status=400)
        if (claims["aud"] != f"{server.url}/token" or claims["iss"] != "svc@p.iam.test"
                or "drive" not in claims.get("scope", "") or "scope" in seen.form):
            return web.json_response({"error": "invalid_grant",
                                      "error_description": "Invalid JWT claims."}, status=400)
        return web.json_response({"access_token": "ya29.svc", "token_type": "Bearer",
                                  "expires_in": 3599})

    server.route("POST", "/token", token)
    server.json("GET", "/drive/about", {"user": {"emailAddress": "svc@p.iam.test"}})
    run = await workbench("check", str(FOLDER / "google_service_account.yaml"), "--json",
                          "--token-url", f"{server.url}/token", "--base-url",
                          f"{server.url}/drive", "--set", "client_id=svc@p.iam.test",
                          env={"WB_PRIVATE_KEY": client_keys.rsa_pem()})
    data = one_object(run)
    assert data["ok"], data["summary"]
    assert client_keys.rsa_pem().splitlines()[1] not in run.stdout + run.stderr
    assertion = server.requests_to("/token")[-1].form["assertion"]
    assert assertion not in run.stdout + run.stderr


async def test_aws_api_gateway_example_against_the_stand_in(sandbox: SandboxServer) -> None:
    run = await workbench("check", str(FOLDER / "aws_api_gateway.yaml"), "--base-url",
                          f"{sandbox.url}/aws/execute-api/prod", "--set", "api_id=abc123",
                          "--set", f"access_key_id={aws.ACCESS_KEY_ID}",
                          env={"WB_SECRET_ACCESS_KEY": aws.SECRET_ACCESS_KEY})
    assert run.code == 0, run.stdout + run.stderr
    assert aws.SECRET_ACCESS_KEY not in run.stdout + run.stderr
    wrong = await workbench("check", str(FOLDER / "aws_api_gateway.yaml"), "--base-url",
                            f"{sandbox.url}/aws/execute-api/prod", "--set", "api_id=abc123",
                            "--set", f"access_key_id={aws.ACCESS_KEY_ID}",
                            env={"WB_SECRET_ACCESS_KEY": "w" * 40})
    assert wrong.code == 1 and "canonical request it expected" in wrong.stdout
