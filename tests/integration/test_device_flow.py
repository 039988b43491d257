"""The device authorization grant (RFC 8628) against oidc-provider's device endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.support.oidc import Provider, confirm_device_code, running_provider
from tests.support.recording_server import RecordingServer
from workbench.core.auth.device import (
    DeviceAuthorization,
    poll_for_token,
    start_device_authorization,
)
from workbench.core.auth.token_endpoint import ClientCredentials
from workbench.core.authorize import device_authorize_and_check
from workbench.core.check import CheckOptions, CheckResult
from workbench.core.config import load_connector
from workbench.core.errors import TokenEndpointError
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings, create_client

PUBLIC = ClientCredentials("workbench-public")


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


async def test_the_person_confirms_on_another_device_and_tokens_arrive(
        provider: Provider) -> None:
    log = EventLog()
    async with create_client(log, TransportSettings(timeout=10)) as client:
        device = await start_device_authorization(
            client, f"{provider.issuer}/device/auth", PUBLIC, "openid offline_access api:read",
            default_interval=0.3)
        assert device.user_code and device.verification_uri.endswith("/device")
        assert device.device_code not in repr(device)
        polling = asyncio.ensure_future(poll_for_token(client, provider.token_url, PUBLIC,
                                                       device))
        await asyncio.sleep(0.8)  # a few polls answered authorization_pending meanwhile
        assert not polling.done()
        page = await asyncio.to_thread(confirm_device_code, device.verification_uri_complete)
        assert "Sign-in Success" in page
        token = await asyncio.wait_for(polling, 20)
    assert token.access_token and token.refresh_token
    errors = [e.response_body for e in log if e.step == "device token poll" and e.status == 400]
    assert errors and all(b"authorization_pending" in body for body in errors)
    assert device.device_code not in str(log.rendered())


async def test_slow_down_denied_and_expiry_are_handled(server: RecordingServer) -> None:
    answers = iter([{"error": "slow_down"}, {"error": "authorization_pending"},
                    {"error": "access_denied"}])
    server.route("POST", "/token", lambda _s: web.json_response(next(answers), status=400))
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    device = DeviceAuthorization("dc-secret-123", "ABCD-EFGH", server.url + "/device", "",
                                 expires_at=time.time() + 600,
                                 interval=1.0)
    async with httpx.AsyncClient() as client:
        with pytest.raises(TokenEndpointError) as denied:
            await poll_for_token(client, server.url + "/token", PUBLIC, device, sleep=no_wait)
    assert denied.value.error == "access_denied" and "declined" in str(denied.value)
    assert waits == [1.0, 6.0, 6.0]  # slow_down adds five seconds to every later wait

    expired = DeviceAuthorization("dc", "X", server.url, "", expires_at=0, interval=1.0)
    async with httpx.AsyncClient() as client:
        with pytest.raises(TokenEndpointError) as late:
            await poll_for_token(client, server.url + "/token", PUBLIC, expired, sleep=no_wait)
    assert late.value.error == "expired_token" and "start again" in str(late.value)


DEVICE_CLIENT, DEVICE_SECRET = "workbench-device", "workbench-device-secret"


def device_connector(issuer: str) -> str:
    """A confidential client (Basic client auth) that logs in only on another device: no
    redirect_uri anywhere."""
    return f"""\
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: authorization_code
          token_url: "{issuer}/token"
          device_authorization_url: "{issuer}/device/auth"
          is_basic_auth: true
          scopes: "openid offline_access api:read"
        fields:
          - name: client_id
            value: "{DEVICE_CLIENT}"
          - name: client_secret
            is_encrypted: true
connector:
  name: Device-only client
  base_url: "{issuer}"
pre_run_configurations:
  steps:
    - name: userinfo
      type: rest
      endpoint: "{{{{%BASE_URL%}}}}/me"
"""


async def device_login(provider: Provider, tmp_path: Path, secret: str,
                       log: EventLog) -> CheckResult:
    path = tmp_path / "device.yaml"
    path.write_text(device_connector(provider.issuer))
    confirmations: list[asyncio.Future[str]] = []

    def show(device: DeviceAuthorization) -> None:
        confirmations.append(asyncio.ensure_future(asyncio.to_thread(
            confirm_device_code, device.verification_uri_complete)))

    result = await device_authorize_and_check(
        load_connector(path).blueprint, {"client_secret": secret}, log, show,
        CheckOptions(settings=TransportSettings(timeout=10)), default_interval=0.3)
    for confirmation in confirmations:
        await confirmation
    return result


async def test_a_confidential_device_login_needs_no_redirect_uri(
        provider: Provider, tmp_path: Path) -> None:
    log = EventLog()
    result = await device_login(provider, tmp_path, DEVICE_SECRET, log)
    assert result.verdict.ok, result.verdict
    assert result.token is not None and result.token.access_token
    (asked,) = [e for e in log if e.step == "device authorization"]
    assert (asked.header("Authorization", response=False) or "").startswith("Basic ")
    assert b"client_secret" not in asked.request_body
    assert DEVICE_SECRET not in str(log.rendered())


async def test_a_refused_basic_client_is_told_it_was_sent_in_a_basic_header(
        provider: Provider, tmp_path: Path) -> None:
    result = await device_login(provider, tmp_path, "not-the-secret", EventLog())
    verdict = result.verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == "invalid_client"
    assert "sent in a Basic header" in verdict.hint
    assert "request body;" not in verdict.hint
