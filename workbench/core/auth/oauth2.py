"""OAuth2 as an httpx.Auth flow: get a token, keep it fresh, retry once after a 401.

Grants: client_credentials, refresh_token, authorization_code (exchanging a code the user
pasted or a browser flow caught), password (legacy) and the JWT bearer grant (RFC 7523 §2.1).
The client authenticates as `ClientCredentials` says (a secret, a signed assertion, or its
certificate); `audience` and `resource` say which API the token is for; with DPoP every token
request and API call carries a proof, and a server's nonce demand is met once. New tokens go to
`on_token`, which the app wires to the keychain; this module never stores anything itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field

import httpx

from workbench.core.auth.assertions import JWT_BEARER_GRANT, AssertionSigner
from workbench.core.auth.dpop import DPoPProver
from workbench.core.auth.token_endpoint import (
    ClientCredentials,
    FormValue,
    read_token_response,
    token_request,
)
from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import TokenEndpointError
from workbench.core.redaction import Redactor

TokenCallback = Callable[[TokenSet], None]
Note = Callable[[str], None]

_STEPS = {"refresh_token": "refresh", "client_credentials": "client credentials",
          "authorization_code": "code exchange", "password": "password grant",
          JWT_BEARER_GRANT: "JWT bearer grant"}


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
    username: str = ""  # password grant
    password: str = ""
    bearer_assertion: AssertionSigner | None = None  # jwt_bearer grant
    target: Mapping[str, FormValue] = field(default_factory=dict)  # audience, resource
    dpop: bool = False


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
        note: Note | None = None,
    ) -> None:
        self.grant = grant
        self._redactor = redactor
        self._on_token = on_token
        self._leeway = leeway
        self._note = note or (lambda _text: None)
        self._lock = asyncio.Lock()
        self._code_used = False
        self._pending: tuple[dict[str, FormValue], str] | None = None  # form, step in flight
        self.refused: list[TokenSet] = []  # tokens the API answered 401 to, oldest first
        self.fetched = False  # a token was obtained by this flow (in this run)
        kept_prover = token.dpop if token is not None else None
        if grant.dpop and token is not None and kept_prover is None:
            token = None  # a kept token bound to a key we no longer hold is of no use
        self.token = token
        self.dpop = (kept_prover or DPoPProver()) if grant.dpop else None
        self.on_token_response: list[Callable[[TokenSet], None]] = []  # extra checks (mTLS)
        # Runs once before the first token request (metadata: mTLS endpoint aliases).
        self.discover: Callable[[httpx.AsyncClient], Awaitable[None]] | None = None

    # -- requests this flow sends -----------------------------------------------------------

    def next_token_request(self) -> httpx.Request:
        """The request that gets a token now: the configured grant, or a refresh if we can."""
        form, step = self._grant_form()
        self._pending = (form, step)
        return self._signed_request(form, step)

    def _grant_form(self) -> tuple[dict[str, FormValue], str]:
        grant = self.grant
        refresh = (self.token.refresh_token if self.token else None) or (
            grant.refresh_token if grant.grant_type == "refresh_token" else "")
        form: dict[str, FormValue]
        if refresh:
            form = {"grant_type": "refresh_token", "refresh_token": refresh}
        elif grant.grant_type in ("client_credentials", "password", "jwt_bearer"):
            form = self._direct_grant_form()
        elif grant.grant_type == "authorization_code":
            if self._code_used or not grant.code:
                raise TokenEndpointError(
                    "No authorization code to exchange and no refresh token: authorize again.")
            self._code_used = True  # a code is single-use; never send it twice
            form = {"grant_type": "authorization_code", "code": grant.code,
                    "redirect_uri": grant.redirect_uri}
            if grant.code_verifier:
                form["code_verifier"] = grant.code_verifier
        else:
            raise TokenEndpointError(
                "The refresh_token grant needs a refresh_token value; none was given.")
        step = _STEPS.get(str(form["grant_type"]), str(form["grant_type"]))
        in_assertion = bool(grant.bearer_assertion and "scope" in grant.bearer_assertion.claims)
        if grant.scope and step != "code exchange" and not (
                in_assertion and form["grant_type"] == JWT_BEARER_GRANT):
            form["scope"] = grant.scope
        form.update(grant.target)  # RFC 8707 §2.2: resource on every token request
        return form, step

    def _direct_grant_form(self) -> dict[str, FormValue]:
        grant = self.grant
        if grant.grant_type == "password":
            return {"grant_type": "password", "username": grant.username,
                    "password": grant.password}
        if grant.grant_type == "jwt_bearer":
            if grant.bearer_assertion is None:
                raise TokenEndpointError("The jwt_bearer grant needs a private_key to sign "
                                         "its assertion.")
            self._note(f"JWT bearer assertion: {grant.bearer_assertion.describe(grant.token_url)}")
            return {"grant_type": JWT_BEARER_GRANT,
                    "assertion": grant.bearer_assertion.sign(grant.token_url)}
        return {"grant_type": "client_credentials"}

    def _signed_request(self, form: Mapping[str, FormValue], step: str) -> httpx.Request:
        client = self.grant.client
        if client.assertion is not None:
            self._note(f"Client assertion ({client.auth_method}): "
                       f"{client.assertion.describe(self.grant.token_url)}")
        request = token_request(self.grant.token_url, form, client, step=step)
        if self.dpop is not None:
            self.dpop.sign(request)
        return request

    def retry_request(self, response: httpx.Response) -> httpx.Request | None:
        """The same token request again, when the server asked for a DPoP nonce (RFC 9449
        §8): a fresh proof and, since assertions are single-use, a fresh assertion."""
        if self.dpop is None or self._pending is None or not self.dpop.wants_nonce(response):
            return None
        form, step = self._pending
        self._note("The token endpoint asked for a DPoP nonce (use_dpop_nonce); sending the "
                   "request again with it.")
        return self._signed_request(form, f"{step} (DPoP nonce)")

    def accept(self, response: httpx.Response) -> TokenSet:
        """Read a token response, remember the token, and hand it to `on_token`."""
        pending, self._pending = self._pending, None
        token = read_token_response(response, self.grant.key_map)
        token.obtained_with = str(pending[0]["grant_type"]) if pending else ""
        if token.refresh_token is None and self.token and self.token.refresh_token:
            token.refresh_token = self.token.refresh_token  # servers may not re-send it
        if self._redactor is not None:
            for secret in (token.access_token, token.refresh_token, token.id_token):
                self._redactor.add_value(secret)
        if self.dpop is not None:
            token.dpop = self.dpop
            if token.scheme.lower() != "dpop":
                self._note(f"DPoP proofs were sent, but the token came back as "
                           f"{token.scheme!r}, not bound to the key: the provider ignored DPoP.")
        for check in self.on_token_response:
            check(token)
        self.token = token
        self.fetched = True
        if self._on_token is not None:
            self._on_token(token)
        return token

    async def fetch_token(self, client: httpx.AsyncClient) -> TokenSet:
        """Obtain a token now, through `client` (so the exchange is recorded)."""
        async with self._lock:
            if self.discover is not None:
                discover, self.discover = self.discover, None
                await discover(client)
            response = await client.send(self.next_token_request(), auth=None)
            retry = self.retry_request(response)
            if retry is not None:
                response = await client.send(retry, auth=None)
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
                response = yield self.next_token_request()
                retry = self.retry_request(response)
                self.accept((yield retry) if retry is not None else response)
                fresh = True
        response = yield self._authorized(request)
        if self._wants_api_nonce(response):
            response = yield self._authorized(request)
        if response.status_code == 401:
            self.refused.append(self._current())
        if response.status_code != 401 or fresh or not self._can_renew():
            return
        async with self._lock:
            renewal = yield self.next_token_request()
            retry = self.retry_request(renewal)
            self.accept((yield retry) if retry is not None else renewal)
        retried = yield self._authorized(request)
        if retried.status_code == 401:
            self.refused.append(self._current())

    def _authorized(self, request: httpx.Request) -> httpx.Request:
        token = self._current()
        request.headers["Authorization"] = token.authorization()
        if self.dpop is not None and token.scheme.lower() == "dpop":
            self.dpop.sign(request, token.access_token)
        return request

    def _wants_api_nonce(self, response: httpx.Response) -> bool:
        if self.dpop is None or not self.dpop.wants_nonce(response):
            return False
        self._note("The API asked for a DPoP nonce (use_dpop_nonce); sending the request "
                   "again with it.")
        return True

    def _current(self) -> TokenSet:
        assert self.token is not None
        return self.token

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
            or self.grant.grant_type in ("client_credentials", "password", "jwt_bearer")
        )
