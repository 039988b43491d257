"""Findings about the OAuth dance itself: the authorization request, the redirect back and the
token request — state, PKCE, redirect_uri, and what the token endpoint said.

The authorization request, its redirect and its token request are paired by their values
(state, then code), so a capture with two login attempts is judged attempt by attempt.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

from workbench.core.api_hints import AuthFacts
from workbench.core.auth import pkce
from workbench.core.auth.authorization import (
    AuthorizationError,
    AuthorizationRequest,
    read_redirect,
)
from workbench.core.auth.token_endpoint import read_token_response
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import AuthFlow, Step
from workbench.core.errors import TokenEndpointError
from workbench.core.secret_digest import digest
from workbench.core.token_hints import token_hint

_REDIRECT_WORDS = ("redirect_uri", "redirect uri", "aadsts50011", "callback url", "reply url")


def oauth_findings(flow: AuthFlow) -> Iterator[Finding]:
    authorizes, callbacks = flow.of("authorize"), flow.of("callback")
    tokens = [t for t in flow.of("token") if t.event.method == "POST"]
    for callback in callbacks:
        yield from _state(callback, authorizes)
        yield from _authorization_error(callback)
    for authorize in authorizes:
        yield from _pkce_request(authorize)
        yield from _provider_page(authorize)
    seen_codes: dict[str, Step] = {}
    for token in tokens:
        grant = token.form.get("grant_type", "")
        if grant == "authorization_code":
            paired = _authorize_for(token, callbacks, authorizes)
            if paired is not None:
                yield from _pkce_exchange(paired, token)
                yield from _redirect_uri(paired, token)
            code = digest(token.form.get("code"))
            if code and code in seen_codes:
                yield _reused(seen_codes[code], token)
            elif code:
                seen_codes[code] = token
        yield from _token_answer(token, _authorize_before(token, authorizes))


# -- state ----------------------------------------------------------------------------------

def _state(callback: Step, authorizes: list[Step]) -> Iterator[Finding]:
    earlier = [a for a in authorizes if a.index <= callback.index]
    if not earlier:
        return
    latest = earlier[-1]
    returned = callback.params.get("state")
    sent = latest.query.get("state")
    at = (latest.index, callback.index)
    if not sent:
        yield Finding("state_missing", "warning", "The authorization request sent no state",
                      "Without state (and without PKCE) nothing ties the redirect to the login "
                      "this browser started (CSRF): the app should send an unguessable state "
                      "and check it when the redirect comes back.", at)
        return
    if returned is None:
        yield Finding("state_lost", "error", "The redirect back carries no state although the "
                      "authorization request sent one",
                      "The provider (or a proxy, or a redirect in between) dropped state; an "
                      "app that checks state refuses this answer. Look at the redirects between "
                      "the two entries and at the provider's redirect_uri settings.", at)
        return
    if digest(returned) == digest(sent):
        return
    older = next((a for a in reversed(earlier[:-1])
                  if digest(a.query.get("state")) == digest(returned)), None)
    if older is not None:
        yield Finding("state_lost", "error", "The redirect answers an older login attempt: "
                      "its state is that of an earlier authorization request, not the latest",
                      "Two logins were started (a second tab, a double click, a retry) and the "
                      "answer to the first arrived after the second replaced its state, so "
                      "the app refuses it. Close other tabs of the app and log in once.",
                      (older.index, latest.index, callback.index))
        return
    yield Finding("state_lost", "error", "The state that came back is not the one sent: the "
                  "app lost it between the authorization request and the callback",
                  "The app keeps state (in a cookie, session storage or its server session) "
                  "until the redirect returns; it was gone or replaced. Usual causes: a "
                  "session cookie dropped by SameSite on the way back (see the cookie "
                  "findings), another host or port for the callback than the one that started "
                  "the login (localhost vs 127.0.0.1), or a load balancer without sticky "
                  "sessions.", at)


def _authorization_error(callback: Step) -> Iterator[Finding]:
    params = callback.params
    if "error" not in params:
        return
    request = AuthorizationRequest("", "", params.get("state", ""), "")
    try:
        read_redirect("https://callback.invalid/?" + urlencode(params), request)
    except AuthorizationError as exc:
        message = str(exc)
    else:
        return
    words = (params.get("error", "") + " " + params.get("error_description", "")).lower()
    code = "redirect_uri_mismatch" if any(w in words for w in _REDIRECT_WORDS) else \
        "authorization_error"
    hint = token_hint(TokenEndpointError(message, error=params.get("error"),
                                         error_description=params.get("error_description")),
                      AuthFacts(auth_type="oauth2", grant_type="authorization_code"))
    yield Finding(code, "error", f"The provider refused the login: {message}", hint,
                  (callback.index,))


def _provider_page(authorize: Step) -> Iterator[Finding]:
    """An authorization request answered with the provider's own error page (Entra's
    AADSTS50011, Google's 'Error 400: redirect_uri_mismatch')."""
    status = authorize.event.status or 0
    if status < 400 and status != 200:
        return
    text = authorize.event.response_body[:200_000].decode("utf-8", "replace").lower()
    if any(w in text for w in ("redirect_uri_mismatch", "aadsts50011",
                               "redirect uri specified in the request does not match",
                               "invalid redirect_uri", "redirect_uri is not registered")):
        yield Finding("redirect_uri_mismatch", "error",
                      "The provider refused the authorization request: redirect_uri is not "
                      "registered for this client",
                      _mismatch_hint(authorize.query.get("redirect_uri", "")),
                      (authorize.index,))


