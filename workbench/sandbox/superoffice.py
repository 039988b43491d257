"""A strict local stand-in for SuperOffice Online (platforms.md §4), playing sod.superoffice.com.

Three steps, each checked on the wire: an admin's OIDC consent yields an id_token carrying the
system user token; `PartnerSystemUser/Authenticate` swaps that token, signed with the partner's
RSA key, for a JWT carrying a ticket; the API wants `Authorization: SOTicket <ticket>` plus the
`SO-AppToken` header. Tickets live `ticket_lifetime` seconds, sliding on every accepted use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from yarl import URL

from workbench.sandbox import credentials
from workbench.sandbox.http_auth import MalformedCredentials, parse_basic, split_authorization
from workbench.sandbox.jwt_signing import SigningKey, b64url

TICKET_LIFETIME = 6 * 3600
TOKEN_LIFETIME = 3600  # OIDC access and id tokens, and the Authenticate JWT
CODE_LIFETIME = 300
CLOCK_TOLERANCE = 600  # the signed system token's timestamp may be this far from now, either way
CLAIM = "http://schemes.superoffice.net/identity/"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_CONTEXT = credentials.SUPEROFFICE_CONTEXT
_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_STAMP = re.compile(r"\d{12}")

ROUTES = (
    ("GET", "/superoffice/login/.well-known/openid-configuration", "SuperOffice: OIDC discovery"),
    ("GET", "/superoffice/login/.well-known/jwks", "SuperOffice: the stand-in's signing key"),
    ("GET", "/superoffice/login/common/oauth/authorize", "SuperOffice: admin consent page (code, "
     "PKCE S256, loopback redirect_uri)"),
    ("POST", "/superoffice/login/common/oauth/tokens", "SuperOffice: authorization_code, "
     "refresh_token → id_token with the system user token"),
    ("POST", "/superoffice/login/api/PartnerSystemUser/Authenticate", "SuperOffice: signed "
     "system user token → JWT with a ticket"),
    ("GET", f"/superoffice/{_CONTEXT}/api/v1/User/currentPrincipal", "SuperOffice: "
     "Authorization: SOTicket <ticket> + SO-AppToken: <client secret>"),
    ("GET", f"/superoffice/{_CONTEXT}/api/v1/Contact?$top=1", "SuperOffice: same auth, a list"),
    ("POST", "/superoffice/_sandbox/expire-tickets", "SuperOffice sandbox control: invalidate "
     "every ticket"),
)
"""(method, path, what it is) of each route, for the index page."""

CONTACTS = [{"PrimaryKey": n, "EntityName": "contact", "contactId": n, "name": name}
            for n, name in ((2, "Nordic Demo AS"), (3, "Fjord Consulting"), (4, "Aurora Retail"))]


@dataclass
class Grant:
    """What an authorization code (or the refresh token it leads to) was issued for."""

    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    expires_at: float


@dataclass
class SuperOfficeState:
    signing_key: SigningKey
    partner_key: rsa.RSAPublicKey
    ticket_lifetime: int
    consents: dict[str, dict[str, str]] = field(default_factory=dict)  # consent id → request
    codes: dict[str, Grant] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token → client_id
    tickets: dict[str, float] = field(default_factory=dict)  # ticket → expires at


STATE = web.AppKey("superoffice_state", SuperOfficeState)


class OAuthError(Exception):
    """An RFC 6749 §5.2 error from the token endpoint."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def create_superoffice_app(
    *, ticket_lifetime: int = TICKET_LIFETIME, signing_key: SigningKey | None = None
) -> web.Application:
    """The stand-in to mount at `/superoffice`, with a fresh signing key unless one is given."""
    if ticket_lifetime < 1:
        raise ValueError("ticket_lifetime is whole seconds, at least 1")
    partner = serialization.load_pem_private_key(
        credentials.SUPEROFFICE_PARTNER_PRIVATE_KEY.encode(), password=None)
    assert isinstance(partner, rsa.RSAPrivateKey)
    app = web.Application()
    app[STATE] = SuperOfficeState(signing_key or SigningKey(), partner.public_key(),
                                  ticket_lifetime)
    app.router.add_get("/login/.well-known/openid-configuration", _discovery)
    app.router.add_get("/login/.well-known/jwks", _jwks, name="jwks")
    app.router.add_get("/login/common/oauth/authorize", _authorize, name="authorize")
    app.router.add_post("/login/common/oauth/authorize", _consent)
    app.router.add_post("/login/common/oauth/tokens", _tokens, name="tokens")
    # The real host is IIS and ignores case; SuperOffice's docs spell this one `/Login/`.
    for prefix in ("/login", "/Login"):
        app.router.add_post(f"{prefix}/api/PartnerSystemUser/Authenticate", _authenticate)
    app.router.add_get("/{context}/api/v1/User/currentPrincipal", _current_principal)
    app.router.add_get("/{context}/api/v1/Contact", _contacts)
    app.router.add_post("/_sandbox/expire-tickets", _expire_tickets)
    return app


