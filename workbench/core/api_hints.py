"""Hints for an API that refused the request, from the evidence in its answer: the
WWW-Authenticate challenges (RFC 6750 §3, RFC 9110 §11.6.1), what the request actually sent,
and the names or reasons the body gives. Without evidence, the usual causes for the auth type.

Each cause has its own words: two causes never share a hint text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.core.auth.signing_hints import signing_hint
from workbench.core.www_authenticate import Challenge, parse_challenges

QUOTE = 200  # characters of a server's own message quoted in a hint
# Names in an error body that say where the API looked for a key.
_KEY_NAMES = re.compile(r"(?i)(?<![\w-])(x-[a-z0-9][a-z0-9-]*|ocp-apim-subscription-key|"
                        r"api[-_]?key|apikey|access[-_]?key|auth[-_]?token|authorization)"
                        r"(?![\w-])")


@dataclass(frozen=True)
class AuthFacts:
    """What the hints need to know about the auth in use."""

    auth_type: str | None = None
    grant_type: str | None = None
    is_basic_auth: bool = False
    scopes: str = ""
    location: str | None = None
    key_name: str = ""
    key_value_prefixed: bool = False
    granted_scopes: str = ""  # what the token endpoint said the token has
    redirect_uri: str = ""
    token_type_assumed: bool = False  # the token response named no token_type
    client_auth: str = ""  # token_endpoint_auth_method in use (OAuth2)
    assertion_audience: str = ""  # the aud signed assertions carried ("" = the token endpoint)
    audience: str = ""  # oauth2_settings.audience / resource, as asked for
    resources: str = ""
    fresh_token: bool = False  # the token was obtained in this very run
    token_audience: str = ""  # the aud a JWT access token names


def unauthorized_hint(response: httpx.Response, auth: AuthFacts) -> str:
    """Why a 401, from the challenges and the body first, the auth type last."""
    challenges = parse_challenges(response.headers.get_list("www-authenticate"))
    sent = _sent_authorization(response)
    hint = (signing_hint(response, auth.auth_type)
            or _from_challenges(challenges, sent, auth)
            or _named_elsewhere(response, auth)
            or _by_auth_type(auth, sent))
    return hint + _audience_hint(auth)


def _audience_hint(auth: AuthFacts) -> str:
    """A 401 right after a fresh token is rarely expiry: the token is usually for another API."""
    if not auth.fresh_token or auth.auth_type != "oauth2":
        return ""
    has = f" (it names aud {auth.token_audience})" if auth.token_audience else ""
    asked = [f"audience {auth.audience!r}" if auth.audience else "",
             f"resource {auth.resources!r}" if auth.resources else ""]
    if any(asked):
        fix = (f"The token was asked for {' and '.join(a for a in asked if a)}{has}: check that "
               "this is the identifier the API expects.")
    else:
        fix = (f"No audience or resource was asked for{has}: set oauth2_settings.audience (Auth0 "
               "and others) or resource (RFC 8707) to the API's identifier.")
    return (" The token was fetched moments ago, so it has not expired: a wrong audience is the "
            f"usual cause of this 401. {fix}")


def forbidden_hint(response: httpx.Response, auth: AuthFacts) -> str:
    """Why a 403: a missing scope the API names, another tenant, or a lacking permission."""
    challenges = parse_challenges(response.headers.get_list("www-authenticate"))
    signed = signing_hint(response, auth.auth_type)
    if signed is not None:
        return signed
    for challenge in challenges:
        if challenge.param("error") == "insufficient_scope":
            return _insufficient_scope(challenge, auth)
    said = server_message(response) or ""
    if re.search(r"(?i)tenant|directory|organi[sz]ation", said):
        return ("The credentials are valid but belong to another tenant or organisation than "
                f"the resource (the API says “{said}”): use credentials issued by the tenant "
                "that owns the API, or the tenant-specific token_url, not a common endpoint.")
    scopes = f" (requested scopes: {auth.scopes})" if auth.scopes else ""
    return ("The credentials were accepted but lack permission: check the API scopes"
            f"{scopes} or the user's permissions in the target system.")


def server_message(response: httpx.Response) -> str | None:
    """The reason the server gives in its body, if it gives one in words (JSON or text)."""
    text = response.text.strip() if response.content else ""
    if not text or text[:1] == "<":
        return None
    try:
        data: Any = json.loads(text)
    except ValueError:
        return _short(text) if len(text) <= QUOTE and "\n" not in text else None
    said = _message_in(data)
    return _short(said) if said else None


def _message_in(data: Any) -> str | None:
    if isinstance(data, list) and data:
        return _message_in(data[0])
    if not isinstance(data, dict):
        return None
    for key in ("error_description", "message", "detail", "title", "error_message", "msg"):
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key])
    for key in ("error", "errors", "fault"):
        nested = data.get(key)
        if isinstance(nested, dict | list):
            found = _message_in(nested)
            if found:
                return found
        elif isinstance(nested, str) and nested.strip():
            return nested
    return None


def _from_challenges(challenges: list[Challenge], sent: str | None,
                     auth: AuthFacts) -> str | None:
    if not challenges:
        return None
    offered = " or ".join(dict.fromkeys(c.scheme for c in challenges))
    schemes = {c.scheme.lower() for c in challenges}
    bearer = next((c for c in challenges if c.is_scheme("bearer")), None)
    error = (bearer.param("error") or "").lower() if bearer is not None else ""
    if bearer is not None and error == "insufficient_scope":
        return _insufficient_scope(bearer, auth)
    if bearer is not None and error == "invalid_token":
        described = bearer.param("error_description")
        quoted = f": “{_short(described)}”" if described else " without saying why"
        return (f"The API refused the token as invalid_token{quoted}. Get a new one (Clear, "
                "then Test connection) and check that it was issued for this API "
                "(audience/resource) and this environment or tenant.")
    if bearer is not None and error == "invalid_request":
        described = bearer.param("error_description") or "no reason given"
        return (f"The API calls the request malformed (invalid_request: “{_short(described)}”): "
                "the token may be missing, sent twice (header and query), or sent in a way the "
                "API does not read.")
    sent_scheme = sent.split(" ", 1)[0] if sent and " " in sent.strip() else None
    if sent_scheme is not None and sent_scheme.lower() in schemes:
        return None  # the scheme is one the API takes: the credentials are what it refused
    if bearer is not None:
        if sent is not None and sent_scheme is None:
            return ("The API wants 'Authorization: Bearer <key>' (its challenge is Bearer), but "
                    "the key was sent bare in Authorization: the 'Bearer ' prefix is missing. "
                    "Put 'Bearer ' before key_value.")
        if sent_scheme is not None:
            return (f"The API asks for a Bearer token (WWW-Authenticate: {offered}), but the "
                    f"request sent {sent_scheme} credentials: use auth_type bearer or oauth2, "
                    "or a token_type the API accepts.")
        return ("The API wants a Bearer token in the Authorization header (WWW-Authenticate: "
                f"{offered}), but nothing was sent there{_key_place(auth)}: use auth_type "
                "bearer, or key_name Authorization with key_value 'Bearer <key>'.")
    basic = next((c for c in challenges if c.is_scheme("basic")), None)
    if basic is not None:
        realm = f' realm="{basic.param("realm")}"' if basic.param("realm") else ""
        return (f"The API expects HTTP Basic authentication (WWW-Authenticate: {offered}"
                f"{realm if offered == 'Basic' else ''}), not what this connector sends: use "
                "auth_type basic_http with the user name and password (or API token).")
    windows = bool(schemes & {"negotiate", "ntlm"})
    why = (" Negotiate and NTLM are Windows (Kerberos) sign-in, usually an on-premises server "
           "or a proxy in front of it." if windows else "")
    return (f"The API asks for {offered} authentication, which this connector does not send."
            f"{why} Ask the API's owner for a token or key the connector can send, or check "
            "base_url points at the API and not at a gateway.")


def _insufficient_scope(challenge: Challenge, auth: AuthFacts) -> str:
    wanted = (challenge.param("scope") or "").split()
    granted = set((auth.granted_scopes or auth.scopes).split())
    missing = [s for s in wanted if s not in granted] or wanted
    if not missing:
        return ("The token lacks a scope the API needs (insufficient_scope), and the API does "
                "not say which: compare the API's documentation with the token's scopes.")
    names = " ".join(missing)
    has = f" (the token has {' '.join(sorted(granted))!r})" if granted else ""
    if auth.auth_type == "oauth2":
        return (f"The token lacks the scope the API needs: {names}{has}. Add {names} to scopes "
                "in oauth2_settings, or have an admin grant it to the client, then fetch a new "
                "token.")
    return (f"The token lacks the scope the API needs: {names}{has}. Create a token with "
            f"{names}, or have an admin grant it.")


def _named_elsewhere(response: httpx.Response, auth: AuthFacts) -> str | None:
    """An API-key answer whose body names another header or parameter than the one sent."""
    if auth.auth_type != "api_key" or not auth.key_name:
        return None
    said = server_message(response) or response.text[:QUOTE]
    for match in _KEY_NAMES.finditer(said):
        name = match.group(1)
        if name.lower() != auth.key_name.lower():
            where = "header" if auth.location in (None, "header") else "query parameter"
            return (f"The API's answer names '{name}', but the key was sent as the {where} "
                    f"'{auth.key_name}': set key_name to {name} (it must match exactly).")
    return None


def _by_auth_type(auth: AuthFacts, sent: str | None) -> str:
    if auth.auth_type is None:
        return ("The API wants credentials but the connector sends none: add an authentication "
                "entry to interface_parameters.")
    if auth.auth_type == "bearer":
        return ("The token was rejected: it is wrong, expired or revoked. Check bearer_token "
                "(without a 'Bearer ' prefix); use a refresh_token flow to renew expiring tokens.")
    if auth.auth_type == "basic_http":
        return ("The user name or password was rejected. Many APIs (Jira Cloud, Jenkins) want an "
                "API token as the password, not the account password; Jira Cloud wants the "
                "email address as user name.")
    if auth.auth_type == "api_key":
        where = "header" if auth.location in (None, "header") else "query parameter"
        other = "query_param" if where == "header" else "header"
        if auth.key_name.lower() == "authorization" and not auth.key_value_prefixed:
            return ("The API key went bare in the Authorization header and was rejected; the "
                    "API gave no challenge, but most APIs read Authorization as '<scheme> "
                    "<key>': try 'Bearer <key>' (or the scheme its documentation names).")
        return (f"The API key was rejected, or not found where the API looks. It was sent as "
                f"the {where} '{auth.key_name}'. Check the key itself, the exact key_name, and "
                f"whether the API wants it in the {other} instead (location).")
    assumed = (" The token response named no token_type, so it was sent as Bearer; if the API "
               "wants another scheme, map token_type with key_map." if auth.token_type_assumed
               else "")
    return ("The API rejected the access token although the token endpoint issued one: the token "
            "may lack a scope or audience this API needs, or belong to another environment or "
            f"tenant.{assumed}")


def _sent_authorization(response: httpx.Response) -> str | None:
    try:
        return response.request.headers.get("authorization")
    except RuntimeError:  # a response built without its request
        return None


def _key_place(auth: AuthFacts) -> str:
    if auth.auth_type != "api_key":
        return ""
    where = "header" if auth.location in (None, "header") else "query parameter"
    return f" (the key went in the {where} '{auth.key_name}')"


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE else flat[:QUOTE] + "…"