# -- PKCE -----------------------------------------------------------------------------------

def _pkce_request(authorize: Step) -> Iterator[Finding]:
    query = authorize.query
    if "code_challenge" not in query:
        yield Finding("pkce_missing", "warning", "The authorization request sends no PKCE "
                      "code_challenge",
                      "Without PKCE a stolen code can be exchanged by anyone; OAuth 2.1 and "
                      "most providers require it for browser and desktop apps (some refuse "
                      "the token request with 'PKCE required'). Send code_challenge with "
                      "code_challenge_method=S256 and the code_verifier in the token request.",
                      (authorize.index,))
    elif query.get("code_challenge_method", "plain") != "S256":
        yield Finding("pkce_plain", "warning", "PKCE uses the plain method, not S256",
                      "With 'plain' (also the default when code_challenge_method is missing) "
                      "the challenge is the verifier itself, so whoever sees the redirect can "
                      "redeem the code. Use code_challenge_method=S256.", (authorize.index,))


def _pkce_exchange(authorize: Step, token: Step) -> Iterator[Finding]:
    challenge = authorize.query.get("code_challenge")
    verifier = token.form.get("code_verifier")
    at = (authorize.index, token.index)
    if challenge and not verifier:
        yield Finding("pkce_verifier_missing", "error", "The token request sends no "
                      "code_verifier, but the authorization request sent a code_challenge",
                      "The provider refuses the exchange (invalid_grant or 'PKCE verification "
                      "failed'): send the code_verifier that belongs to this login's "
                      "code_challenge in the token request.", at)
    elif verifier and not challenge:
        yield Finding("pkce_unexpected_verifier", "warning", "The token request sends a "
                      "code_verifier, but its authorization request had no code_challenge",
                      "Providers refuse a verifier for a code issued without a challenge; the "
                      "app probably mixed up two login attempts.", at)
    elif challenge and verifier and authorize.query.get("code_challenge_method") == "S256" \
            and pkce.challenge(verifier) != challenge:
        yield Finding("pkce_mismatch", "error", "The code_verifier does not belong to the "
                      "code_challenge of this login (SHA-256 of the verifier differs)",
                      "The app sent the verifier of another login attempt (a second tab "
                      "started a new one and overwrote the stored verifier, or it was "
                      "regenerated): keep one verifier per login and send it unchanged.", at)


# -- redirect_uri ---------------------------------------------------------------------------

