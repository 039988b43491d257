"""Asking the provider about a token: introspection (RFC 7662: is it active, for which client,
scope, audience and expiry, bound to what) and revocation (RFC 7009).

Both are form posts that authenticate the client exactly as its token requests do. Where the
endpoints are: the connector's settings, else the provider's metadata (its mTLS aliases for
clients that authenticate with a certificate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from workbench.core.auth import mtls
from workbench.core.auth.issuer import issuer_metadata, issuer_of
from workbench.core.auth.token_endpoint import ClientCredentials, token_request
from workbench.core.config.model import OAuth2Settings
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.jwt import numeric_date, utc_text

Kind = Literal["introspection", "revocation"]
TokenHint = Literal["access_token", "refresh_token"]
_SHOWN = ("client_id", "scope", "sub", "aud", "iss", "token_type", "username")


@dataclass(frozen=True)
class Introspection:
    """What the provider says about a token (RFC 7662 §2.2)."""

    active: bool
    claims: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """The answer in words, one fact a line (times readable, binding named)."""
        if not self.active:
            return ["active: false (expired, revoked, unknown, or not this client's to see)"]
        shown = ["active: true"]
        shown += [f"{name}: {self._text(self.claims[name])}" for name in _SHOWN
                  if name in self.claims]
        for name in ("exp", "iat", "nbf"):
            epoch = numeric_date(self.claims.get(name))
            if epoch is not None:
                shown.append(f"{name}: {int(epoch)} ({utc_text(epoch)})")
        cnf = self.claims.get("cnf")
        if isinstance(cnf, dict):
            bound = ", ".join(f"{k} {v}" for k, v in cnf.items())
            shown.append(f"bound to: {bound} (cnf)")
        return shown

    @staticmethod
    def _text(value: Any) -> str:
        return " ".join(map(str, value)) if isinstance(value, list) else str(value)


async def endpoint(client: httpx.AsyncClient, settings: OAuth2Settings, kind: Kind,
                   token_url: str, issuer: str = "") -> str:
    """The introspection or revocation URL: configured, else from the metadata."""
    configured = settings.introspection_url if kind == "introspection" \
        else settings.revocation_url
    if configured and not settings.uses_mtls:
        return configured
    provider = issuer_of(token_url, issuer or settings.issuer)
    metadata = await issuer_metadata(client, provider, flow=kind)
    name = f"{kind}_endpoint"
    if settings.uses_mtls and settings.use_mtls_endpoint_aliases:
        aliased = mtls.alias(metadata, name)
        if aliased:
            return aliased
    found = configured or (metadata or {}).get(name)
    if not isinstance(found, str) or not found:
        raise InputError(f"the provider's metadata at {provider} names no {name}: set "
                         f"oauth2_settings.{kind}_url")
    return found


async def introspect(client: httpx.AsyncClient, url: str, token: str, hint: TokenHint,
                     credentials: ClientCredentials) -> Introspection:
    """POST the token to the introspection endpoint; its answer, or TokenEndpointError."""
    response = await client.send(token_request(
        url, {"token": token, "token_type_hint": hint}, credentials, step="introspection"),
        auth=None)
    data = _object(response, "introspection")
    return Introspection(data.get("active") is True, data)


async def revoke(client: httpx.AsyncClient, url: str, token: str, hint: TokenHint,
                 credentials: ClientCredentials) -> None:
    """POST the token to the revocation endpoint (200 also for a token it did not know)."""
    response = await client.send(token_request(
        url, {"token": token, "token_type_hint": hint}, credentials, step="revocation"),
        auth=None)
    if response.status_code != 200:
        _object(response, "revocation")  # raises with the provider's error
        raise TokenEndpointError(f"The revocation endpoint answered {response.status_code}.",
                                 status=response.status_code)


def _object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        description = data.get("error_description")
        raise TokenEndpointError(
            f"The {what} endpoint refused the request: {data['error']}"
            + (f" ({description})" if description else ""), status=response.status_code,
            error=data["error"], error_description=description)
    if response.status_code != 200 or not isinstance(data, dict):
        raise TokenEndpointError(f"The {what} endpoint answered {response.status_code} without "
                                 "a JSON object.", status=response.status_code)
    return data
