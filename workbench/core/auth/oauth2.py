"""OAuth2 as an httpx.Auth flow: get a token, keep it fresh, retry once after a 401.

Grants: client_credentials, refresh_token, and authorization_code (exchanging a code the user
pasted or a browser flow caught). New tokens go to `on_token`, which the app wires to the
keychain; this module never stores anything itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from dataclasses import dataclass, field

import httpx

from workbench.core.auth.token_endpoint import ClientCredentials, read_token_response, token_request
from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import TokenEndpointError
from workbench.core.redaction import Redactor

TokenCallback = Callable[[TokenSet], None]


@dataclass
class OAuth2Grant:
    """Everything one OAuth2 connection needs to obtain and renew tokens."""

    grant_type: str
    token_url: str
    client: ClientCredentials
    scope: str = ""
    key_map: Mapping[str, str] = field(default_factory=dict)
    refresh_token: str = ""
    code: str = ""
    redirect_uri: str = ""
    code_verifier: str = ""


class OAuth2Flow(httpx.Auth):
    """Injects the access token; fetches or renews it under a lock with a leeway."""

    requires_response_body = True

    def __init__(
        self,
        grant: OAuth2Grant,
        *,
        redactor: Redactor | None = None,
        on_token: TokenCallback | None = None,
        token: TokenSet | None = None,
        leeway: float = 60.0,
    ) -> None:
        self.grant = grant
        self.token = token
        self._redactor = redactor
        self._on_token = on_token
        self._leeway = leeway
        self._lock = asyncio.Lock()
        self._code_used = False
        self._grant_sent = ""  # grant_type of the token request in flight
        self.refused: list[TokenSet] = []  # tokens the API answered 401 to, oldest first

    # -- requests this flow sends -----------------------------------------------------------

    def next_token_request(self) -> httpx.Request:
        """The request that gets a token now: the configured grant, or a refresh if we can."""
        refresh = (self.token.refresh_token if self.token else None) or (
            self.grant.refresh_token if self.grant.grant_type == "refresh_token" else ""
        )
        if refresh:
            form = {"grant_type": "refresh_token", "refresh_token": refresh}
            step = "refresh"
        elif self.grant.grant_type == "client_credentials":
            form = {"grant_type": "client_credentials"}
            step = "client credentials"
        elif self.grant.grant_type == "authorization_code":
            if self._code_used or not self.grant.code:
                raise TokenEndpointError(
                    "No authorization code to exchange and no refresh token: authorize again."
                )
            self._code_used = True  # a code is single-use; never send it twice
            form = {
                "grant_type": "authorization_code",
                "code": self.grant.code,
                "redirect_uri": self.grant.redirect_uri,
            }
            if self.grant.code_verifier:
                form["code_verifier"] = self.grant.code_verifier
            step = "code exchange"
        else:
            raise TokenEndpointError(
                "The refresh_token grant needs a refresh_token value; none was given."
            )
        if self.grant.scope and step != "code exchange":
            form["scope"] = self.grant.scope
        self._grant_sent = form["grant_type"]
        return token_request(self.grant.token_url, form, self.grant.client, step=step)

    def accept(self, response: httpx.Response) -> TokenSet:
        """Read a token response, remember the token, and hand it to `on_token`."""
        token = read_token_response(response, self.grant.key_map)
        token.obtained_with = self._grant_sent
        if token.refresh_token is None and self.token and self.token.refresh_token:
            token.refresh_token = self.token.refresh_token  # servers may not re-send it
        if self._redactor is not None:
            for secret in (token.access_token, token.refresh_token, token.id_token):
                self._redactor.add_value(secret)
        self.token = token
        if self._on_token is not None:
            self._on_token(token)
        return token

    async def fetch_token(self, client: httpx.AsyncClient) -> TokenSet:
        """Obtain a token now, through `client` (so the exchange is recorded)."""
        async with self._lock:
            response = await client.send(self.next_token_request(), auth=None)
            return self.accept(response)

    async def ensure_token(self, client: httpx.AsyncClient) -> TokenSet:
        """The current token, fetched or renewed first when missing or about to expire."""
        if self._needs_token():
            return await self.fetch_token(client)
        assert self.token is not None
        return self.token

    # -- httpx.Auth ---------------------------------------------------------------------------

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        fresh = False
        async with self._lock:
            if self._needs_token():
                self.accept((yield self.next_token_request()))
                fresh = True
        assert self.token is not None
        request.headers["Authorization"] = self.token.authorization()
        response = yield request
        if response.status_code == 401:
            self.refused.append(self.token)
        if response.status_code != 401 or fresh or not self._can_renew():
            return
        async with self._lock:
            self.accept((yield self.next_token_request()))
        request.headers["Authorization"] = self.token.authorization()
        retried = yield request
        if retried.status_code == 401:
            self.refused.append(self.token)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("OAuth2Flow runs on the async client only")

    def _needs_token(self) -> bool:
        if self.token is None:
            return True
        # Renew `leeway` early, but never more than half a lifetime early: a token that
        # lives 60 s would otherwise be "expiring" the moment it arrives.
        lifetime = (self.token.expires_at - self.token.obtained_at
                    if self.token.expires_at is not None else None)
        leeway = self._leeway if lifetime is None else min(self._leeway, lifetime / 2)
        return self.token.expires_within(leeway)

    def _can_renew(self) -> bool:
        return bool(
            (self.token and self.token.refresh_token)
            or self.grant.grant_type == "client_credentials"
        )
