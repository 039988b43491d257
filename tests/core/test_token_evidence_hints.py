"""A token endpoint's refusal, in the words real providers use, gets the fix for its cause.

The stand-ins answer with the providers' own JSON shapes and texts (Entra's AADSTS codes,
Okta, Auth0, Google, panva's oidc-provider); the real oidc-provider gives some of them live.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen

TRACE = "\r\nTrace ID: 0b1c-7d\r\nCorrelation ID: 5e5e-11\r\nTimestamp: 2026-05-04 12:02:11Z"


def entra(code: int, error: str, text: str) -> dict[str, object]:
    """Entra ID's token error body, as login.microsoftonline.com sends it."""
    return {"error": error, "error_description": f"AADSTS{code}: {text}{TRACE}",
            "error_codes": [code], "timestamp": "2026-05-04 12:02:11Z",
            "trace_id": "0b1c-7d", "correlation_id": "5e5e-11"}


CODE_FIELDS = """
            - name: code
            - name: redirect_uri
              value: "http://127.0.0.1:53682/callback"
"""
REFRESH_FIELDS = """
            - name: refresh_token
              is_encrypted: true
"""

CASES = [
    # (grant, status, body, words the hint must have)
    ("authorization_code", 400, entra(50011, "invalid_request",
     "The redirect URI 'http://127.0.0.1:53682/callback' specified in the request does not "
     "match the redirect URIs configured for the application 'a1b2'."),
     ["redirect_uri does not match", "http://127.0.0.1:53682/callback"]),
    ("authorization_code", 400, entra(70008, "invalid_grant",
     "The provided authorization code or refresh token has expired due to inactivity. Send a "
     "new interactive authorization request for this user and resource."),
     ["code expired before it was exchanged"]),
    ("refresh_token", 400, entra(700082, "invalid_grant",
     "The refresh token has expired due to inactivity. The token was issued on 2026-01-02 and "
     "was inactive for 90.00:00:00."), ["refresh token has expired"]),
    ("authorization_code", 400, entra(54005, "invalid_grant",
     "OAuth2 Authorization code was already redeemed, please retry with a new valid code or "
     "use an existing refresh token."), ["already redeemed", "single-use"]),
    ("client_credentials", 401, entra(7000215, "invalid_client",
     "Invalid client secret provided. Ensure the secret being sent in the request is the "
     "client secret value, not the client secret ID, for a secret added to app 'a1b2'."),
     ["Value column", "not the Secret ID"]),
    ("client_credentials", 400, entra(7000218, "invalid_client",
     "The request body must contain the following parameter: 'client_assertion' or "
     "'client_secret'."), ["wants a client secret"]),
    ("client_credentials", 400, entra(700016, "unauthorized_client",
     "Application with identifier 'a1b2' was not found in the directory 'Contoso'."),
     ["does not know this client_id"]),
    ("authorization_code", 400, entra(65001, "invalid_grant",
     "The user or administrator has not consented to use the application with ID 'a1b2'."),
     ["Consent is missing"]),
    ("client_credentials", 400, entra(70011, "invalid_scope",
     "The provided request must include a 'scope' input parameter. The provided value for the "
     "input parameter 'scope' is not valid."), ["api://<app id>/.default"]),
    # Okta
    ("authorization_code", 400, {"error": "invalid_grant", "error_description":
     "The authorization code is invalid or has expired."}, ["code expired"]),
    ("refresh_token", 400, {"error": "invalid_grant", "error_description":
     "The refresh token is invalid or expired."}, ["expired or revoked"]),
    ("client_credentials", 400, {"error": "unauthorized_client", "error_description":
     "The client is not authorized to use the provided grant type. Configured grant types: "
     "[authorization_code, refresh_token]."},
     ["not allowed the client_credentials grant", "[authorization_code, refresh_token]"]),
    ("client_credentials", 401, {"error": "invalid_client", "error_description":
     "The client secret supplied for a confidential client is invalid."},
     ["client secret was refused"]),
    # Auth0
    ("authorization_code", 403, {"error": "invalid_grant", "error_description":
     "Callback URL mismatch. http://localhost/cb is not in the list of allowed callback URLs"},
     ["redirect_uri does not match"]),
    # Google
    ("authorization_code", 400, {"error": "invalid_grant", "error_description": "Bad Request"},
     ["Google gives no reason"]),
    ("authorization_code", 400, {"error": "invalid_grant",
                                 "error_description": "Malformed auth code."},
     ["altered on the way", "4/"]),
    ("refresh_token", 400, {"error": "invalid_grant",
                            "error_description": "Token has been expired or revoked."},
     ["expired or revoked"]),
    ("authorization_code", 400, {"error": "redirect_uri_mismatch", "error_description":
     "Bad Request"}, ["redirect_uri does not match"]),
    # panva oidc-provider (as the real one says it: tests/integration/test_oidc_hints.py)
    ("authorization_code", 400, {"error": "invalid_grant",
                                 "error_description": "grant request is invalid"},
     ["grant request is invalid", "PKCE code_verifier"]),
    # the workbench sandbox
    ("refresh_token", 400, {"error": "invalid_grant", "error_description":
     "the refresh token was already used; each refresh returns a new one (rotation) and the "
     "old one stops working"}, ["already used", "rotates refresh tokens"]),
    ("refresh_token", 400, {"error": "invalid_grant", "error_description":
     "the refresh token is unknown to this sandbox"}, ["does not know this refresh token"]),
]


def _connector(grant: str, basic: bool = False):  # type: ignore[no-untyped-def]
    extra = {"authorization_code": CODE_FIELDS, "refresh_token": REFRESH_FIELDS}.get(grant, "")
    return auth_connector(oauth_entry(grant, basic, extra, scopes="api:read"))


