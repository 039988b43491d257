"""Strict parsing of HTTP credentials and the JSON error answers the sandbox apps share."""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from workbench.sandbox.credentials import REALM

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

_ERROR_CLASSES: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
}


class MalformedCredentials(ValueError):
    """Credentials that are present but not in the wire format their scheme requires."""


def split_authorization(value: str) -> tuple[str, str]:
    """Split an Authorization value into (scheme as sent, credentials)."""
    scheme, _, credentials = value.strip().partition(" ")
    return scheme, credentials.strip()


def parse_bearer(credentials: str) -> str:
    """The token of a `Bearer` credential (RFC 6750 §2.1), or MalformedCredentials."""
    if not credentials:
        raise MalformedCredentials("the Bearer scheme is followed by no token")
    if not _B64TOKEN.fullmatch(credentials):
        raise MalformedCredentials(
            "a bearer token is a single word of letters, digits and -._~+/ (RFC 6750 §2.1)"
        )
    return credentials


def parse_basic(credentials: str) -> tuple[str, str]:
    """(user-id, password) of a `Basic` credential (RFC 7617), or MalformedCredentials."""
    if not credentials:
        raise MalformedCredentials("the Basic scheme is followed by no credentials")
    try:
        raw = base64.b64decode(credentials, validate=True)
    except (binascii.Error, ValueError):
        hint = " (user:password must be base64-encoded)" if ":" in credentials else ""
        raise MalformedCredentials(f"the Basic credentials are not valid base64{hint}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedCredentials("the decoded Basic credentials are not UTF-8") from None
    if ":" not in text:
        raise MalformedCredentials("the decoded Basic credentials have no ':' after the user-id")
    user, _, password = text.partition(":")
    return user, password


def same_secret(given: str, expected: str) -> bool:
    """Compare secrets in constant time, like a real server should."""
    return secrets.compare_digest(given.encode(), expected.encode())


def challenge(scheme: str, **params: str) -> str:
    """A WWW-Authenticate value: `scheme realm="…", key="value", …` with quoted-string escaping."""
    pairs = {"realm": REALM, **params}
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in pairs.values())
    return f"{scheme} " + ", ".join(f'{k}="{v}"' for k, v in zip(pairs, quoted, strict=True))


def json_error(
    status: int,
    body: Mapping[str, Any],
    *,
    www_authenticate: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.HTTPException:
    """An HTTP error with a JSON body, ready to raise from a handler."""
    all_headers = dict(headers or {})
    if www_authenticate is not None:
        all_headers["WWW-Authenticate"] = www_authenticate
    return _ERROR_CLASSES[status](
        text=json.dumps(body), content_type="application/json", headers=all_headers
    )
