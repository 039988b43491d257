"""SuperOffice: OAuth2 sign-in, then a system-user ticket for calls made on the customer's behalf.

The system user token (from the sign-in's id_token) is signed with the partner's RSA key as
`<token>.<UTC yyyyMMddHHmm>`, exchanged at `/login/api/PartnerSystemUser/Authenticate` for a
JWT whose `ticket` claim is sent as `Authorization: SOTicket <ticket>` with `SO-AppToken`.
Tickets live 6 hours, renewed on every use, so they are cached and fetched again after a 401.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from workbench.core.auth import AuthContext
from workbench.core.auth.plugins import VendorScheme, environment_url, json_body
from workbench.core.auth.tokens import TokenSet
from workbench.core.config.model import Authentication
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.formspec import FormField
from workbench.core.jws import JwtRejected, verify_jwt
from workbench.core.jwt import decode_jwt
from workbench.core.redaction import Redactor
from workbench.core.transport import tag

ENVIRONMENTS = {"sod": "https://sod.superoffice.com", "stage": "https://qaonl.superoffice.com",
                "online": "https://online.superoffice.com"}
CLAIM = "http://schemes.superoffice.net/identity/"
AUTHENTICATE = "/login/api/PartnerSystemUser/Authenticate"
DISCOVERY = "/login/.well-known/openid-configuration"
TICKET_LIFETIME = 6 * 3600
FLOW = "superoffice"


def signed_system_token(system_user_token: str, private_key_pem: str,
                        now: datetime | None = None) -> str:
    """`<token>.<UTC yyyyMMddHHmm>.<base64 RSA-SHA256 signature>` with the partner's key."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M")
    data = f"{system_user_token}.{stamp}"
    try:
        key = serialization.load_pem_private_key(private_key_pem.strip().encode(), None)
    except (ValueError, TypeError):
        raise InputError("private_key is not an unencrypted PEM private key "
                         "(-----BEGIN PRIVATE KEY----- or BEGIN RSA PRIVATE KEY)") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InputError("private_key must be an RSA key (SuperOffice signs with RSA-SHA256)")
    signature = key.sign(data.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{data}.{base64.b64encode(signature).decode()}"


@dataclass
class TicketCache:
    """Tickets by (login host, context, system user), each valid until unused for 6 hours."""

    lifetime: float = TICKET_LIFETIME
    clock: Callable[[], float] = time.time
    _tickets: dict[tuple[str, str, str], tuple[str, float]] = field(default_factory=dict)

    def get(self, key: tuple[str, str, str]) -> str | None:
        found = self._tickets.get(key)
        if found is None or found[1] <= self.clock():
            self._tickets.pop(key, None)
            return None
        return found[0]

    def put(self, key: tuple[str, str, str], ticket: str) -> None:
        self._tickets[key] = (ticket, self.clock() + self.lifetime)

    def touch(self, key: tuple[str, str, str]) -> None:
        """A use slides the expiry, as SuperOffice does."""
        if key in self._tickets:
            self.put(key, self._tickets[key][0])

    def drop(self, key: tuple[str, str, str]) -> None:
        self._tickets.pop(key, None)


TICKETS = TicketCache()  # one per process: the app's checks share tickets like a real client


class SuperOfficeTicket(httpx.Auth):
    """Sends `SOTicket <ticket>` and `SO-AppToken`; gets (and re-gets after a 401) the ticket."""

    requires_response_body = True

    def __init__(self, login_base: str, *, client_id: str, client_secret: str,
                 system_user_token: str, context: str, private_key: str,
                 redactor: Redactor | None = None, cache: TicketCache = TICKETS) -> None:
        self._login_base = login_base.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._system_user_token = system_user_token
        self._context = context
        self._private_key = private_key
        self._redactor = redactor
        self._cache = cache
        self._key = (self._login_base, context, system_user_token)
        self.ticket: str | None = cache.get(self._key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = self.ticket is None
        if fresh:
            yield from self._fetch_ticket()
        self._sign(request)
        response = yield request
        if response.status_code == 401 and not fresh:
            self._cache.drop(self._key)
            yield from self._fetch_ticket()
            self._sign(request)
            response = yield request
        if response.is_success:
            self._cache.touch(self._key)

    def _sign(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"SOTicket {self.ticket}"
        request.headers["SO-AppToken"] = self._client_secret

    def _fetch_ticket(self) -> Generator[httpx.Request, httpx.Response, None]:
        discovery = yield self._get(self._login_base + DISCOVERY, "discovery")
        jwks_uri = _object(discovery, "the OpenID configuration").get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise TokenEndpointError("SuperOffice's OpenID configuration names no jwks_uri.",
                                     status=discovery.status_code)
        jwks = _object((yield self._get(jwks_uri, "signing keys")), "the signing keys")
        body = {
            "SignedSystemToken": signed_system_token(self._system_user_token, self._private_key),
            "ApplicationToken": self._client_secret,
            "ContextIdentifier": self._context,
            "ReturnTokenType": "JWT",
        }
        response = yield httpx.Request("POST", self._login_base + AUTHENTICATE, json=body,
                                       headers={"Accept": "application/json"},
                                       extensions=tag(FLOW, "system user ticket", "token"))
        self.ticket = self._accept(response, jwks)
        self._cache.put(self._key, self.ticket)

    def _accept(self, response: httpx.Response, jwks: Mapping[str, Any]) -> str:
        answer = _object(response, "the system user answer")
        if answer.get("IsSuccessful") is not True or not isinstance(answer.get("Token"), str):
            why = answer.get("ErrorMessage") or f"{response.status_code} without a token"
            raise TokenEndpointError(
                f"SuperOffice did not issue a system user ticket: {why}. Check the partner "
                "private key, the application token (client_secret), the customer context and "
                "this machine's clock (the signed token carries the UTC time).",
                status=response.status_code)
        try:
            claims = verify_jwt(answer["Token"], jwks, audience=f"spn:{self._client_id}")
        except JwtRejected as exc:
            raise TokenEndpointError(f"The system user token SuperOffice returned cannot be "
                                     f"trusted: {exc}.", status=response.status_code) from None
        ticket = claims.get(CLAIM + "ticket")
        if not isinstance(ticket, str) or not ticket:
            raise TokenEndpointError("SuperOffice's system user token has no ticket claim.",
                                     status=response.status_code)
        if self._redactor is not None:
            self._redactor.add_value(ticket)
            self._redactor.add_value(answer["Token"])
        return ticket

    @staticmethod
    def _get(url: str, step: str) -> httpx.Request:
        return httpx.Request("GET", url, headers={"Accept": "application/json"},
                             extensions=tag(FLOW, step, "token"))


def _object(response: httpx.Response, what: str) -> dict[str, Any]:
    value = json_body(response)
    if not response.is_success or not isinstance(value, dict):
        raise TokenEndpointError(f"SuperOffice answered {response.status_code} for {what}, not "
                                 "a JSON object: check the environment.",
                                 status=response.status_code)
    return value


def signed_in(values: Mapping[str, str], token: TokenSet | None) -> dict[str, str]:
    """Values with the system user token, context and web API URL filled from the sign-in's
    id_token where the form left them empty."""
    filled = dict(values)
    decoded = decode_jwt(token.id_token) if token and token.id_token else None
    claims = decoded.claims if decoded and decoded.claims else {}
    for name, claim in (("system_user_token", "system_token"), ("context_identifier", "ctx"),
                        ("webapi_url", "webapi_url")):
        if not filled.get(name) and isinstance(claims.get(CLAIM + claim), str):
            filled[name] = claims[CLAIM + claim]
    return filled


def login_base(entry: Authentication, values: Mapping[str, str]) -> str:
    return environment_url(entry, values, ENVIRONMENTS, "sod")


def base_url(entry: Authentication, values: Mapping[str, str]) -> str:
    """The customer's web API: the id_token's webapi_url, else `<environment>/<context>/api`."""
    if values.get("webapi_url"):
        return values["webapi_url"]
    context = values.get("context_identifier") or ""
    if not context:
        raise InputError("context_identifier (the customer, like Cust12345) has no value")
    return f"{login_base(entry, values)}/{context}/api"


def _build(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    for name in ("client_secret", "private_key", "system_user_token"):
        ctx.redactor.add_value(values.get(name))
    ctx.redactor.add_header("SO-AppToken")
    missing = [n for n in ("system_user_token", "context_identifier") if not values.get(n)]
    if missing:
        raise InputError(f"{' and '.join(missing)} have no value: sign in first (Authorize…), "
                         "or copy them from the sign-in's id_token")
    return SuperOfficeTicket(
        login_base(entry, values), client_id=values["client_id"],
        client_secret=values["client_secret"], system_user_token=values["system_user_token"],
        context=values["context_identifier"], private_key=values["private_key"],
        redactor=ctx.redactor)


def _received(values: Mapping[str, str], auth: httpx.Auth | None) -> Mapping[str, str]:
    ticket = auth.ticket if isinstance(auth, SuperOfficeTicket) else None
    return {"so_ticket": ticket or "", "oauth_client_secret": values.get("client_secret", "")}


SCHEME = VendorScheme(
    name="superoffice-ticket",
    title="SuperOffice system user ticket",
    fields=(
        FormField("environment", "Environment", options=tuple(ENVIRONMENTS), default="sod",
                  required=True, help="sod (development), stage or online (production)."),
        FormField("client_id", "Client id", required=True,
                  help="The application's client id from the SuperOffice developer portal."),
        FormField("client_secret", "Client secret", "secret", required=True,
                  help="The application token; also sent as the SO-AppToken header."),
        FormField("private_key", "Partner private key", "secret", required=True,
                  help="The RSA private key (PEM) the application registered with SuperOffice."),
        FormField("system_user_token", "System user token", "secret",
                  help="From the sign-in's id_token (AppName-…); filled in after Authorize…."),
        FormField("context_identifier", "Customer context",
                  help="The customer's tenant, like Cust12345; filled in after Authorize…."),
        FormField("webapi_url", "Web API URL",
                  help="The customer's API base from the id_token; empty means "
                       "<environment>/<ctx>/api."),
    ),
    build=_build,
    check="GET v1/User/currentPrincipal",
    base_url=base_url,
    sesam_auth="oauth2",
    injected=("so_ticket", "oauth_client_secret"),
    received=_received,
    prepare=signed_in,
    environments=ENVIRONMENTS,
)
