"""Talking to an OAuth2 token endpoint: building grant requests and reading what comes back.

Reading is where real providers go wrong, so every failure becomes a `TokenEndpointError` in
plain words: an RFC 6749 error, an HTML page, garbage, or a token under a non-standard name.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx

from workbench.core.auth.assertions import CLIENT_ASSERTION_TYPE, AssertionSigner
from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import TokenEndpointError
from workbench.core.transport import tag

SNIPPET = 200
FormValue = str | Sequence[str]  # RFC 8707 allows `resource` more than once


class TokenRefused(TokenEndpointError):
    """The provider answered with an RFC 6749 error; `challenges` are its WWW-Authenticate
    values (a Basic challenge says how it wants the client to authenticate)."""

    def __init__(self, reason: str, *, challenges: tuple[str, ...] = (),
                 **details: Any) -> None:
        super().__init__(reason, **details)
        self.challenges = challenges


class MissingAccessToken(TokenEndpointError):
    """A success without `access_token` (or the key_map name); `candidates` are the keys in
    the answer that look like one (`bearerToken`, `data.accessToken`)."""

    def __init__(self, reason: str, *, candidates: tuple[str, ...] = (),
                 **details: Any) -> None:
        super().__init__(reason, **details)
        self.candidates = candidates


@dataclass(frozen=True)
class ClientCredentials:
    """How the client authenticates at the token endpoint: a secret (Basic header or body),
    a signed assertion (private_key_jwt, client_secret_jwt), or only its id (public clients,
    mutual TLS, where the certificate is the credential)."""

    client_id: str
    client_secret: str = ""
    in_basic_header: bool = False  # Blueprint `is_basic_auth`
    assertion: AssertionSigner | None = None
    method: str = ""  # token_endpoint_auth_method, when the connector names one

    @property
    def auth_method(self) -> str:
        """The RFC 7591 name of how this client authenticates."""
        if self.method:
            return self.method
        if self.in_basic_header:
            return "client_secret_basic"
        return "client_secret_post" if self.client_secret else "none"


def token_request(
    token_url: str,
    grant: Mapping[str, FormValue],
    client: ClientCredentials,
    *,
    step: str,
) -> httpx.Request:
    """A form-encoded token request with the client's authentication."""
    form: dict[str, FormValue] = {k: v for k, v in grant.items() if v}
    headers = {"Accept": "application/json"}
    if client.assertion is not None:
        form["client_id"] = client.client_id
        form["client_assertion_type"] = CLIENT_ASSERTION_TYPE
        form["client_assertion"] = client.assertion.sign(token_url)
    elif client.in_basic_header:
        # RFC 6749 §2.3.1: form-encode id and secret before base64.
        pair = f"{quote(client.client_id, safe='')}:{quote(client.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = client.client_id
        if client.client_secret:
            form["client_secret"] = client.client_secret
    return httpx.Request(
        "POST", token_url, data=form, headers=headers, extensions=tag("oauth2", step, "token")
    )


def read_token_response(response: httpx.Response, key_map: Mapping[str, str]) -> TokenSet:
    """Turn a token endpoint's answer into a TokenSet, or explain why it is not one."""
    payload = _payload(response)
    status = response.status_code
    refused = payload is not None and _is_error_code(payload.get("error"))
    if payload is not None and refused and not _lookup(payload, key_map, "access_token"):
        error = str(payload.get("error"))
        description = _text(payload.get("error_description"))
        raise TokenRefused(
            f"The token endpoint refused the request: {error}"
            + (f" ({description})" if description else ""),
            status=status,
            error=error,
            error_description=description,
            error_uri=_text(payload.get("error_uri")),
            challenges=tuple(response.headers.get_list("www-authenticate")),
        )
    if status >= 400 or payload is None:
        raise TokenEndpointError(_unreadable(response, payload), status=status)
    access_token = _lookup(payload, key_map, "access_token")
    if not access_token:
        keys = ", ".join(sorted(payload)) or "none"
        mapped = key_map.get("access_token")
        where = f"under {mapped!r} (from key_map)" if mapped else "under 'access_token'"
        raise MissingAccessToken(
            f"The token response has no access token {where}; the keys it has are: {keys}. "
            "If the provider names it differently, add key_map to an access_token field.",
            status=status,
            candidates=token_like_keys(payload),
        )
    expires_in = _seconds(_lookup(payload, key_map, "expires_in"))
    token_type = _lookup(payload, key_map, "token_type") or "Bearer"
    return TokenSet(
        access_token=str(access_token),
        token_type=str(token_type),
        expires_at=None if expires_in is None else time.time() + expires_in,
        refresh_token=_text(_lookup(payload, key_map, "refresh_token")),
        scope=_text(payload.get("scope")),
        id_token=_text(payload.get("id_token")),
        raw=payload,
    )


def token_like_keys(payload: Mapping[str, Any], prefix: str = "") -> tuple[str, ...]:
    """Keys (dotted for nested objects, one level deep) whose value looks like an access
    token: text under a name with "token" in it that is not a refresh/id token or a type."""
    found: list[str] = []
    for key, value in payload.items():
        name = str(key).lower().replace("-", "_")
        if isinstance(value, Mapping) and not prefix:
            found += token_like_keys(value, f"{key}.")
        elif (isinstance(value, str) and value and "token" in name
              and not any(word in name for word in ("refresh", "id_token", "idtoken", "type"))):
            found.append(f"{prefix}{key}")
    return tuple(found)


def _payload(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a mapping: JSON, or form-encoded (GitHub's classic answer); else None."""
    text = response.text.strip()
    if not text:
        return None
    content_type = response.headers.get("content-type", "").lower()
    if text[:1] in "{[" or "json" in content_type:
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    if "html" in content_type or text[:1] == "<":
        return None
    pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False)
    if pairs and all(k and " " not in k for k, _ in pairs) and "=" in text:
        return dict(pairs)
    return None


def _unreadable(response: httpx.Response, payload: dict[str, Any] | None) -> str:
    status = f"{response.status_code} {response.reason_phrase}".strip()
    text = response.text.strip()
    content_type = response.headers.get("content-type", "").split(";")[0] or "no content type"
    if not text:
        return f"The token endpoint answered {status} with an empty body."
    if "html" in content_type or text.lstrip()[:1] == "<":
        return (
            f"The token endpoint answered {status} with an HTML page ({page_title(text)}), not a "
            "token. token_url may point at a login or error page instead of the token "
            "endpoint, or a proxy or firewall answered instead of the provider."
        )
    if payload is None:
        return (
            f"The token endpoint answered {status} with {content_type} that is neither JSON "
            f"nor form-encoded: {_snippet(text)!r}"
        )
    return f"The token endpoint answered {status}: {_snippet(text)!r}"


def _lookup(payload: Mapping[str, Any], key_map: Mapping[str, str], name: str) -> Any:
    """The value for a standard key, through key_map; a dotted key_map walks nested objects."""
    key = key_map.get(name, name)
    if key in payload:
        return payload[key]
    node: Any = payload
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _is_error_code(value: Any) -> bool:
    """RFC 6749 error codes are single tokens (`invalid_grant`), not sentences."""
    return isinstance(value, str) and bool(value) and " " not in value.strip()


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def page_title(html: str) -> str:
    """'titled "…"' from an HTML page's <title>, or 'untitled'."""
    lowered = html.lower()
    start, end = lowered.find("<title>"), lowered.find("</title>")
    if 0 <= start < end:
        return f"titled {html[start + 7:end].strip()[:80]!r}"
    return "untitled"


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[:SNIPPET] + "…"
