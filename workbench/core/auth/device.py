"""The device authorization grant (RFC 8628): for locked-down or remote machines, the person
confirms a short code on another device while this app polls the token endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.core.auth.token_endpoint import ClientCredentials, read_token_response, token_request
from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import TokenEndpointError

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0  # RFC 8628 §3.2: when the server names none
SLOW_DOWN_STEP = 5.0  # §3.5: each slow_down adds five seconds


@dataclass(frozen=True)
class DeviceAuthorization:
    """What to show the person (user code, where to enter it) and what to poll with."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_at: float
    interval: float

    def __repr__(self) -> str:  # the device code is a bearer secret until it expires
        return f"DeviceAuthorization(user_code={self.user_code!r}, uri={self.verification_uri!r})"


async def start_device_authorization(
    client: httpx.AsyncClient, device_url: str, credentials: ClientCredentials, scope: str = "",
    default_interval: float = DEFAULT_INTERVAL,
) -> DeviceAuthorization:
    """Ask for a device code and a user code (§3.1-3.2)."""
    form = {"scope": scope} if scope else {}
    request = token_request(device_url, form, credentials, step="device authorization")
    response = await client.send(request)
    data = _json(response)
    try:
        return DeviceAuthorization(
            device_code=str(data["device_code"]), user_code=str(data["user_code"]),
            verification_uri=str(data.get("verification_uri") or data["verification_url"]),
            verification_uri_complete=str(data.get("verification_uri_complete") or ""),
            expires_at=time.time() + float(data.get("expires_in", 600)),
            interval=float(data.get("interval") or default_interval))
    except (KeyError, TypeError, ValueError):
        raise TokenEndpointError("The device authorization answer lacks device_code, user_code "
                                 "or verification_uri.", status=response.status_code) from None


async def poll_for_token(
    client: httpx.AsyncClient, token_url: str, credentials: ClientCredentials,
    device: DeviceAuthorization, key_map: Mapping[str, str] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> TokenSet:
    """Poll at the server's pace until the person confirms, declines or the code expires."""
    interval = device.interval
    while True:
        if time.time() >= device.expires_at:
            raise _expired()
        await sleep(interval)
        request = token_request(token_url, {"grant_type": GRANT,
                                            "device_code": device.device_code},
                                credentials, step="device token poll")
        response = await client.send(request)
        try:
            return read_token_response(response, key_map or {})
        except TokenEndpointError as error:
            if error.error == "authorization_pending":
                continue
            if error.error == "slow_down":
                interval += SLOW_DOWN_STEP
                continue
            if error.error == "expired_token":
                raise _expired() from None
            if error.error == "access_denied":
                raise TokenEndpointError("The person declined the request on the device page.",
                                         status=response.status_code,
                                         error="access_denied") from None
            raise


def _expired() -> TokenEndpointError:
    return TokenEndpointError("The user code expired before it was confirmed; start again.",
                              error="expired_token")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        error = data.get("error") if isinstance(data, dict) else None
        raise TokenEndpointError(
            f"The device authorization endpoint answered {response.status_code}"
            + (f" ({error})" if error else "") + ".", status=response.status_code,
            error=str(error) if error else None)
    return data