def _now() -> float:
    """The clock; tests replace it to slide or expire tickets without waiting."""
    return time.time()


def _base(request: web.Request) -> str:
    """This stand-in's absolute base URL as the client reached it, e.g. `http://h:p/superoffice`."""
    jwks = str(request.app.router["jwks"].url_for())
    return str(request.url.origin()) + jwks.removesuffix("/login/.well-known/jwks")


def _tenant_claims(base: str) -> dict[str, str]:
    return {f"{CLAIM}ctx": _CONTEXT, f"{CLAIM}webapi_url": f"{base}/{_CONTEXT}/api/",
            f"{CLAIM}netserver_url": f"{base}/{_CONTEXT}/Remote/Services88/"}


# --- OIDC: discovery, consent, tokens --------------------------------------------------------

async def _discovery(request: web.Request) -> web.Response:
    base = _base(request)
    return web.json_response({
        "issuer": f"{base}/login", "authorization_endpoint": f"{base}/login/common/oauth/authorize",
        "token_endpoint": f"{base}/login/common/oauth/tokens",
        "jwks_uri": f"{base}/login/.well-known/jwks", "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "api"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"]})


async def _jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].signing_key.jwks())


async def _authorize(request: web.Request) -> web.Response:
    """GET authorize: check the request, then show the consent page with an Allow button."""
    query = request.query
    if query.get("client_id") != credentials.SUPEROFFICE_CLIENT_ID:
        return _page(400, "Unknown application", f"client_id {query.get('client_id')!r} is not a "
                     "registered application.")
    redirect = URL(query.get("redirect_uri", ""))
    if redirect.scheme != "http" or redirect.host not in LOOPBACK or redirect.fragment:
        return _page(400, "Invalid redirect_uri", "redirect_uri must be a loopback http URL "
                     "(http://127.0.0.1, http://localhost or http://[::1]) with no fragment; "
                     f"got {query.get('redirect_uri', '')!r}.")
    problem = _authorize_problem(query)
    if problem:
        return _redirect(redirect, query.get("state"), error=problem[0],
                         error_description=problem[1])
    consent = secrets.token_urlsafe(16)
    request.app[STATE].consents[consent] = dict(query)
    scope = html.escape(query.get("scope", ""))
    return _page(200, "Allow access?", f"""
<p>The application <code>{html.escape(query["client_id"])}</code> asks for <code>{scope}</code>
on tenant {_CONTEXT}, and a system user for server-to-server calls.</p>
<form method="post" action="{html.escape(request.path)}">
<input type="hidden" name="consent" value="{consent}">
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button>
</form>""", raw=True)


def _authorize_problem(query: Mapping[str, str]) -> tuple[str, str] | None:
    if query.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code"
    if "openid" not in query.get("scope", "").split():
        return "invalid_scope", "scope must include openid (SuperOffice uses `openid api`)"
    challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
    if challenge is None and method is not None:
        return "invalid_request", "code_challenge_method was sent without a code_challenge"
    if challenge is not None and method != "S256":
        return "invalid_request", "code_challenge_method must be S256 (plain is not accepted)"
    if challenge is not None and not re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge):
        return "invalid_request", "code_challenge must be the unpadded base64url SHA-256 (43 chars)"
    return None


