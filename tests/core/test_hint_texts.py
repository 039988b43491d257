"""Every hint producer over representative evidence: different causes never share one text,
and every outcome but ok comes with a hint.

Units on purpose (responses built in memory): the producers are pure functions of the
evidence; the tests against local servers are in test_api_evidence_hints.py and
test_token_evidence_hints.py.
"""

from __future__ import annotations

import json
from typing import get_args

import httpx

from workbench.core.api_hints import AuthFacts
from workbench.core.auth.introspection import Introspection
from workbench.core.auth.token_endpoint import MissingAccessToken, TokenRefused
from workbench.core.errors import _HINTS, NetworkError, TokenEndpointError
from workbench.core.negative_control import NegativeControl, apply
from workbench.core.platforms.api import PlatformError
from workbench.core.token_admin import introspected_verdict
from workbench.core.verdict import (
    Outcome,
    Verdict,
    cancelled,
    config_error,
    from_network_error,
    from_response,
    from_token_error,
    internal_error,
)

OAUTH = AuthFacts("oauth2", "client_credentials", scopes="api:read", granted_scopes="api:read")
CODE = AuthFacts("oauth2", "authorization_code", redirect_uri="http://127.0.0.1/cb")
REFRESH = AuthFacts("oauth2", "refresh_token")
KEY = AuthFacts("api_key", location="header", key_name="X-Key")
KEY_IN_AUTHORIZATION = AuthFacts("api_key", location="header", key_name="Authorization")


def api(status: int, auth: AuthFacts, *challenges: str, body: object = None,
        sent: str | None = None) -> Verdict:
    request = httpx.Request("GET", "http://127.0.0.1/me",
                            headers={"Authorization": sent} if sent else {})
    headers = [("WWW-Authenticate", c) for c in challenges]
    content = json.dumps(body).encode() if body is not None else b""
    if body is not None:
        headers.append(("Content-Type", "application/json"))
    return from_response(httpx.Response(status, headers=headers, content=content,
                                        request=request), "GET /me", auth)


def token(auth: AuthFacts, error: str | None, description: str | None = None,
          status: int = 400, challenge: str = "") -> Verdict:
    refused = TokenRefused("refused", status=status, error=error,
                           error_description=description,
                           challenges=(challenge,) if challenge else ())
    return from_token_error(refused, auth)


