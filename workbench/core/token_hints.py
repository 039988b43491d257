"""Hints for a token endpoint that gave no token, from what it said: the RFC 6749 error code,
the provider's own error_description (Entra AADSTS codes, Okta, Auth0, Google, panva
oidc-provider), its WWW-Authenticate challenge, and what the request sent.

Descriptions come first because one code covers many causes: invalid_grant is an expired
code, a reused code, a redirect_uri mismatch or a revoked refresh token, each with its own fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from workbench.core.api_hints import AuthFacts
from workbench.core.auth.assertion_hints import assertion_hint
from workbench.core.auth.token_endpoint import MissingAccessToken, TokenRefused
from workbench.core.errors import TokenEndpointError
from workbench.core.www_authenticate import parse_challenges

AUTHORIZE_AGAIN = "Authorize again: Authorize… in the app, `workbench authorize` on the CLI."
Rule = tuple[str, Callable[[AuthFacts], str]]


def _redirect_mismatch(auth: AuthFacts) -> str:
    uri = f" ({auth.redirect_uri})" if auth.redirect_uri else ""
    return ("redirect_uri does not match: it must equal, character for character, a redirect "
            "URI registered for the client and the one sent in the authorization request "
            f"(scheme, host, port, path, trailing slash). Register this redirect_uri{uri} at "
            f"the provider or set the registered one, then authorize again.")


def _code_reused(_auth: AuthFacts) -> str:
    return ("The authorization code was already redeemed: codes are single-use, and a second "
            "exchange (a retry, a double click, another tool) spends it — some providers then "
            f"revoke the tokens it gave. {AUTHORIZE_AGAIN}")


def _expired(auth: AuthFacts) -> str:
    if auth.grant_type == "refresh_token":
        return ("The refresh token has expired (providers end unused refresh tokens after days "
                f"or weeks of inactivity). Get a new one: {AUTHORIZE_AGAIN}")
    return ("The authorization code expired before it was exchanged: codes live minutes (Entra "
            f"10, Google and Okta fewer). {AUTHORIZE_AGAIN} Exchange the new code at once.")


def _refresh_reused(_auth: AuthFacts) -> str:
    return ("This refresh token was already used: the provider rotates refresh tokens (each "
            "refresh returns a new one and the old one dies; reusing an old one may revoke the "
            f"whole grant). Use the newest refresh token, or {AUTHORIZE_AGAIN.lower()}")


def _revoked(_auth: AuthFacts) -> str:
    return ("The refresh token is expired or revoked (a password change, a revoked consent, "
            "an admin sign-out, or rotation with the old one reused). Obtain a new one by "
            "authorizing again.")


def _refresh_unknown(_auth: AuthFacts) -> str:
    return ("The provider does not know this refresh token: it was copied incompletely or "
            "wrong, belongs to another client or environment, or was deleted. Paste it again, "
            "or authorize again for a new one.")


def _other_client(_auth: AuthFacts) -> str:
    return ("The code or refresh token was issued to another client: use the client_id (and "
            "secret) of the app that obtained it.")


def _malformed_code(_auth: AuthFacts) -> str:
    return ("The code was altered on the way: paste it exactly as it arrived in the redirect. "
            "Google codes start with '4/'; a URL-encoded '%2F' must be decoded once, not twice "
            "or never.")


def _google_bad_request(_auth: AuthFacts) -> str:
    return ("Google gives no reason (“Bad Request”): usually the code was used already or "
            "expired, or redirect_uri or the client differ from the authorization request's. "
            f"{AUTHORIZE_AGAIN}")


def _dpop_required(_auth: AuthFacts) -> str:
    return ("The provider wants DPoP proofs (RFC 9449) for this client: set dpop: true in "
            "oauth2_settings.")


def _oidc_provider_grant(auth: AuthFacts) -> str:
    if auth.grant_type == "refresh_token":
        return _revoked(auth)
    if auth.grant_type in ("client_credentials", "password", "jwt_bearer"):
        return ("The provider says only “grant request is invalid” (the wording of panva's "
                "oidc-provider): for this grant that is a missing sender constraint — a client "
                "registered for DPoP-bound tokens needs dpop: true, one for certificate-bound "
                "tokens the client certificate — or a resource it does not serve.")
    return ("The provider says only “grant request is invalid” (the wording of panva's "
            "oidc-provider, behind many Node identity servers): the code was used already or "
            "expired, redirect_uri differs from the authorization request, or the PKCE "
            f"code_verifier does not match. {AUTHORIZE_AGAIN}")


def _consent(_auth: AuthFacts) -> str:
    return ("Consent is missing: the user, or for these scopes an admin, has not consented to "
            "the app (Entra: grant admin consent under API permissions). Have them consent, "
            "then authorize again.")


def _secret_id_not_value(_auth: AuthFacts) -> str:
    return ("The client secret is wrong. Entra answers AADSTS7000215 when the secret's ID is "
            "sent instead of its value: copy the Value column of the client secret (shown only "
            "once when it was created), not the Secret ID; or create a new secret.")


def _wrong_secret(_auth: AuthFacts) -> str:
    return ("The client secret was refused: copy it again whole (no spaces or line breaks), "
            "and check at the provider that it has not expired or been rotated.")


def _unknown_client(_auth: AuthFacts) -> str:
    return ("The provider does not know this client_id here: check client_id, and that "
            "token_url points at the tenant or environment where the app is registered.")


def _secret_missing(_auth: AuthFacts) -> str:
    return ("The provider wants a client secret (the client is confidential) but none was "
            "sent: fill in client_secret.")


def _public_client(_auth: AuthFacts) -> str:
    return ("The client is registered as public, so it must send no client secret: empty "
            "client_secret (PKCE proves the client instead), or make it confidential.")


def _wants_basic(_auth: AuthFacts) -> str:
    return ("The provider wants the client id and secret in an HTTP Basic header "
            "(client_secret_basic), not in the form body: set is_basic_auth: true.")


def _wants_body(_auth: AuthFacts) -> str:
    return ("The provider wants the client id and secret in the form body "
            "(client_secret_post), not in a Basic header: set is_basic_auth: false.")


def _scope_rejected(auth: AuthFacts) -> str:
    return (f"A requested scope is unknown or not allowed for this client: {auth.scopes!r}. "
            "Entra wants resource scopes such as api://<app id>/.default (client credentials "
            "take only .default); others list the scopes the client may ask for at the "
            "provider.")


# (pattern over "error error_description", cause) — the first match wins.
_RULES: list[Rule] = [
    (r"AADSTS50011|redirect_uri_mismatch|redirect[_ ]?uri (mismatch|does not match|is not "
     r"registered)|callback url mismatch|redirect_uri.*(mismatch|not match)", _redirect_mismatch),
    (r"AADSTS54005|already (been )?redeemed|code (was )?already (been )?used|code already "
     r"consumed|authorization code (has )?already", _code_reused),
    (r"refresh token (was |has been )?(already used|reuse)|token reuse", _refresh_reused),
    (r"refresh token (is )?(unknown|not found)|unknown refresh token", _refresh_unknown),
    (r"issued to another client|client mismatch", _other_client),
    (r"AADSTS70008|AADSTS700082|(code|token) (is |has )?expired|invalid or has expired|"
     r"expired due to inactivity", _expired),
    (r"AADSTS50173|AADSTS70043|expired or revoked|has been revoked|refresh token not found|"
     r"refresh token is invalid", _revoked),
    (r"malformed auth code", _malformed_code),
    (r"^invalid_grant bad request$", _google_bad_request),
    (r"^invalid_grant grant request is invalid$", _oidc_provider_grant),
    (r"invalid_dpop_proof|dpop proof (jwt )?(is )?(missing|not provided|required)|"
     r"requires? dpop", _dpop_required),
    (r"AADSTS65001|not consented|consent_required|consent required", _consent),
    (r"AADSTS7000215", _secret_id_not_value),
    (r"AADSTS7000218|is confidential: send its secret|client_secret is (required|missing)|"
     r"must contain.*client_secret", _secret_missing),
    (r"AADSTS700025|client is public", _public_client),
    (r"AADSTS700016|unknown client|client not found|invalid value for 'client_id'|"
     r"was not found in the directory", _unknown_client),
    (r"wrong client_secret|invalid client secret|client secret (supplied|provided)?.*invalid|"
     r"client_secret.*(incorrect|wrong)", _wrong_secret),
    (r"client_secret_post.*not (allowed|supported)|must use (http )?basic|use client_secret_"
     r"basic", _wants_basic),
    (r"client_secret_basic.*not (allowed|supported)|basic (auth(entication)?|header) (is )?"
     r"not (allowed|supported)|use client_secret_post", _wants_body),
    (r"AADSTS70011|AADSTS28000|AADSTS500011", _scope_rejected),
]


def token_hint(error: TokenEndpointError, auth: AuthFacts) -> str:
    """The fix for a token endpoint's refusal, from the most specific evidence there is."""
    oauth = auth.auth_type == "oauth2" or auth.grant_type is not None
    if error.status in (404, 405):
        if not oauth:
            return ("The sign-in endpoint does not exist there: check the environment and the "
                    "base URL.")
        return "token_url looks wrong: the provider has no token endpoint there."
    code = (error.error or "").lower()
    said = f"{code} {error.error_description or ''}".strip()
    if code in ("invalid_client", "invalid_grant"):
        signed = assertion_hint(error.error_description or "", auth)
        if signed is not None and (code == "invalid_client") != (auth.grant_type == "jwt_bearer"):
            return signed
    if code == "invalid_grant" and auth.grant_type == "password":
        return ("The user name or password was refused (password grant). Check both; accounts "
                "with MFA or federated sign-in cannot use this grant at all.")
    for pattern, cause in _RULES:
        if re.search(pattern, said, re.IGNORECASE):
            return cause(auth)
    if code == "invalid_client":
        return _invalid_client(error, auth)
    if code == "invalid_grant":
        if auth.grant_type == "authorization_code":
            return ("The code or refresh token was rejected: codes are single-use and expire "
                    "within minutes (and redirect_uri must match), refresh tokens expire or are "
                    f"revoked. {AUTHORIZE_AGAIN}")
        return _revoked(auth)
    if code == "invalid_scope":
        return _scope_rejected(auth)
    if code == "unauthorized_client":
        listed = re.search(r"(?i)configured grant types?:?\s*(\[[^\]]*\]|\S+)",
                           error.error_description or "")
        allowed = f" (the provider lists {listed.group(1)})" if listed else ""
        return (f"This client is not allowed the {auth.grant_type} grant{allowed}: enable the "
                "grant for the client at the provider, or use the grant_type it was registered "
                "for.")
    if code == "unsupported_grant_type":
        return (f"The provider does not support grant_type {auth.grant_type}: check grant_type "
                "and token_url against the provider's documentation.")
    if code == "invalid_request":
        placement = "a Basic header" if auth.is_basic_auth else "the request body"
        return ("The token request is malformed for this provider: check grant_type, token_url, "
                f"parameters it requires (audience, resource), and where client credentials go "
                f"(now {placement}).")
    if code:
        return (f"The provider answered with its own error code {error.error!r}: look it up in "
                "the provider's documentation; the description above is its explanation.")
    return _without_error_code(error, auth, oauth)


