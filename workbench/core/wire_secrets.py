"""Teach a Redactor every secret an exchange carries, before any of it is shown or written.

An imported HAR or a session file brings secrets the run never typed: the customer's cookies,
their access token, the code in a redirect. The Redactor learns them from the wire (its own
`learn` when it has one), so each is masked wherever it shows up again, in any entry.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from workbench.core.events import Event
from workbench.core.redaction import FORM_ONLY_KEYS, Redactor


def learn_secrets(redactor: Redactor, event: Event) -> None:
    """Add every secret value in `event` (headers, URL, bodies) to `redactor`."""
    learn = getattr(redactor, "learn", None)
    if callable(learn):  # the Redactor reads the wire itself
        learn(event)
        return
    _learn_url(redactor, event.url)
    for headers, body in ((event.request_headers, event.request_body),
                          (event.response_headers, event.response_body)):
        for name, value in headers:
            _learn_header(redactor, name, value)
        _learn_body(redactor, body)


def _learn_header(redactor: Redactor, name: str, value: str) -> None:
    lowered = name.lower()
    if lowered in ("location", "referer", "content-location"):
        _learn_url(redactor, value)
    elif lowered == "cookie":
        for pair in value.split(";"):
            redactor.add_value(pair.partition("=")[2].strip())
    elif lowered == "set-cookie":
        redactor.add_value(value.split(";", 1)[0].partition("=")[2].strip())
    elif redactor.is_sensitive_header(name):
        scheme, _, credential = value.strip().partition(" ")
        if scheme.lower() == "basic" and credential:
            _learn_basic(redactor, credential.strip())
        redactor.add_value(credential.strip() if credential else value.strip())


def _learn_basic(redactor: Redactor, blob: str) -> None:
    try:
        user, _, password = base64.b64decode(blob, validate=True).decode().partition(":")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return
    redactor.add_basic_credentials(user, password)


def _learn_url(redactor: Redactor, url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if parts.password:
        redactor.add_value(parts.password)
    for query in (parts.query, parts.fragment):
        _learn_form(redactor, query)


def _learn_form(redactor: Redactor, text: str) -> None:
    for key, value in parse_qsl(text, keep_blank_values=False):
        if redactor.is_sensitive_key(key) or key.lower() in FORM_ONLY_KEYS:
            redactor.add_value(value)


def _learn_body(redactor: Redactor, body: bytes) -> None:
    if not body:
        return
    text = body[:1024 * 1024].decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        with contextlib.suppress(ValueError, RecursionError):
            _learn_json(redactor, json.loads(text), 0)
        return
    if "=" in text and "\n" not in text.strip():
        _learn_form(redactor, text.strip())


def _learn_json(redactor: Redactor, data: Any, depth: int) -> None:
    if depth > 32:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and redactor.is_sensitive_key(str(key)):
                redactor.add_value(value)
            else:
                _learn_json(redactor, value, depth + 1)
    elif isinstance(data, list):
        for item in data:
            _learn_json(redactor, item, depth + 1)