VALUES = {"client_id": "cid", "client_secret": "cs", "refresh_token": "rt", "code": "c0de"}


@pytest.mark.parametrize(("grant", "status", "body", "words"), CASES,
                         ids=[f"{c[2]['error']}-{i}" for i, c in enumerate(CASES)])
async def test_each_provider_error_gets_the_hint_for_its_cause(
        server: RecordingServer, grant: str, status: int, body: dict[str, object],
        words: list[str]) -> None:
    server.json("POST", "/token", body, status=status)
    verdict = (await check(_connector(grant), {"url": server.url, **VALUES})).verdict
    assert verdict.outcome == "token_error"
    for word in words:
        assert word in verdict.hint, (word, verdict.hint)


def test_the_cases_cover_different_hints() -> None:
    """Not one text for all: the causes above read differently (the ids say which case)."""
    assert len({tuple(c[3]) for c in CASES}) >= 18


async def test_invalid_client_with_a_basic_challenge_says_set_is_basic_auth_true(
        server: RecordingServer) -> None:
    """A provider that takes only client_secret_basic: body credentials are refused with a
    Basic challenge (RFC 6749 §5.2)."""
    def token(seen: Seen) -> web.Response:
        if (seen.header("Authorization") or "").startswith("Basic "):
            return web.json_response({"access_token": "at"})
        return web.json_response(
            {"error": "invalid_client", "error_description": "Client authentication failed"},
            status=401, headers={"WWW-Authenticate": 'Basic realm="token"'})

    server.route("POST", "/token", token)
    server.json("GET", "/me", {})
    verdict = (await check(_connector("client_credentials"),
                           {"url": server.url, **VALUES})).verdict
    assert "asks for HTTP Basic" in verdict.hint and "set is_basic_auth: true" in verdict.hint
    assert (await check(_connector("client_credentials", basic=True),
                        {"url": server.url, **VALUES})).verdict.ok


async def test_basic_refused_for_a_body_only_client_says_set_is_basic_auth_false(
        server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_client", "error_description":
                                   "client_secret_basic is not allowed for this client; use "
                                   "client_secret_post"}, status=401)
    verdict = (await check(_connector("client_credentials", basic=True),
                           {"url": server.url, **VALUES})).verdict
    assert "set is_basic_auth: false" in verdict.hint


async def test_the_key_map_hint_names_the_key_the_provider_used(server: RecordingServer) -> None:
    server.json("POST", "/token", {"bearerToken": "x1", "expiresIn": 600})
    verdict = (await check(_connector("client_credentials"),
                           {"url": server.url, **VALUES})).verdict
    assert "under 'bearerToken', not access_token" in verdict.hint
    assert 'key_map: "bearerToken"' in verdict.hint
    server.json("POST", "/token", {"data": {"accessToken": "x2", "tokenType": "Bearer"}})
    verdict = (await check(_connector("client_credentials"),
                           {"url": server.url, **VALUES})).verdict
    assert 'key_map: "data.accessToken"' in verdict.hint


async def test_odd_but_valid_token_answers_work(server: RecordingServer) -> None:
    """Form-encoded (GitHub's classic answer), expires_in as a string, no token_type."""
    server.route("POST", "/token", lambda _s: web.Response(
        text="access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo&"
             "token_type=bearer", content_type="application/x-www-form-urlencoded"))
    server.json("GET", "/me", {})
    result = await check(_connector("client_credentials"), {"url": server.url, **VALUES})
    assert result.verdict.ok
    assert server.requests_to("/me")[0].header("Authorization") == (
        "Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a")
    server.json("POST", "/token", {"access_token": "at-s", "expires_in": "3600"})
    result = await check(_connector("client_credentials"), {"url": server.url, **VALUES})
    assert result.verdict.ok and result.token is not None
    left = result.token.expires_in()
    assert left is not None and 3500 < left <= 3600


async def test_a_400_without_an_error_code_says_it_gave_no_reason(
        server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(status=400, text="Bad Request"))
    verdict = (await check(_connector("client_credentials"),
                           {"url": server.url, **VALUES})).verdict
    assert verdict.outcome == "token_error"
    assert "'Bad Request'" in verdict.summary
    assert "without an OAuth error code, so it gives no reason" in verdict.hint
    assert "audience, resource, scope" in verdict.hint


async def test_a_200_with_an_oauth_error_gets_that_error_s_hint(
        server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_scope", "error_description": "no"})
    verdict = (await check(_connector("client_credentials"),
                           {"url": server.url, **VALUES})).verdict
    assert verdict.outcome == "token_error" and verdict.status == 200
    assert "A requested scope is unknown" in verdict.hint


async def test_tripletex_wrong_environment_hint_replaces_the_generic_one() -> None:
    from workbench.core.config import bundled_connectors_dir, load_connector
    from workbench.sandbox.server import start_sandbox

    path = bundled_connectors_dir() / "sandbox" / "sesam-tripletex" / "manifest.json"
    bp = load_connector(path).blueprint
    async with await start_sandbox("127.0.0.1", 0) as sandbox:
        verdict = (await check(bp, {"sandbox_url": sandbox.url,
                                    "environment": "production"})).verdict
    assert verdict.outcome == "token_error"
    assert "token_url" not in verdict.hint
    assert "tokens of a test account do not work in production" in verdict.hint


def test_a_vendor_sign_in_without_an_own_hint_never_speaks_of_token_url() -> None:
    from workbench.core.api_hints import AuthFacts
    from workbench.core.errors import TokenEndpointError
    from workbench.core.verdict import from_token_error

    verdict = from_token_error(TokenEndpointError("refused", status=401), AuthFacts("jwt"))
    assert "token_url" not in verdict.hint and verdict.hint