def _invalid_client(error: TokenEndpointError, auth: AuthFacts) -> str:
    challenges = parse_challenges(error.challenges) if isinstance(error, TokenRefused) else []
    if any(c.is_scheme("basic") for c in challenges) and not auth.is_basic_auth:
        return ("The provider refused the client and asks for HTTP Basic (WWW-Authenticate: "
                "Basic) while the id and secret went in the form body: set is_basic_auth: true "
                "(and check the secret if that does not help).")
    placement = "a Basic header" if auth.is_basic_auth else "the request body"
    other = "Basic header (is_basic_auth: true)"
    if auth.is_basic_auth:
        other = "body (is_basic_auth: false)"
    return (f"The client id or secret was rejected. They were sent in {placement}; check them, "
            f"and whether this provider expects them in the {other}.")


def _without_error_code(error: TokenEndpointError, auth: AuthFacts, oauth: bool) -> str:
    if isinstance(error, MissingAccessToken):
        if error.candidates:
            key = error.candidates[0]
            return (f"The provider returned the token under '{key}', not access_token: add "
                    f'key_map: "{key}" to an access_token field (and map expires_in and '
                    "token_type the same way if they are renamed too).")
        return ("The answer holds nothing that looks like a token: token_url may be another "
                "endpoint of the provider, or the grant succeeded without issuing one; compare "
                "the response body (in the log) with the provider's documentation.")
    if not oauth:
        return ("The sign-in was refused: check the credentials and the environment they were "
                "issued for.")
    if error.status is not None and error.status >= 500:
        return "The token endpoint failed on its side; try again later or check token_url."
    if error.status == 400:
        placement = "a Basic header" if auth.is_basic_auth else "the request body"
        return ("The token endpoint refused the request without an OAuth error code, so it "
                "gives no reason: check grant_type and token_url against the provider's "
                f"documentation, parameters it requires (audience, resource, scope), and where "
                f"client credentials go (now {placement}).")
    if error.status is not None and error.status < 300:
        return ("Verify token_url: it answered 200 with something that is not a token (a login "
                "or web page, or another endpoint), so it is probably not the token endpoint.")
    return "Verify token_url: it must be the provider's token endpoint, not a web page."
