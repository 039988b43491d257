"""Which authorization server a redirect must come from (RFC 9207, the mix-up defence).

The expected issuer is the connector's `oauth2_settings.issuer` when it names one; otherwise it
is learned from the provider's metadata (OpenID Connect Discovery, RFC 8414) at the
authorization URL's origin, and only when that metadata describes this very authorization
endpoint. The metadata also says whether the provider promises `iss` in every redirect
(`authorization_response_iss_parameter_supported`). A provider without metadata is fine: then
only an `iss` that differs from a configured issuer is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from workbench.core.events import EventLog
from workbench.core.transport import tag

OIDC_DISCOVERY = "/.well-known/openid-configuration"
RFC8414_DISCOVERY = "/.well-known/oauth-authorization-server"
PROMISE = "authorization_response_iss_parameter_supported"
METADATA_TIMEOUT = 5.0  # seconds per metadata request: the login waits for it


@dataclass(frozen=True)
class ExpectedIssuer:
    """The issuer a redirect's `iss` must equal ("" when unknown), and whether `iss` must be
    there at all. `source` says where this was learned, for messages."""

    issuer: str = ""
    required: bool = False
    source: str = ""

    def problem(self, iss: str | None) -> tuple[str, str] | None:
        """(error code, message) when `iss` betrays another issuer or is missing though
        promised; None when it is acceptable."""
        if iss is not None and self.issuer and iss != self.issuer:
            return "issuer_mismatch", (
                f"The redirect says it comes from issuer {iss!r}, but this login was started "
                f"at {self.issuer!r} ({self.source or 'the expected issuer'}).")
        if iss is None and self.required:
            return "issuer_missing", (
                f"The redirect carries no 'iss', although {self.source or 'the provider'} "
                f"promises it ({PROMISE}: true), so it may come from another provider.")
        return None


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer publishes its metadata: OpenID Connect's place, then RFC 8414's (which
    puts the well-known part before the issuer's path)."""
    parts = urlsplit(issuer.rstrip("/"))
    origin = f"{parts.scheme}://{parts.netloc}"
    return [issuer.rstrip("/") + OIDC_DISCOVERY, origin + RFC8414_DISCOVERY + parts.path]


async def discover_issuer(client: httpx.AsyncClient, log: EventLog, authorization_url: str,
                          configured: str = "", *, flow: str = "authorize") -> ExpectedIssuer:
    """The issuer to hold redirects to: the configured one, or the one the metadata at the
    authorization URL's origin names for this authorization endpoint. Never raises: a provider
    without (reachable, valid) metadata gives what is known without it, and a note says so."""
    try:
        parts = urlsplit(authorization_url)
    except ValueError:
        parts = urlsplit("")
    candidate = configured or f"{parts.scheme}://{parts.netloc}"
    for url in metadata_urls(candidate):
        try:
            metadata = await _fetch(client, url, flow)
        except (httpx.HTTPError, httpx.InvalidURL):
            break  # recorded by the transport; a host that hangs once would hang again
        if metadata is None:
            continue
        problem = _mismatch(metadata, candidate, authorization_url, configured)
        if problem:
            log.note(f"Provider metadata at {url} ignored: {problem}", flow=flow,
                     step="issuer")
            break
        expected = ExpectedIssuer(str(metadata["issuer"]), metadata.get(PROMISE) is True,
                                  f"the provider's metadata at {url}")
        promise = ("it promises 'iss' in every redirect, so a redirect without it is refused"
                   if expected.required else "it does not promise 'iss' in redirects")
        log.note(f"Issuer {expected.issuer} (from {url}); {promise}.", flow=flow, step="issuer")
        return expected
    if configured:
        log.note(f"Issuer {configured} (oauth2_settings.issuer); no usable provider metadata, "
                 "so a redirect's 'iss' is checked when present.", flow=flow, step="issuer")
        return ExpectedIssuer(configured, False, "oauth2_settings.issuer")
    log.note(f"No provider metadata at {candidate}: the issuer is unknown, so a redirect's "
             "'iss' cannot be checked (set oauth2_settings.issuer to check it).", flow=flow,
             step="issuer")
    return ExpectedIssuer()


async def fetch_metadata(client: httpx.AsyncClient, issuer: str, *,
                         flow: str = "discovery") -> tuple[str, dict[str, Any]] | None:
    """(where, document) of the first metadata document at `issuer`'s well-known places
    (OpenID Connect's, then RFC 8414's); None when there is none. Never raises."""
    for url in metadata_urls(issuer):
        try:
            metadata = await _fetch(client, url, flow)
        except (httpx.HTTPError, httpx.InvalidURL):
            return None  # recorded by the transport; a host that hangs once would hang again
        if metadata is not None:
            return url, metadata
    return None


async def _fetch(client: httpx.AsyncClient, url: str, flow: str) -> dict[str, Any] | None:
    # auth=None: metadata is public, and the client's own auth flow may be the one asking
    response = await client.get(url, timeout=METADATA_TIMEOUT, auth=None,
                                extensions=tag(flow, "provider metadata"))
    if response.status_code != 200:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("issuer"), str) else None


def _mismatch(metadata: dict[str, Any], candidate: str, authorization_url: str,
              configured: str) -> str:
    """Why this metadata does not describe the server the login goes to ("" when it does)."""
    issuer = str(metadata["issuer"])
    if issuer.rstrip("/") != candidate.rstrip("/"):
        # RFC 8414 §3.3 / OIDC Discovery §4.3: metadata naming another issuer must not be used.
        return f"it names issuer {issuer!r}, not {candidate!r}"
    endpoint = str(metadata.get("authorization_endpoint") or "")
    if not configured and _endpoint(endpoint) != _endpoint(authorization_url):
        return (f"its authorization_endpoint {endpoint!r} is not the authorization URL in use "
                "(another server on the same host?)")
    return ""


def _endpoint(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/")


async def issuer_metadata(client: httpx.AsyncClient, issuer: str, *,
                          flow: str) -> dict[str, Any] | None:
    """The provider's metadata when it names `issuer`; None when there is none or it names
    another issuer (RFC 8414 §3.3: then it must not be used). Never raises."""
    found = await fetch_metadata(client, issuer, flow=flow)
    if found is None:
        return None
    metadata = found[1]
    return metadata if str(metadata["issuer"]).rstrip("/") == issuer.rstrip("/") else None


def issuer_of(token_url: str, configured: str | None = None) -> str:
    """The issuer to ask for metadata: the configured one, else the token URL's origin."""
    if configured:
        return configured
    parts = urlsplit(token_url)
    return f"{parts.scheme}://{parts.netloc}"