async def _consent(request: web.Request) -> web.Response:
    """POST authorize: the Allow/Deny button; redirects back with a code or access_denied."""
    form = await request.post()
    asked = request.app[STATE].consents.pop(str(form.get("consent", "")), None)
    if asked is None:
        return _page(400, "Consent expired", "This consent page was already used; start again.")
    redirect = URL(asked["redirect_uri"])
    if form.get("decision") != "allow":
        return _redirect(redirect, asked.get("state"), error="access_denied",
                         error_description="The administrator did not allow access")
    code = secrets.token_urlsafe(32)
    request.app[STATE].codes[code] = Grant(asked["client_id"], asked["redirect_uri"],
                                           asked.get("nonce"), asked.get("code_challenge"),
                                           _now() + CODE_LIFETIME)
    return _redirect(redirect, asked.get("state"), code=code)


async def _tokens(request: web.Request) -> web.Response:
    try:
        if request.content_type != _FORM:
            raise OAuthError("invalid_request", f"send the parameters as {_FORM}, not "
                             f"{request.content_type or 'no content type'}")
        posted = await request.post()
        repeated = sorted({k for k in posted if len(posted.getall(k)) > 1})
        if repeated:
            raise OAuthError("invalid_request", f"parameters sent more than once: {repeated}")
        form = {k: str(v) for k, v in posted.items()}
        client_id = _client(request, form)
        grant_type = form.get("grant_type")
        state = request.app[STATE]
        if grant_type == "authorization_code":
            nonce = _redeem_code(state, client_id, form)
            refresh = secrets.token_urlsafe(32)
            state.refresh_tokens[refresh] = client_id
        elif grant_type == "refresh_token":
            refresh, nonce = form.get("refresh_token", ""), None
            if not refresh:
                raise OAuthError("invalid_request", "refresh_token is missing")
            if state.refresh_tokens.get(refresh) != client_id:
                raise OAuthError("invalid_grant", "refresh_token is unknown or not this client's")
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not "
                             "supported; use authorization_code or refresh_token")
    except OAuthError as error:
        headers = dict(_NO_STORE)
        if error.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="superoffice"'
        return web.json_response({"error": error.error, "error_description": error.description},
                                 status=error.status, headers=headers)
    base, now = _base(request), int(_now())
    claims = {"iss": f"{base}/login", "aud": client_id, "sub": "sandbox.admin@example.com",
              "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME, **_tenant_claims(base),
              f"{CLAIM}system_token": credentials.SUPEROFFICE_SYSTEM_USER_TOKEN}
    if nonce:
        claims["nonce"] = nonce
    return web.json_response({
        "access_token": f"8A:{_CONTEXT}.{secrets.token_urlsafe(32)}", "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME, "refresh_token": refresh,
        "id_token": state.signing_key.sign(claims)}, headers=_NO_STORE)


def _client(request: web.Request, form: dict[str, str]) -> str:
    """The authenticated client_id, from Basic or from the body (never both)."""
    header = request.headers.get("Authorization")
    if header is not None:
        if "client_secret" in form:
            raise OAuthError("invalid_request", "client credentials were sent both in the "
                             "Authorization header and in the body; use one method")
        scheme, given = split_authorization(header)
        try:
            if scheme.lower() != "basic":
                raise MalformedCredentials(f"expected Basic, got {scheme!r}")
            client_id, secret = parse_basic(given)
        except MalformedCredentials as problem:
            raise OAuthError("invalid_client", f"bad client authentication: {problem}",
                             401) from None
        if form.get("client_id", client_id) != client_id:
            raise OAuthError("invalid_request", "client_id in the body differs from Basic")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not secret:
            raise OAuthError("invalid_client", "client_id and client_secret are required "
                             "(in the body, or as HTTP Basic)", 401)
    if (client_id != credentials.SUPEROFFICE_CLIENT_ID
            or not secrets.compare_digest(secret, credentials.SUPEROFFICE_CLIENT_SECRET)):
        raise OAuthError("invalid_client", "unknown client_id or wrong client_secret", 401)
    return client_id