def causes() -> dict[str, Verdict]:
    """One representative piece of evidence per cause."""
    c: dict[str, Verdict] = {
        # the API refused (401/403), by evidence
        "no credentials configured": api(401, AuthFacts()),
        "bearer token rejected": api(401, AuthFacts("bearer"), sent="Bearer t"),
        "basic credentials rejected": api(401, AuthFacts("basic_http"), sent="Basic YTpi"),
        "api key rejected or misplaced": api(401, KEY),
        "bare key in Authorization, no challenge": api(401, KEY_IN_AUTHORIZATION, sent="k"),
        "missing Bearer prefix": api(401, KEY_IN_AUTHORIZATION, 'Bearer realm="x"', sent="k"),
        "wrong key_name": api(401, KEY, body={"message": "Missing header X-Api-Key"}),
        "bearer wanted, other scheme sent": api(401, AuthFacts("basic_http"), "Bearer",
                                                sent="Basic YTpi"),
        "bearer wanted, nothing in Authorization": api(401, KEY, "Bearer"),
        "basic expected": api(401, AuthFacts("bearer"), 'Basic realm="x"', sent="Bearer t"),
        "windows sign-in": api(401, AuthFacts("bearer"), "Negotiate", sent="Bearer t"),
        "invalid token": api(401, OAUTH, 'Bearer error="invalid_token"', sent="Bearer t"),
        "malformed token request": api(401, OAUTH, 'Bearer error="invalid_request"',
                                       sent="Bearer t"),
        "missing scope": api(403, OAUTH, 'Bearer error="insufficient_scope", scope="b"'),
        "oauth token refused by the API": api(401, OAUTH, sent="Bearer t"),
        "lacking permission": api(403, OAUTH),
        "another tenant": api(403, OAUTH, body={"message": "wrong tenant for this resource"}),
        # the API answered otherwise
        "endpoint missing": api(404, OAUTH),
        "rate limited": api(429, OAUTH),
        "server failed": api(503, OAUTH),
        "redirect not followed": api(302, OAUTH),
        "request rejected": api(400, OAUTH),
        "proxy wants credentials": api(407, OAUTH),
        # the token endpoint refused, by the provider's words
        "redirect_uri mismatch": token(CODE, "invalid_request", "AADSTS50011: The redirect URI"),
        "code already redeemed": token(CODE, "invalid_grant", "AADSTS54005: already redeemed"),
        "code expired": token(CODE, "invalid_grant", "AADSTS70008: code has expired"),
        "refresh token expired": token(REFRESH, "invalid_grant", "AADSTS700082: has expired"),
        "refresh token revoked": token(REFRESH, "invalid_grant", "Token has been expired or "
                                       "revoked."),
        "refresh token reused": token(REFRESH, "invalid_grant", "refresh token already used"),
        "refresh token unknown": token(REFRESH, "invalid_grant", "refresh token is unknown"),
        "issued to another client": token(REFRESH, "invalid_grant", "client mismatch"),
        "code mangled": token(CODE, "invalid_grant", "Malformed auth code."),
        "google says nothing": token(CODE, "invalid_grant", "Bad Request"),
        "oidc-provider says little": token(CODE, "invalid_grant", "grant request is invalid"),
        "consent missing": token(CODE, "invalid_grant", "AADSTS65001: has not consented"),
        "secret ID instead of value": token(OAUTH, "invalid_client", "AADSTS7000215: x", 401),
        "secret missing": token(OAUTH, "invalid_client", "AADSTS7000218: client_secret"),
        "public client sent a secret": token(OAUTH, "invalid_client", "AADSTS700025: x"),
        "unknown client": token(OAUTH, "unauthorized_client", "AADSTS700016: not found"),
        "wrong secret": token(OAUTH, "invalid_client", "Invalid client secret provided", 401),
        "wants basic (said)": token(OAUTH, "invalid_client", "use client_secret_basic", 401),
        "wants body": token(OAUTH, "invalid_client", "use client_secret_post", 401),
        "wants basic (challenge)": token(OAUTH, "invalid_client", None, 401, 'Basic realm="t"'),
        "client rejected": token(OAUTH, "invalid_client", None, 401),
        "code or refresh token rejected": token(CODE, "invalid_grant"),
        "scope rejected": token(OAUTH, "invalid_scope"),
        "grant not allowed": token(OAUTH, "unauthorized_client"),
        "grant unsupported": token(OAUTH, "unsupported_grant_type"),
        "token request malformed": token(OAUTH, "invalid_request"),
        "provider-specific code": token(OAUTH, "slow_down_please"),
        "token under another name": from_token_error(MissingAccessToken(
            "x", status=200, candidates=("bearerToken",)), OAUTH),
        "no token at all": from_token_error(MissingAccessToken("x", status=200), OAUTH),
        "token_url missing": from_token_error(TokenEndpointError("x", status=404), OAUTH),
        "vendor sign-in endpoint missing": from_token_error(
            TokenEndpointError("x", status=404), AuthFacts("tripletex")),
        "vendor sign-in refused": from_token_error(TokenEndpointError("x", status=401),
                                                   AuthFacts("tripletex")),
        "token endpoint failed": from_token_error(TokenEndpointError("x", status=502), OAUTH),
        "token endpoint 400 without a code": from_token_error(
            TokenEndpointError("x", status=400), OAUTH),
        "token_url answers 200 with no token": from_token_error(
            TokenEndpointError("x", status=200), OAUTH),
        "token_url is a web page": from_token_error(TokenEndpointError("x", status=302), OAUTH),
        # the rest
        "cancelled": cancelled(),
        "bug": internal_error(ValueError()),
        "config": config_error("bad value"),
        "token inactive": introspected_verdict(Introspection(False), "access_token"),
        "unproven": apply(Verdict("ok", "GET /me answered 200 OK"),
                          NegativeControl("key_value", "unproven", "ok", 200, "passed")),
    }
    for status in (412, 200):  # platform accounts: suspended, not the platform's JSON
        error = PlatformError("x", status=status)
        c[f"platform {error.outcome}"] = Verdict(error.outcome, str(error), error.hint,
                                                 status=status)
    for kind in _HINTS:
        c[f"network: {kind}"] = from_network_error(NetworkError(kind, "detail"))
    return c


def test_different_causes_never_share_a_hint_text() -> None:
    found = causes()
    by_text: dict[str, list[str]] = {}
    for cause, verdict in found.items():
        by_text.setdefault(verdict.hint, []).append(cause)
    shared = {text: names for text, names in by_text.items() if len(names) > 1}
    assert not shared, shared


def test_every_outcome_but_ok_has_a_hint() -> None:
    found = causes()
    for cause, verdict in found.items():
        assert verdict.outcome != "ok", cause
        assert verdict.hint.strip(), cause
    missing = set(get_args(Outcome)) - {"ok"} - {v.outcome for v in found.values()}
    assert not missing, f"outcomes no producer above yields: {missing}"
