"""The front half of the authorization code flow: the URL the user opens, and reading the
redirect that comes back. The code exchange itself is `OAuth2Flow` with grant
`authorization_code`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from workbench.core.auth import pkce
from workbench.core.auth.issuer import ExpectedIssuer
from workbench.core.errors import WorkbenchError

# What the provider's `error` means, and what to do about it (RFC 6749 §4.1.2.1, OpenID
# Connect Core §3.1.2.6).
_PROMPT = ("The request asked the provider not to show any page (prompt=none) or the session "
           "expired: remove `prompt: none` from oauth2_settings (or use prompt: login or "
           "consent) and authorize again.")
_ERRORS = {
    "access_denied": ("the user (or a policy) declined the authorization",
                      "Authorize again and accept the consent screen, or ask an admin to allow "
                      "the app for this user."),
    "invalid_request": ("the provider rejected the authorization request as malformed",
                        "Check that the redirect_uri is registered for this client exactly as "
                        "sent, the client_id, and the extra parameters in oauth2_settings."),
    "unauthorized_client": ("this client may not use the authorization code grant",
                            "Enable the authorization code grant for this client at the "
                            "provider, or check that client_id names the right application."),
    "unsupported_response_type": ("the provider does not allow response_type=code for this "
                                  "client",
                                  "Enable the authorization code grant (response type code) "
                                  "for this client at the provider."),
    "invalid_scope": ("a requested scope is unknown or not allowed for this client",
                      "Remove scopes the client is not allowed from oauth2_settings.scopes, or "
                      "have them granted to the client."),
    "server_error": ("the provider failed",
                     "This is not your configuration: try again later, and check the "
                     "provider's status page if it persists."),
    "temporarily_unavailable": ("the provider is overloaded or down for maintenance",
                                "Wait a few minutes and authorize again."),
    "login_required": ("the user must log in (no page was allowed)", _PROMPT),
    "consent_required": ("the user must consent (no page was allowed)", _PROMPT),
    "interaction_required": ("the provider needs the user to interact (no page was allowed)",
                             _PROMPT),
}
_UNKNOWN_ERROR = ("the provider refused the authorization",
                  "Check the provider's documentation for this error; the description is the "
                  "provider's own.")
# Parameters an authorization response carries at most once (RFC 6749 §3.1, RFC 9207).
_RESPONSE_PARAMETERS = ("code", "iss", "error", "error_description", "error_uri")
_UNTRUSTED_LIMIT = 300  # characters of provider text shown, quoted


class AuthorizationError(WorkbenchError):
    """The redirect did not carry a usable code; the message says why in plain words, `hint`
    what to do. `description` and `uri` are the provider's own words (untrusted: shown, never
    followed); `unverifiable` marks an answer that cannot be tied to this login."""

    def __init__(self, message: str, *, error: str | None = None, hint: str = "",
                 description: str | None = None, uri: str | None = None,
                 unverifiable: bool = False) -> None:
        super().__init__(message)
        self.error = error
        self.hint = hint
        self.description = description
        self.uri = uri
        self.unverifiable = unverifiable


class UnrelatedRedirect(AuthorizationError):
    """A redirect that is not the answer to this login (stale tab, forged link, tampered
    state): ignore it and keep waiting for the genuine one."""


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


def read_redirect(redirect_url: str, request: AuthorizationRequest,
                  issuer: ExpectedIssuer | None = None) -> str:
    """The authorization code in `redirect_url`, after checking it answers `request` and comes
    from `issuer` (RFC 9207). Raises UnrelatedRedirect for an answer to something else, and
    AuthorizationError for this login's answer when it carries no usable code."""
    pairs = _response_pairs(redirect_url)
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    states = values.get("state", [])
    has_error = "error" in values
    if len(states) > 1:
        raise UnrelatedRedirect(
            f"The redirect carries 'state' {_times(len(states))}; a provider sends it once, so "
            "the URL was tampered with. It was not used.", error="duplicate_parameter",
            hint=_TAMPERED)
    if states != [request.state] and not (has_error and not states):
        # Fail closed: a code for another request (a stale tab, a forged link) is never used.
        why = "carries no state" if not states else "has another state than this app sent"
        raise UnrelatedRedirect(
            f"The redirect {why}, so it is not the answer to this login (an old browser tab, "
            "or a forged link). It was not used.", error="state_mismatch",
            hint="Close old login tabs and authorize again.")
    twice = [name for name in _RESPONSE_PARAMETERS if len(values.get(name, [])) > 1]
    if twice:
        raise AuthorizationError(
            f"The redirect carries {_quoted(twice)} more than once; a provider never does, so "
            "the URL was tampered with. Nothing was exchanged.", error="duplicate_parameter",
            hint=_TAMPERED)
    found = {name: found[0] for name, found in values.items()}
    issuer_problem = (issuer or ExpectedIssuer()).problem(found.get("iss"))
    if issuer_problem is not None and issuer_problem[0] == "issuer_mismatch":
        raise AuthorizationError(f"{issuer_problem[1]} Nothing was exchanged.",
                                 error=issuer_problem[0], hint=_MIX_UP)
    if has_error:
        raise _provider_error(found, unverified_because=(
            "it carries no state" if not states else
            "it lacks the 'iss' the provider promises" if issuer_problem else ""))
    if issuer_problem is not None:
        raise AuthorizationError(f"{issuer_problem[1]} Nothing was exchanged.",
                                 error=issuer_problem[0], hint=_MISSING_ISS)
    code = found.get("code", "")
    if not code:
        raise AuthorizationError(
            "The redirect carried neither a code nor an error.", error="no_code",
            hint="Check that the connector asks for the authorization code grant and that the "
                 "redirect_uri is this app's.")
    return code


