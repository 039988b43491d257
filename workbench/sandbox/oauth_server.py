"""The sandbox OAuth2 token endpoint (RFC 6749): client_credentials and refresh_token grants.

Strict like a real authorization server: form-encoded bodies only, one client authentication
method per request, parameters at most once, and errors as RFC 6749 §5.2 JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web
from multidict import MultiDictProxy

from workbench.sandbox.credentials import (
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_DEFAULT_SCOPE,
    OAUTH_SCOPES,
)
from workbench.sandbox.http_auth import (
    MalformedCredentials,
    challenge,
    json_error,
    parse_basic,
    same_secret,
    split_authorization,
)
from workbench.sandbox.tokens import IssuedToken, TokenRejected, TokenStore

ROUTES = (("POST", "/oauth/token", "OAuth2 token endpoint: client_credentials, refresh_token"),)
"""(method, path, what it is) of each route, for the index page."""

TOKENS = web.AppKey("tokens", TokenStore)
CLIENTS: web.AppKey[dict[str, str]] = web.AppKey("clients", dict)

_FORM = "application/x-www-form-urlencoded"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 §5.1
_BODY_ONLY = ("grant_type", "client_id", "client_secret", "refresh_token", "scope")


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer; invalid_client is a 401 with a Basic challenge."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def http_error(self) -> web.HTTPException:
        body = {"error": self.error, "error_description": self.description}
        if self.error == "invalid_client":
            return json_error(401, body, www_authenticate=challenge("Basic"), headers=_NO_STORE)
        return json_error(400, body, headers=_NO_STORE)


def create_oauth_app(
    tokens: TokenStore, clients: Mapping[str, str] | None = None
) -> web.Application:
    """The token endpoint as an app to mount at `/oauth`; `clients` maps client_id → secret."""
    app = web.Application()
    app[TOKENS] = tokens
    app[CLIENTS] = dict(clients or {OAUTH_CLIENT_ID: OAUTH_CLIENT_SECRET})
    app.router.add_post("/token", token_endpoint)
    return app


async def token_endpoint(request: web.Request) -> web.Response:
    """POST /oauth/token: authenticate the client, run the grant, answer with a token."""
    tokens, clients = request.app[TOKENS], request.app[CLIENTS]
    try:
        form = await _read_form(request)
        client_id = _authenticate_client(request, form, clients)
        grant_type = _param(form, "grant_type")
        if grant_type is None:
            raise OAuthError("invalid_request", "grant_type is missing")
        if grant_type == "client_credentials":
            body = _client_credentials(tokens, client_id, form)
        elif grant_type == "refresh_token":
            body = _refresh_token(tokens, client_id, form)
        else:
            raise OAuthError(
                "unsupported_grant_type",
                f"grant_type {grant_type!r} is not supported here; "
                "use client_credentials or refresh_token",
            )
    except OAuthError as error:
        raise error.http_error() from None
    return web.json_response(body, headers=_NO_STORE)


def _client_credentials(tokens: TokenStore, client_id: str, form: MultiDictProxy[str]) -> dict:
    scopes = _requested_scopes(form) or {OAUTH_DEFAULT_SCOPE}
    return _token_response(tokens, tokens.issue_access_token(client_id, scopes))


def _refresh_token(tokens: TokenStore, client_id: str, form: MultiDictProxy[str]) -> dict:
    value = _param(form, "refresh_token")
    if value is None:
        raise OAuthError("invalid_request", "refresh_token is missing")
    try:
        old = tokens.check_refresh_token(value, client_id)
    except TokenRejected as rejected:
        raise OAuthError("invalid_grant", str(rejected)) from None
    scopes = _requested_scopes(form) or old.scopes
    if not scopes <= old.scopes:  # RFC 6749 §6: never more than originally granted
        extra = " ".join(sorted(scopes - old.scopes))
        raise OAuthError("invalid_scope", f"scope beyond what the refresh token grants: {extra}")
    access = tokens.issue_access_token(client_id, scopes)
    return _token_response(tokens, access, refresh=tokens.rotate_refresh_token(old))


def _token_response(
    tokens: TokenStore, access: IssuedToken, refresh: IssuedToken | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": access.value,
        "token_type": "Bearer",
        "expires_in": tokens.access_token_lifetime,
        "scope": access.scope,
    }
    if refresh is not None:
        body["refresh_token"] = refresh.value
    return body


async def _read_form(request: web.Request) -> MultiDictProxy[str]:
    if request.headers.get("Content-Type") is None or request.content_type != _FORM:
        sent = request.headers.get("Content-Type", "no Content-Type")
        raise OAuthError("invalid_request", f"the body must be {_FORM}, not {sent}")
    in_url = sorted(set(request.query) & set(_BODY_ONLY))
    if in_url:
        raise OAuthError(
            "invalid_request", f"send {', '.join(in_url)} in the form body, not the URL query"
        )
    form = await request.post()
    repeated = sorted(k for k in set(form) if len(form.getall(k)) > 1)
    if repeated:  # RFC 6749 §3.2
        raise OAuthError("invalid_request", f"parameter sent more than once: {', '.join(repeated)}")
    return form  # type: ignore[return-value]  # a urlencoded form holds only text


def _param(form: MultiDictProxy[Any], name: str) -> str | None:
    """A form parameter; an empty value counts as omitted (RFC 6749 §3.1)."""
    value = form.get(name)
    return value if isinstance(value, str) and value else None


def _requested_scopes(form: MultiDictProxy[str]) -> frozenset[str] | None:
    scopes = frozenset((_param(form, "scope") or "").split(" ")) - {""}
    unknown = sorted(scopes - set(OAUTH_SCOPES))
    if unknown:
        known = " ".join(OAUTH_SCOPES)
        raise OAuthError("invalid_scope", f"unknown scope {' '.join(unknown)}; known: {known}")
    return scopes or None


def _authenticate_client(
    request: web.Request, form: MultiDictProxy[str], clients: Mapping[str, str]
) -> str:
    """The authenticated client_id, from HTTP Basic or the body (RFC 6749 §2.3.1), never both."""
    body_id, body_secret = _param(form, "client_id"), _param(form, "client_secret")
    header = request.headers.get("Authorization")
    if header is not None:
        client_id, secret, raw_secret = _basic_client(header)
        if body_secret is not None:
            raise OAuthError(
                "invalid_request",
                "the client authenticated twice (HTTP Basic and client_secret in the body); "
                "use exactly one method (RFC 6749 §2.3)",
            )
        if body_id is not None and body_id != client_id:
            raise OAuthError("invalid_request", "client_id in the body differs from HTTP Basic")
    elif body_id is None:
        what = "a client_secret without client_id" if body_secret else "no client authentication"
        raise OAuthError(
            "invalid_client",
            f"{what}: send HTTP Basic, or client_id and client_secret in the form body",
        )
    elif body_secret is None:
        raise OAuthError("invalid_client", f"client {body_id!r} is confidential: send its secret")
    else:
        client_id, secret, raw_secret = body_id, body_secret, body_secret
    expected = clients.get(client_id)
    if expected is None:
        raise OAuthError("invalid_client", f"unknown client_id {client_id!r}")
    if not same_secret(secret, expected):
        hint = ""
        if raw_secret != secret and same_secret(raw_secret, expected):
            hint = " (HTTP Basic needs the id and secret form-urlencoded first, RFC 6749 §2.3.1)"
        raise OAuthError("invalid_client", f"wrong client_secret for {client_id!r}{hint}")
    return client_id


def _basic_client(header: str) -> tuple[str, str, str]:
    """(client_id, secret, secret as sent) from an Authorization header, decoded per §2.3.1."""
    scheme, credentials = split_authorization(header)
    if scheme.lower() != "basic":
        raise OAuthError(
            "invalid_client",
            f"the Authorization header uses the {scheme or 'empty'!r} scheme; "
            "authenticate the client with HTTP Basic or in the form body",
        )
    try:
        user, password = parse_basic(credentials)
    except MalformedCredentials as malformed:
        raise OAuthError("invalid_request", str(malformed)) from None
    return unquote_plus(user), unquote_plus(password), password
