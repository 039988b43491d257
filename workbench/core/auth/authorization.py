"""The front half of the authorization code flow: the URL the user opens, and reading the
redirect that comes back. The code exchange itself is `OAuth2Flow` with grant
`authorization_code`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from workbench.core.auth import pkce
from workbench.core.errors import WorkbenchError

# What the provider's `error` means, for a person (RFC 6749 §4.1.2.1 and OpenID Connect).
_ERRORS = {
    "access_denied": "the user (or a policy) declined the authorization",
    "invalid_request": "the provider rejected the authorization request as malformed; check "
                       "the redirect_uri and the extra parameters",
    "unauthorized_client": "this client may not use the authorization code grant",
    "unsupported_response_type": "the provider does not allow response_type=code for this "
                                 "client",
    "invalid_scope": "a requested scope is unknown or not allowed for this client",
    "server_error": "the provider failed; try again later",
    "temporarily_unavailable": "the provider is overloaded or down for maintenance",
    "login_required": "the user must log in (prompt=none was asked)",
    "consent_required": "the user must consent (prompt=none was asked)",
    "interaction_required": "the provider needs the user to interact (prompt=none was asked)",
}


class AuthorizationError(WorkbenchError):
    """The redirect did not carry a usable code; the message says why in plain words."""

    def __init__(self, message: str, *, error: str | None = None) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class AuthorizationRequest:
    """One authorization attempt: the URL to open and the secrets to check the answer with."""

    url: str
    redirect_uri: str
    state: str
    code_verifier: str

    def parameters(self) -> list[tuple[str, str]]:
        """The URL's query broken down, for the log (state and challenge are not secrets)."""
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)


def authorization_request(
    authorization_url: str,
    client_id: str,
    redirect_uri: str,
    scope: str = "",
    extra: Mapping[str, str] | None = None,
) -> AuthorizationRequest:
    """A fresh request with PKCE S256 and a new state; `extra` adds prompt, audience and the
    like, but never overrides the parameters this flow depends on."""
    state, verifier = pkce.new_state(), pkce.new_verifier()
    parts = urlsplit(authorization_url)
    ours = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce.challenge(verifier),
        "code_challenge_method": pkce.METHOD,
    }
    if scope:
        ours["scope"] = scope
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    added = [(k, v) for k, v in (extra or {}).items() if k not in ours and v != ""]
    query = urlencode([*kept, *ours.items(), *added])
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    return AuthorizationRequest(url, redirect_uri, state, verifier)


def read_redirect(redirect_url: str, request: AuthorizationRequest) -> str:
    """The authorization code in `redirect_url`, after checking it answers `request`."""
    parts = urlsplit(redirect_url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if not params and parts.fragment:  # a provider that answers in the fragment
        params = dict(parse_qsl(parts.fragment, keep_blank_values=True))
    if params.get("state") != request.state:
        # Fail closed: a code for another request (a stale tab, a forged link) is never used.
        raise AuthorizationError(
            "The redirect's state does not match the one this app sent, so the answer is not "
            "for this request (an old browser tab, or a forged link). Nothing was exchanged; "
            "start the authorization again.", error="state_mismatch")
    error = params.get("error")
    if error:
        meaning = _ERRORS.get(error, "the provider refused the authorization")
        description = params.get("error_description", "")
        detail = f" The provider said: {description}" if description else ""
        raise AuthorizationError(f"Authorization failed ({error}): {meaning}.{detail}",
                                 error=error)
    code = params.get("code", "")
    if not code:
        raise AuthorizationError("The redirect carried neither a code nor an error.")
    return code
