"""Verdicts: what a connection check concluded, and a hint in plain words on what to do next.

Hints come from the evidence first — the server's challenges and error texts (`api_hints`,
`token_hints`) — and from the usual causes for the auth type when there is none. Every
outcome but ok has a hint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx

from workbench.core.api_hints import (
    AuthFacts,
    forbidden_hint,
    server_message,
    unauthorized_hint,
)
from workbench.core.errors import NetworkError, TokenEndpointError
from workbench.core.token_hints import token_hint

if TYPE_CHECKING:
    from workbench.core.negative_control import NegativeControl

__all__ = ["AuthFacts", "Outcome", "Verdict", "cancelled", "config_error", "from_network_error",
           "from_response", "from_token_error", "internal_error"]

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
    "unproven",  # it passed, and passed with a wrong secret too: the pass proves nothing
    "suspended", "unexpected_answer",  # platform accounts: a 412, an answer that is not JSON
    "inactive",  # token introspect: the provider says the token is not active
]


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
    negative_control: NegativeControl | None = None

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
    said = server_message(response)
    if said and not _restates_status(said, response):
        summary += f": “{said}”"
    if status == 401:
        return Verdict("unauthorized", summary, unauthorized_hint(response, auth), status=status)
    if status == 403:
        return Verdict("forbidden", summary, forbidden_hint(response, auth), status=status)
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
        token_hint(error, auth),
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


GENERIC_CONFIG_HINT = ("Correct what the message names (a value in the form, a --set value, or "
                       "the connector file), then run the check again.")


def config_error(message: str, hint: str = "") -> Verdict:
    return Verdict("config_error", message, hint or GENERIC_CONFIG_HINT)


def _restates_status(said: str, response: httpx.Response) -> bool:
    """A body that only repeats the status line ("401: Unauthorized") adds nothing."""
    words = "".join(c for c in said.lower() if c.isalpha())
    return words in ("", "".join(c for c in response.reason_phrase.lower() if c.isalpha()))