def _redeem_code(state: SuperOfficeState, client_id: str, form: dict[str, str]) -> str | None:
    """Check and consume the code; the nonce it was issued with, if any."""
    code = form.get("code", "")
    if not code:
        raise OAuthError("invalid_request", "code is missing")
    if code in state.used_codes:
        raise OAuthError("invalid_grant", "the authorization code was already used")
    grant = state.codes.pop(code, None)
    if grant is None:
        raise OAuthError("invalid_grant", "the authorization code is unknown")
    state.used_codes.add(code)
    if _now() > grant.expires_at:
        raise OAuthError("invalid_grant", "the authorization code has expired")
    if grant.client_id != client_id:
        raise OAuthError("invalid_grant", "the authorization code was issued to another client")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri must be sent and equal the one in the "
                         f"authorize request ({grant.redirect_uri})")
    verifier = form.get("code_verifier")
    if grant.challenge is None and verifier is not None:
        raise OAuthError("invalid_grant", "code_verifier was sent but the authorize request "
                         "carried no code_challenge")
    if grant.challenge is not None:
        if verifier is None or not _VERIFIER.fullmatch(verifier):
            raise OAuthError("invalid_grant", "code_verifier is missing or not 43-128 unreserved "
                             "characters (RFC 7636 §4.1)")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge "
                             "(S256)")
    return grant.nonce


def _redirect(target: URL, state: str | None, **params: str) -> web.Response:
    query = {**params, **({"state": state} if state is not None else {})}
    return web.Response(status=302, headers={"Location": str(target.update_query(query))})


def _page(status: int, title: str, body: str, *, raw: bool = False) -> web.Response:
    content = body if raw else f"<p>{html.escape(body)}</p>"
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
            f"{content}</main></body></html>")
    return web.Response(status=status, text=page, content_type="text/html")


# --- system user: signed token → ticket ------------------------------------------------------

async def _authenticate(request: web.Request) -> web.Response:
    try:
        if request.content_type != "application/json":
            raise ValueError
        body = json.loads(await request.text())
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return web.json_response({"Message": "Send a JSON object (application/json) with "
                                  "SignedSystemToken, ApplicationToken, ContextIdentifier and "
                                  "ReturnTokenType."}, status=400)
    problem = _system_user_problem(request.app[STATE], body)
    if problem:
        return web.json_response({"IsSuccessful": False, "ErrorMessage": problem, "Token": None})
    state, base, now = request.app[STATE], _base(request), int(_now())
    ticket = "7T:" + base64.b64encode(secrets.token_bytes(48)).decode()
    state.tickets[ticket] = _now() + state.ticket_lifetime
    token = state.signing_key.sign({
        "iss": f"{base}/login", "aud": f"spn:{credentials.SUPEROFFICE_CLIENT_ID}",
        "iat": now, "nbf": now, "exp": now + TOKEN_LIFETIME, "sub": "SYSTEM",
        f"{CLAIM}ticket": ticket, f"{CLAIM}associateid": "1", **_tenant_claims(base)})
    return web.json_response({"IsSuccessful": True, "ErrorMessage": "", "Token": token})


