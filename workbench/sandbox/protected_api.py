"""The sandbox's protected API: one `/me` route per auth type, each strict about the wire format.

A 401 names the expected scheme in WWW-Authenticate and says in JSON what was wrong, including
credentials sent in the wrong place (an API key in the query on the header route, and so on).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from workbench.sandbox.credentials import (
    API_KEY,
    API_KEY_HEADER,
    API_KEY_QUERY_PARAM,
    BASIC_PASSWORD,
    BASIC_USERNAME,
    BEARER_TOKEN,
)
from workbench.sandbox.http_auth import (
    MalformedCredentials,
    challenge,
    json_error,
    parse_basic,
    parse_bearer,
    same_secret,
    split_authorization,
)
from workbench.sandbox.tokens import TokenRejected, TokenStore

REQUIRED_SCOPE = "api:read"

ROUTES = (
    ("GET", "/api/public/status", "no auth"),
    ("GET", "/api/bearer/me", "Authorization: Bearer <bearer token>"),
    ("GET", "/api/basic/me", "Authorization: Basic base64(username:password)"),
    ("GET", "/api/key-header/me", f"{API_KEY_HEADER}: <API key>"),
    ("GET", f"/api/key-query/me?{API_KEY_QUERY_PARAM}=<API key>", "API key in the query"),
    ("GET", "/api/oauth/me", f"Bearer access token from /oauth/token with scope {REQUIRED_SCOPE}"),
)
"""(method, path, how to authenticate) of each route, for the index page."""

TOKENS = web.AppKey("tokens", TokenStore)


def create_protected_api(tokens: TokenStore) -> web.Application:
    """The protected API as an app to mount at `/api`; OAuth tokens are checked in `tokens`."""
    app = web.Application()
    app[TOKENS] = tokens
    app.router.add_get("/public/status", public_status)
    app.router.add_get("/bearer/me", bearer_me)
    app.router.add_get("/basic/me", basic_me)
    app.router.add_get("/key-header/me", key_header_me)
    app.router.add_get("/key-query/me", key_query_me)
    app.router.add_get("/oauth/me", oauth_me)
    return app


async def public_status(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": "workbench-sandbox", "auth_type": "none"})


async def bearer_me(request: web.Request) -> web.Response:
    token = _bearer_token(request)
    if not same_secret(token, BEARER_TOKEN):
        raise _invalid_token("the bearer token is not the sandbox's bearer token")
    return _me("bearer", subject="sandbox-bearer-user")


async def oauth_me(request: web.Request) -> web.Response:
    value = _bearer_token(request)
    if same_secret(value, BEARER_TOKEN):
        raise _invalid_token(
            "that is the static bearer token; this route needs an access token "
            "from POST /oauth/token"
        )
    try:
        token = request.app[TOKENS].check_access_token(value)
    except TokenRejected as rejected:
        raise _invalid_token(str(rejected)) from None
    if REQUIRED_SCOPE not in token.scopes:
        description = f"the token has scope {token.scope!r}; this route needs {REQUIRED_SCOPE}"
        raise json_error(
            403,
            {"error": "insufficient_scope", "message": description},
            www_authenticate=challenge(
                "Bearer",
                error="insufficient_scope",
                error_description=description,
                scope=REQUIRED_SCOPE,
            ),
        )
    seconds_left = int(request.app[TOKENS].seconds_left(token))
    return _me("oauth2", subject=token.client_id, scope=token.scope, expires_in=seconds_left)


async def basic_me(request: web.Request) -> web.Response:
    basic = challenge("Basic", charset="UTF-8")
    scheme, credentials = _authorization(request, basic, "'Authorization: Basic <base64>'")
    if scheme.lower() != "basic":
        raise _unauthorized("wrong_scheme", _wrong_scheme(scheme, credentials, "Basic"), basic)
    try:
        username, password = parse_basic(credentials)
    except MalformedCredentials as malformed:
        body = _body("invalid_request", str(malformed))
        raise json_error(400, body, www_authenticate=basic) from None
    if not same_secret(username, BASIC_USERNAME):
        raise _unauthorized("invalid_credentials", f"unknown username {username!r}", basic)
    if not same_secret(password, BASIC_PASSWORD):
        raise _unauthorized("invalid_credentials", f"wrong password for {username!r}", basic)
    return _me("basic_http", subject=username)


async def key_header_me(request: web.Request) -> web.Response:
    expected = challenge("ApiKey", **{"in": "header", "name": API_KEY_HEADER})
    key = request.headers.get(API_KEY_HEADER)
    if not key:
        where = ""
        if API_KEY_QUERY_PARAM in request.query:
            where = f"; an {API_KEY_QUERY_PARAM} query parameter was sent, but this route reads "
            where += "the key from the header only"
        message = f"no {API_KEY_HEADER} header{where}"
        raise _unauthorized("missing_api_key", message, expected)
    return _check_api_key(key, expected, location="header")


async def key_query_me(request: web.Request) -> web.Response:
    expected = challenge("ApiKey", **{"in": "query", "name": API_KEY_QUERY_PARAM})
    keys = request.query.getall(API_KEY_QUERY_PARAM, [])
    if len(keys) > 1:
        message = f"the {API_KEY_QUERY_PARAM} query parameter was sent {len(keys)} times"
        raise json_error(400, _body("invalid_request", message), www_authenticate=expected)
    if not keys or not keys[0]:
        where = ""
        if API_KEY_HEADER in request.headers:
            where = f"; an {API_KEY_HEADER} header was sent, but this route reads the key from "
            where += "the query only"
        message = f"no {API_KEY_QUERY_PARAM} query parameter{where}"
        raise _unauthorized("missing_api_key", message, expected)
    return _check_api_key(keys[0], expected, location="query_param")


def _check_api_key(key: str, expected_challenge: str, location: str) -> web.Response:
    if not same_secret(key, API_KEY):
        raise _unauthorized("invalid_api_key", "the API key is not valid", expected_challenge)
    return _me("api_key", subject="sandbox-api-key-user", location=location)


def _bearer_token(request: web.Request) -> str:
    """The token of a strictly formed `Authorization: Bearer <token>`, or a JSON error."""
    bearer = challenge("Bearer")
    hint = "'Authorization: Bearer <token>'"
    if "access_token" in request.query and "Authorization" not in request.headers:
        hint += " (the access_token query parameter is not read here)"
    scheme, credentials = _authorization(request, bearer, hint)
    if scheme.lower() != "bearer":
        raise _unauthorized("wrong_scheme", _wrong_scheme(scheme, credentials, "Bearer"), bearer)
    try:
        return parse_bearer(credentials)
    except MalformedCredentials as malformed:
        raise json_error(
            400,
            _body("invalid_request", str(malformed)),
            www_authenticate=challenge("Bearer", error="invalid_request"),
        ) from None


def _authorization(request: web.Request, expected: str, how: str) -> tuple[str, str]:
    """(scheme, credentials) of the one Authorization header, or a JSON error."""
    values = request.headers.getall("Authorization", [])
    if len(values) > 1:
        message = "the Authorization header was sent more than once"
        raise json_error(400, _body("invalid_request", message), www_authenticate=expected)
    if not values or not values[0].strip():
        raise _unauthorized("missing_credentials", f"no Authorization header; send {how}", expected)
    return split_authorization(values[0])


def _wrong_scheme(sent: str, credentials: str, expected: str) -> str:
    if not credentials:  # a bare value: likely a token without its scheme, so don't echo it
        return (
            f"the Authorization header has no scheme; this route expects '{expected} <credentials>'"
        )
    return f"the Authorization header uses the {sent!r} scheme; this route expects {expected}"


def _invalid_token(description: str) -> web.HTTPException:
    bearer = challenge("Bearer", error="invalid_token", error_description=description)
    return json_error(401, _body("invalid_token", description), www_authenticate=bearer)


def _unauthorized(error: str, message: str, www_authenticate: str) -> web.HTTPException:
    return json_error(401, _body(error, message), www_authenticate=www_authenticate)


def _body(error: str, message: str) -> dict[str, str]:
    return {"error": error, "message": message}


def _me(auth_type: str, *, subject: str, **details: Any) -> web.Response:
    return web.json_response(
        {"authenticated": True, "auth_type": auth_type, "subject": subject, **details}
    )