def _redirect_uri(authorize: Step, token: Step) -> Iterator[Finding]:
    sent = authorize.query.get("redirect_uri")
    exchanged = token.form.get("redirect_uri")
    at = (authorize.index, token.index)
    if sent and exchanged is None:
        yield Finding("redirect_uri_mismatch", "error", "The token request has no "
                      "redirect_uri, but the authorization request sent one",
                      "RFC 6749 §4.1.3: when the authorization request named a redirect_uri, "
                      "the token request must send the same one; providers answer "
                      "invalid_grant. " + _mismatch_hint(sent), at)
    elif sent and exchanged is not None and exchanged != sent:
        yield Finding("redirect_uri_mismatch", "error", "redirect_uri differs between the "
                      f"authorization request ({sent}) and the token request ({exchanged})",
                      _differs(sent, exchanged) + " " + _mismatch_hint(sent), at)


def _differs(a: str, b: str) -> str:
    pa, pb = urlsplit(a), urlsplit(b)
    for label, x, y in (("scheme", pa.scheme, pb.scheme), ("host", pa.hostname, pb.hostname),
                        ("port", pa.port, pb.port), ("path", pa.path, pb.path),
                        ("query", pa.query, pb.query)):
        if x != y:
            return f"They differ in the {label} ({x or '(none)'} vs {y or '(none)'})."
    return "They differ in their spelling."


def _mismatch_hint(uri: str) -> str:
    return token_hint(TokenEndpointError("", error="redirect_uri_mismatch"),
                      AuthFacts(auth_type="oauth2", grant_type="authorization_code",
                                redirect_uri=uri))


# -- the token endpoint's answer ------------------------------------------------------------

def _token_answer(token: Step, authorize: Step | None) -> Iterator[Finding]:
    if token.event.status is None:
        return  # no answer: the network findings speak for it
    try:
        read_token_response(token.response(), {})
        return
    except TokenEndpointError as error:
        facts = _facts(token, authorize)
        hint = token_hint(error, facts)
        said = f"{error.error or ''} {error.error_description or ''}".lower()
        code = ("redirect_uri_mismatch" if any(w in said for w in _REDIRECT_WORDS)
                else error.error or "token_error")
        grant = f" ({facts.grant_type} grant)" if facts.grant_type else ""
        yield Finding(code, "error", f"{error.reason}{grant}", hint, (token.index,))


def _facts(token: Step, authorize: Step | None) -> AuthFacts:
    basic = (token.event.header("authorization", response=False) or "").lower()
    scopes = token.form.get("scope") or (authorize.query.get("scope", "") if authorize else "")
    return AuthFacts(auth_type="oauth2", grant_type=token.form.get("grant_type") or None,
                     is_basic_auth=basic.startswith("basic "), scopes=scopes,
                     redirect_uri=token.form.get("redirect_uri", ""))


def _reused(first: Step, again: Step) -> Finding:
    hint = token_hint(TokenEndpointError("", error="invalid_grant",
                                         error_description="authorization code already used"),
                      AuthFacts(auth_type="oauth2", grant_type="authorization_code"))
    return Finding("code_reused", "error", "The same authorization code was sent to the token "
                   "endpoint twice", hint, (first.index, again.index))


# -- pairing --------------------------------------------------------------------------------

def _authorize_for(token: Step, callbacks: list[Step], authorizes: list[Step]) -> Step | None:
    """The authorization request this token request redeems: by code, then by time."""
    code = digest(token.form.get("code"))
    callback = next((c for c in reversed(callbacks)
                     if c.index <= token.index and digest(c.params.get("code")) == code), None)
    if callback is not None:
        state = digest(callback.params.get("state"))
        paired = next((a for a in reversed(authorizes) if a.index <= callback.index
                       and state is not None and digest(a.query.get("state")) == state), None)
        if paired is not None:
            return paired
    return _authorize_before(token, authorizes)


def _authorize_before(token: Step, authorizes: list[Step]) -> Step | None:
    return next((a for a in reversed(authorizes) if a.index < token.index), None)
