"""Verdicts: what a connection check concluded, and a hint in plain words on what to do next.

Hints come from seed 003's troubleshooting table and the usual causes support engineers see,
tailored to the connector's auth type (an API key's location, `is_basic_auth`, `key_map`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import httpx

from workbench.core.errors import NetworkError, TokenEndpointError

Outcome = Literal[
    "ok",
    "unauthorized",
    "forbidden",
    "bad_request",
    "not_found",
    "rate_limited",
    "server_error",
    "token_error",
    "network",
    "config_error",
    "cancelled",
    "suspended", "unexpected_answer",  # platform accounts: a 412, an answer that is not JSON
]


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


@dataclass
class Verdict:
    """The outcome of a check, a one-line summary and the hint."""

    outcome: Outcome
    summary: str
    hint: str = ""
    status: int | None = None
    retry_after: str | None = None
    network: str | None = None
    oauth_error: str | None = None
    oauth_error_description: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **asdict(self)}


def from_response(response: httpx.Response, label: str, auth: AuthFacts) -> Verdict:
    """Judge an API answer; 2xx is ok, everything else names its likely cause."""
    status = response.status_code
    summary = f"{label} answered {status} {response.reason_phrase}".rstrip()
    if 200 <= status < 300:
        return Verdict("ok", summary, status=status)
    if status == 401:
        return Verdict("unauthorized", summary, _unauthorized_hint(auth), status=status)
    if status == 403:
        scopes = f" (requested scopes: {auth.scopes})" if auth.scopes else ""
        return Verdict(
            "forbidden",
            summary,
            "The credentials were accepted but lack permission: check the API scopes"
            f"{scopes} or the user's permissions in the target system.",
            status=status,
        )
    if status == 407:
        return Verdict(
            "network",
            summary,
            "The proxy wants credentials: put them in the proxy URL "
            "(http://user:password@proxy:port) in Settings or HTTPS_PROXY / HTTP_PROXY.",
            status=status,
            network="proxy",
        )
    if status == 429:
        retry = response.headers.get("retry-after")
        wait = f" The server asks to wait {retry} {'s' if retry and retry.isdigit() else ''}"
        return Verdict(
            "rate_limited",
            summary,
            "Too many requests: the credentials may be fine." + (wait.rstrip() + "." if retry else
            " Wait before trying again."),
            status=status,
            retry_after=retry,
        )
    if status == 404:
        return Verdict(
            "not_found",
            summary,
            "The endpoint does not exist there: check the step's endpoint path and the base URL "
            "and its placeholders (a wrong domain or instance often answers 404).",
            status=status,
        )
    if status >= 500:
        return Verdict(
            "server_error",
            summary,
            "The API failed on its side; this is usually not your credentials. Try again "
            "later, or look at the response body for the provider's explanation.",
            status=status,
        )
    if 300 <= status < 400:
        where = response.headers.get("location", "elsewhere")
        return Verdict(
            "bad_request",
            summary,
            f"The API redirected to {where} and the redirect was not followed: check the base "
            "URL's scheme and host (http vs https, a missing path prefix).",
            status=status,
        )
    return Verdict(
        "bad_request",
        summary,
        "The API rejected the request itself: check the step's query parameters, headers "
        "and body, and the Content-Type the API expects.",
        status=status,
    )


def from_token_error(error: TokenEndpointError, auth: AuthFacts) -> Verdict:
    """Explain why the token endpoint gave no usable token."""
    return Verdict(
        "token_error",
        error.reason,
        _token_hint(error, auth),
        status=error.status,
        oauth_error=error.error,
        oauth_error_description=error.error_description,
    )


def from_network_error(error: NetworkError) -> Verdict:
    where = f" ({error.url})" if error.url else ""
    return Verdict("network", f"No response{where}: {error.detail}", error.hint,
                   network=error.kind)


def cancelled() -> Verdict:
    """The user stopped the run; nothing was concluded."""
    return Verdict("cancelled", "Cancelled.", "The run was stopped before it finished; "
                   "nothing was concluded about the connection.")


def internal_error(error: BaseException | None) -> Verdict:
    """A bug on our side, said as such; the error's type only (its text may hold secrets)."""
    name = type(error).__name__ if error is not None else "unknown error"
    return Verdict("config_error", f"The workbench failed unexpectedly ({name}).",
                   "This is a bug in the workbench, not in the connection. Run with "
                   "--log-level DEBUG for details (secrets are scrubbed) and report it.")


