"""Token introspection (RFC 7662) and revocation (RFC 7009) against the real oidc-provider,
in process and through the real CLI (`workbench token introspect|revoke`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import client_keys
from tests.support.cli import workbench
from tests.support.connectors import blueprint
from tests.support.json_output import one_object
from tests.support.oidc import Provider, running_provider
from workbench.core.check import CheckOptions
from workbench.core.events import EventLog
from workbench.core.token_admin import token_action
from workbench.core.transport import TransportSettings


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(client_keys.provider_env()) as running:
        yield running


def connector(provider: Provider, method: str = "is_basic_auth: true") -> str:
    return f"""
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: client_credentials
          token_url: "{provider.token_url}"
          {method}
          scopes: "api:read"
        fields:
          - name: client_id
            value: workbench
connector:
  name: Local provider
  base_url: "{provider.issuer}"
"""


def options() -> CheckOptions:
    return CheckOptions(settings=TransportSettings(timeout=5, connect_timeout=2))


async def test_introspect_fetches_a_token_and_says_whose_it_is(provider: Provider) -> None:
    log = EventLog()
    result = await token_action(blueprint(connector(provider)), {
        "client_secret": "workbench-secret"}, log, options(), "introspect")
    assert result.verdict.ok, result.verdict
    assert result.introspection is not None and result.introspection.active
    assert "client workbench" in result.verdict.summary
    assert "scope api:read" in result.verdict.summary
    assert "client_id: workbench" in " ".join(result.introspection.lines())
    assert " UTC." in result.verdict.summary  # expiry readable
    steps = [e.step for e in result.events if e.kind == "token"]
    assert steps == ["client credentials", "introspection"]
    assert result.token is not None
    assert result.token.access_token not in str(log.rendered())


async def test_introspect_with_private_key_jwt_authenticates_the_same_way(
        provider: Provider) -> None:
    bp = blueprint(connector(provider, "token_endpoint_auth_method: private_key_jwt").replace(
        "value: workbench", "value: workbench-pkjwt"))
    result = await token_action(bp, {"private_key": client_keys.rsa_pem()}, EventLog(),
                                options(), "introspect")
    assert result.verdict.ok, result.verdict
    introspection = next(e for e in result.events if e.step == "introspection")
    assert b"client_assertion=" in introspection.request_body


async def test_revoke_is_proven_by_introspection(provider: Provider) -> None:
    bp = blueprint(connector(provider))
    values = {"client_secret": "workbench-secret"}
    first = await token_action(bp, values, EventLog(), options(), "introspect")
    assert first.token is not None
    kept = CheckOptions(settings=options().settings, token=first.token)
    revoked = await token_action(bp, values, EventLog(), kept, "revoke")
    assert revoked.verdict.ok, revoked.verdict
    assert "now says it is not active" in revoked.verdict.summary
    assert [e.step for e in revoked.events if e.kind == "token"] == ["revocation",
                                                                     "introspection"]
    again = await token_action(bp, values, EventLog(), kept, "introspect")
    assert again.verdict.outcome == "inactive"
    assert "expired, was revoked" in again.verdict.hint


async def test_a_wrong_client_secret_is_a_token_error(provider: Provider) -> None:
    result = await token_action(blueprint(connector(provider)), {"client_secret": "nope-nope"},
                                EventLog(), options(), "introspect", token="abc-not-real")
    assert result.verdict.outcome == "token_error"
    assert result.verdict.oauth_error == "invalid_client"


async def test_the_cli_introspects_and_revokes_a_given_token(provider: Provider,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "provider.yaml"
    path.write_text(connector(provider))
    async with httpx.AsyncClient() as client:
        token = (await client.post(provider.token_url, data={
            "grant_type": "client_credentials", "scope": "api:read"},
            auth=("workbench", "workbench-secret"))).json()["access_token"]
    env = {"WB_CLIENT_SECRET": "workbench-secret", "WB_TOKEN": token}
    run = await workbench("token", "introspect", str(path), "--json", env=env)
    data = one_object(run)
    assert run.code == 0 and data["ok"] and data["command"] == "token"
    assert data["introspection"]["active"] is True
    assert data["introspection"]["client_id"] == "workbench"
    assert token not in run.stdout + run.stderr
    text = await workbench("token", "revoke", str(path), env=env)
    assert text.code == 0, text.stderr
    assert "Revoked the access token" in text.stdout and token not in text.stdout
    after = one_object(await workbench("token", "introspect", str(path), "--json", env=env))
    assert after["outcome"] == "inactive" and after["exit_code"] == 1
    usage = one_object(await workbench("token", "introspect", str(tmp_path / "missing.yaml"),
                                       "--json", env=env))
    assert usage["exit_code"] == 2 and usage["outcome"] == "config_error"