_TAMPERED = ("Authorize again. If it happens again, something between the provider and this "
             "app (a browser extension, a proxy, a page) is rewriting the redirect.")
_MIX_UP = ("This is what a mix-up attack looks like: another provider is answering for this "
           "login. Check authorization_url and oauth2_settings.issuer, and do not use this code.")
_MISSING_ISS = ("Authorize again. If the provider really omits 'iss', its metadata is wrong: "
                "report it to the provider.")


def _response_pairs(redirect_url: str) -> list[tuple[str, str]]:
    """The response parameters: in the query, or in the fragment for a provider that answers
    there."""
    parts = urlsplit(redirect_url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not pairs and parts.fragment:
        pairs = parse_qsl(parts.fragment, keep_blank_values=True)
    return pairs


def _provider_error(found: Mapping[str, str], unverified_because: str) -> AuthorizationError:
    """The provider's error in plain words, its own text quoted, and whether it is verifiable."""
    error = _untrusted(found["error"], 60)
    meaning, hint = _ERRORS.get(error, _UNKNOWN_ERROR)
    description = _untrusted(found.get("error_description", ""))
    uri = _untrusted(found.get("error_uri", ""))
    message = f"Authorization failed ({error}): {meaning}."
    if description:
        message += f' The provider said: "{description}"'
    if uri:
        message += f" More from the provider (not opened): {uri}"
    if unverified_because:
        message += (f" This error cannot be verified as the answer to this login: "
                    f"{unverified_because}, so it may be forged.")
        hint = ("If you did not just see the provider refuse, a page may have forged this "
                "answer: authorize again. " + hint)
    return AuthorizationError(message, error=error, hint=hint, description=description or None,
                              uri=uri or None, unverifiable=bool(unverified_because))


def _untrusted(text: str, limit: int = _UNTRUSTED_LIMIT) -> str:
    """Provider text on one line and capped: shown as written, never interpreted."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def redirect_parameter(redirect_url: str, name: str) -> str | None:
    """One response parameter of a redirect as sent (its first value), None when absent."""
    return next((value for key, value in _response_pairs(redirect_url) if key == name), None)