def config_error(message: str, hint: str = "") -> Verdict:
    return Verdict("config_error", message, hint)


def _unauthorized_hint(auth: AuthFacts) -> str:
    if auth.auth_type is None:
        return (
            "The API wants credentials but the connector sends none: add an authentication "
            "entry to interface_parameters."
        )
    if auth.auth_type == "bearer":
        return (
            "The token was rejected: it is wrong, expired or revoked. Check bearer_token (without "
            "a 'Bearer ' prefix); use a refresh_token flow to renew expiring tokens."
        )
    if auth.auth_type == "basic_http":
        return (
            "The user name or password was rejected. Many APIs (Jira Cloud, Jenkins) want an "
            "API token as the password, not the account password; Jira Cloud wants the email "
            "address as user name."
        )
    if auth.auth_type == "api_key":
        where = "header" if auth.location in (None, "header") else "query parameter"
        other = "query_param" if where == "header" else "header"
        hint = (
            f"The API key was rejected. It was sent as the {where} '{auth.key_name}'. Check the "
            f"key itself, the exact key_name, and whether the API wants it in the {other} "
            "instead (location)."
        )
        if auth.key_name.lower() == "authorization" and not auth.key_value_prefixed:
            hint += " The value has no scheme prefix: many APIs expect 'Bearer <key>'."
        return hint
    return (
        "The API rejected the access token although the token endpoint issued one: the token may "
        "lack a scope or audience this API needs, or belong to another environment or tenant."
    )


def _token_hint(error: TokenEndpointError, auth: AuthFacts) -> str:
    code = (error.error or "").lower()
    if error.status in (404, 405):
        return "token_url looks wrong: the provider has no token endpoint there."
    placement = "a Basic header" if auth.is_basic_auth else "the request body"
    other = "body (is_basic_auth: false)"
    if not auth.is_basic_auth:
        other = "Basic header (is_basic_auth: true)"
    if code == "invalid_client":
        return (
            f"The client id or secret was rejected. They were sent in {placement}; check them, "
            f"and whether this provider expects them in the {other}."
        )
    if code == "invalid_grant":
        if auth.grant_type == "authorization_code":
            return (
                "The code or refresh token was rejected: codes are single-use and expire "
                "within minutes (and redirect_uri must match), refresh tokens expire or are "
                "revoked. Authorize again: Authorize… in the app, `workbench authorize` here."
            )
        return (
            "The refresh token is expired or revoked (or was rotated and the old one reused). "
            "Obtain a new one by authorizing again."
        )
    if code == "invalid_scope":
        return f"A requested scope is unknown or not allowed for this client: {auth.scopes!r}."
    if code == "unauthorized_client":
        return (
            f"This client is not allowed the {auth.grant_type} grant: enable the grant for the "
            "client at the provider, or use the grant_type it was registered for."
        )
    if code == "unsupported_grant_type":
        return (
            f"The provider does not support grant_type {auth.grant_type}: check grant_type and "
            "token_url against the provider's documentation."
        )
    if code == "invalid_request":
        return (
            "The token request is malformed for this provider: check grant_type, token_url, "
            f"and where client credentials go (now {placement})."
        )
    if code:
        return "Check the provider's documentation for this error code."
    if "no access token" in error.reason:
        return (
            "The provider returned a token under another name: add key_map to the access_token "
            "(and expires_in, token_type) fields, e.g. key_map: \"accessToken\"."
        )
    if error.status is not None and error.status >= 500:
        return "The token endpoint failed on its side; try again later or check token_url."
    if error.status == 400:
        return "Verify the grant_type and token_url match the provider's documentation."
    return "Verify token_url: it must be the provider's token endpoint, not a web page."
