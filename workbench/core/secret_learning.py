"""What an exchange on the wire reveals about the run's secrets, so the Redactor knows them all.

Every secret that matters crosses the wire: the client secret in a Basic header or a form, the
refresh token and code in a token request, the access token, cookies and session tickets in
the answers. Learning them from each recorded exchange, in one place, means no flow has to
remember to register its secrets, and a value a server echoes later is masked wherever it
shows up (error descriptions, HTML pages, redirects, log lines).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

# Found in text that is not JSON or a form (a truncated body, a text/plain answer).
_JSON_PAIR = re.compile(r'"([A-Za-z_][\w.-]{0,60})"\s*:\s*"((?:[^"\\]|\\.){1,8192})"')
_FORM_PAIR = re.compile(r"(?:^|[?&\s;])([A-Za-z_][\w.-]{0,60})=([^&\s\"'<>;]{1,8192})")
_COOKIE = re.compile(r"\s*([^=;\s]+)=([^;]*)")


class Exchange(Protocol):
    """What learning reads of an event (structural, so this module needs no import of it)."""

    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    response_headers: list[tuple[str, str]]
    response_body: bytes


class Learner(Protocol):
    """The part of the Redactor that learning talks to."""

    def add_value(self, value: str | None) -> None: ...

    def is_sensitive_header(self, name: str) -> bool: ...

    def is_sensitive_key(self, name: str) -> bool: ...


def learn_exchange(redactor: Learner, exchange: Exchange) -> None:
    """Add every secret `exchange` carries, request and response, to `redactor`."""
    learn_url(redactor, exchange.url)
    for headers, body in ((exchange.request_headers, exchange.request_body),
                          (exchange.response_headers, exchange.response_body)):
        for name, value in headers:
            learn_header(redactor, name, value)
        learn_body(redactor, body, _header(headers, "content-type"))


def learn_header(redactor: Learner, name: str, value: str) -> None:
    lowered = name.lower()
    if lowered in ("location", "content-location", "refresh", "link"):
        learn_url(redactor, value.split(";")[-1].strip(" <>").removeprefix("url="))
        return
    if lowered == "cookie":
        for _name, cookie in _COOKIE.findall(value):
            redactor.add_value(cookie.strip('"'))
        return
    if lowered == "set-cookie":
        cookie = _COOKIE.match(value)
        if cookie:
            redactor.add_value(cookie.group(2).strip('"'))
        return
    if not redactor.is_sensitive_header(name):
        return
    scheme, _, credentials = value.strip().partition(" ")
    if not credentials:
        redactor.add_value(value)
        return
    credentials = credentials.strip()
    redactor.add_value(credentials)
    if scheme.lower() == "basic":
        for secret in basic_secrets(credentials):
            redactor.add_value(secret)


def basic_secrets(blob: str) -> list[str]:
    """From a Basic blob: `user:password` and the password, raw and percent-decoded (RFC 6749
    §2.3.1 form-encodes client id and secret before base64)."""
    try:
        pair = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return []
    _user, sep, password = pair.partition(":")
    if not sep:
        return [pair]
    return [pair, password, unquote(password), unquote_plus(password)]


def learn_url(redactor: Learner, url: str) -> None:
    """The password of `user:password@` and sensitive query parameters of `url`."""
    if not url or ("?" not in url and "@" not in url):
        return
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return
    if parts.password:
        user = parts.username or ""
        for password in {parts.password, unquote(parts.password)}:
            pair = f"{unquote(user)}:{password}"
            redactor.add_value(password)
            redactor.add_value(pair)
            # The Proxy-Authorization blob as a value of its own: echoed, it may be encoded again.
            redactor.add_value(base64.b64encode(pair.encode()).decode())
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if redactor.is_sensitive_key(key) or key.lower() == "code":
            redactor.add_value(value)


def learn_body(redactor: Learner, body: bytes, content_type: str | None) -> None:
    """Sensitive fields of a JSON or form body (or of text that merely looks like one)."""
    if not body:
        return
    text = body.decode("utf-8", errors="replace")
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:  # a body nested thousands deep is not JSON to learn from: the text rules apply
            found = list(_sensitive_json(redactor.is_sensitive_key, json.loads(stripped)))
        except (ValueError, RecursionError):
            pass
        else:
            for value in found:
                redactor.add_value(value)
            return
    form = "x-www-form-urlencoded" in (content_type or "").lower()
    if form or re.fullmatch(r"[\w.~%+-]+=[^\s]*", stripped[:4096].split("&")[0] or "-"):
        for key, value in parse_qsl(stripped, keep_blank_values=False):
            if redactor.is_sensitive_key(key) or key.lower() == "code":
                redactor.add_value(value)
        if form:
            return
    for key, value in _JSON_PAIR.findall(text):
        if redactor.is_sensitive_key(key):
            redactor.add_value(_json_unescape(value))
    for key, value in _FORM_PAIR.findall(text):
        if redactor.is_sensitive_key(key):
            redactor.add_value(unquote_plus(value))


def _sensitive_json(is_sensitive: Callable[[str], bool], data: Any,
                    sensitive: bool = False) -> Iterator[str]:
    """String (and number) values under sensitive keys, at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _sensitive_json(is_sensitive, value, sensitive or is_sensitive(str(key)))
    elif isinstance(data, list):
        for item in data:
            yield from _sensitive_json(is_sensitive, item, sensitive)
    elif sensitive and isinstance(data, str | int) and not isinstance(data, bool):
        yield str(data)


def _json_unescape(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"'))
    except ValueError:
        return value


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)