def _system_user_problem(state: SuperOfficeState, body: dict[str, Any]) -> str | None:
    """What is wrong with an Authenticate request, in words, or None."""
    for name in ("SignedSystemToken", "ApplicationToken", "ContextIdentifier", "ReturnTokenType"):
        if not isinstance(body.get(name), str) or not body[name]:
            return f"{name} is missing or not a string."
    if body["ReturnTokenType"] != "JWT":
        return f"ReturnTokenType must be \"JWT\", got {body['ReturnTokenType']!r}."
    if not secrets.compare_digest(body["ApplicationToken"], credentials.SUPEROFFICE_CLIENT_SECRET):
        return "Wrong application token: ApplicationToken must be the application's client secret."
    if body["ContextIdentifier"] != _CONTEXT:
        return (f"Unknown context identifier {body['ContextIdentifier']!r}; this tenant is "
                f"{_CONTEXT}.")
    parts = body["SignedSystemToken"].rsplit(".", 2)
    if len(parts) != 3:
        return ("SignedSystemToken must be <system user token>.<yyyyMMddHHmm>.<base64 signature>.")
    token, stamp, signature = parts
    if token != credentials.SUPEROFFICE_SYSTEM_USER_TOKEN:
        return f"Unknown system user token {token[:20]!r}…; use the id_token's system_token claim."
    if not _STAMP.fullmatch(stamp):
        return f"The timestamp {stamp!r} is not UTC yyyyMMddHHmm (12 digits)."
    try:
        signed_at = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=timezone.utc)
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return f"The timestamp {stamp!r} is not a date, or the signature is not standard base64."
    try:
        state.partner_key.verify(raw, f"{token}.{stamp}".encode("ascii"), padding.PKCS1v15(),
                                 hashes.SHA256())
    except InvalidSignature:
        return (f"Bad signature: it does not verify with the partner public key (RSA PKCS#1 v1.5, "
                f"SHA-256, over the text \"{token[:12]}….{stamp}\").")
    server_now = datetime.fromtimestamp(_now(), timezone.utc)
    if abs((server_now - signed_at).total_seconds()) > CLOCK_TOLERANCE:
        return (f"Stale timestamp: {stamp} is more than 10 minutes from the server's UTC time "
                f"{server_now:%Y%m%d%H%M}; sign the current UTC time (yyyyMMddHHmm).")
    return None


# --- the API ---------------------------------------------------------------------------------

async def _current_principal(request: web.Request) -> web.Response:
    _require_ticket(request)
    return web.json_response({
        "Associate": "SYSTEM", "AssociateId": 1, "PersonId": 0, "ContactId": 0,
        "FullName": "System user", "ContextIdentifier": _CONTEXT, "IsSystemUser": True,
        "UserType": "SystemAnonymous", "Culture": "en-US"})


async def _contacts(request: web.Request) -> web.Response:
    _require_ticket(request)
    top = request.query.get("$top", "50")
    if not top.isdigit() or int(top) < 1:
        raise _api_error(400, f"$top must be a positive whole number, got {top!r}")
    rows = CONTACTS[: int(top)]
    return web.json_response({"odata.nextLink": None, "value": rows})


def _require_ticket(request: web.Request) -> None:
    """Both headers, the ticket live; then slide its expiry."""
    if request.match_info["context"] != _CONTEXT:
        raise _api_error(404, f"Unknown tenant {request.match_info['context']!r}")
    header = request.headers.get("Authorization")
    if header is None:
        raise _api_error(401, "Authorization header missing; send Authorization: SOTicket "
                         "<ticket>")
    scheme, ticket = split_authorization(header)
    if scheme.lower() != "soticket" or not ticket:
        raise _api_error(401, f"Authorization must be `SOTicket <ticket>`, got scheme {scheme!r}")
    app_token = request.headers.get("SO-AppToken")
    if app_token is None:
        raise _api_error(401, "SO-AppToken header missing; send SO-AppToken: <client secret>")
    if not secrets.compare_digest(app_token, credentials.SUPEROFFICE_CLIENT_SECRET):
        raise _api_error(401, "SO-AppToken is not this application's token (client secret)")
    state = request.app[STATE]
    expires_at = state.tickets.get(ticket)
    if expires_at is None:
        raise _api_error(401, "The SOTicket ticket is unknown or was invalidated; get a new "
                         "ticket from PartnerSystemUser/Authenticate")
    if _now() >= expires_at:
        del state.tickets[ticket]
        raise _api_error(401, "The SOTicket ticket has expired; get a new ticket from "
                         "PartnerSystemUser/Authenticate")
    state.tickets[ticket] = _now() + state.ticket_lifetime


def _api_error(status: int, message: str) -> web.HTTPException:
    error_class = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized}.get(status, web.HTTPNotFound)
    headers = {"WWW-Authenticate": 'SOTicket realm="superoffice"'} if status == 401 else {}
    return error_class(text=json.dumps({"Message": message}), content_type="application/json",
                       headers=headers)


async def _expire_tickets(request: web.Request) -> web.Response:
    tickets = request.app[STATE].tickets
    count = len(tickets)
    tickets.clear()
    return web.json_response({"expired": count})
