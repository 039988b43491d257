"""Redaction: what must never be shown unless the user explicitly asks.

Three things get masked: headers by name, fields by name (query parameters, form fields, JSON
keys) and known secret values wherever they appear (a password echoed in an error page, an API
key inside a URL). The defaults cover the usual suspects; a connector adds its own names and
values (its API-key header, its `is_encrypted` fields).
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit, urlunsplit

REDACTED = "[redacted]"

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
    }
)
SENSITIVE_KEYS = frozenset(
    {
        "client_secret",
        "password",
        "passwd",
        "access_token",
        "refresh_token",
        "id_token",
        "code_verifier",
        "device_code",
        "api_key",
        "apikey",
        "token",
        "secret",
        "client_assertion",
        "assertion",
        "private_key",
        "session_token",
    }
)
# Masked in URLs and form bodies, where OAuth authorization codes travel; in JSON, "code" is
# usually an error code worth seeing.
FORM_ONLY_KEYS = frozenset({"code"})
# Values shorter than this are only masked by name: masking "0" everywhere would mangle output.
MIN_SECRET_LENGTH = 4
_URL_HEADERS = frozenset({"location", "content-location", "referer"})
_SCHEMES_KEPT = ("bearer", "basic", "digest", "token", "soticket", "dpop")


class Redactor:
    """Masks sensitive headers, fields and values; grows as a run learns new secrets."""

    def __init__(
        self,
        headers: Iterable[str] = (),
        keys: Iterable[str] = (),
        values: Iterable[str] = (),
    ) -> None:
        self._headers = set(SENSITIVE_HEADERS) | {h.lower() for h in headers}
        self._keys = set(SENSITIVE_KEYS) | {k.lower() for k in keys}
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add_value(value)

    def add_header(self, name: str) -> None:
        self._headers.add(name.lower())

    def add_key(self, name: str) -> None:
        self._keys.add(name.lower())

    def add_value(self, value: str | None) -> None:
        """Mask this exact value anywhere, also in its URL-encoded and base64 forms."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        forms = {value, quote(value, safe=""), quote_plus(value)}
        self._values |= {f for f in forms if len(f) >= MIN_SECRET_LENGTH}
        self._pattern = None

    def add_basic_credentials(self, username: str, password: str) -> None:
        """Mask `password` and the base64 `user:password` blob a Basic header carries."""
        self.add_value(password)
        if password:
            self.add_value(base64.b64encode(f"{username}:{password}".encode()).decode())

    def is_sensitive_header(self, name: str) -> bool:
        return name.lower() in self._headers

    def is_sensitive_key(self, name: str) -> bool:
        return name.lower() in self._keys

    # -- rendering -------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """Replace every known secret value in free text."""
        if not self._values or not text:
            return text
        if self._pattern is None:
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
        return self._pattern.sub(REDACTED, text)

    def header(self, name: str, value: str) -> str:
        if name.lower() in _URL_HEADERS and not self.is_sensitive_header(name):
            return self.url(value)  # a redirect can carry ?code=… or an API key
        if not self.is_sensitive_header(name):
            return self.text(value)
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in _SCHEMES_KEPT:
            return f"{scheme} {REDACTED}"  # the scheme is what people need to debug
        return REDACTED

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.header(name, value)) for name, value in headers]

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else netloc
        query = self._form(parts.query) if parts.query else ""
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def body(self, body: str, content_type: str = "") -> str:
        """Mask a request or response body: JSON by key, forms by field, then by value."""
        if not body:
            return body
        kind = content_type.lower()
        stripped = body.lstrip()
        if "json" in kind or stripped[:1] in ("{", "["):
            try:
                data = json.loads(body)
            except ValueError:
                pass
            else:
                return self.text(json.dumps(self._json(data), ensure_ascii=False))
        if "x-www-form-urlencoded" in kind or _looks_like_form(body):
            return self.text(self._form(body))
        return self.text(body)

    def _json(self, data: object) -> object:
        if isinstance(data, dict):
            return {
                k: (REDACTED if self.is_sensitive_key(str(k)) and v not in (None, "") else
                    self._json(v))
                for k, v in data.items()
            }
        if isinstance(data, list):
            return [self._json(item) for item in data]
        return data

    def _form(self, encoded: str) -> str:
        pairs = parse_qsl(encoded, keep_blank_values=True)
        return "&".join(
            f"{quote_plus(k)}={REDACTED if self._masks_form_key(k) and v else quote_plus(v)}"
            for k, v in pairs
        )

    def _masks_form_key(self, name: str) -> bool:
        return self.is_sensitive_key(name) or name.lower() in FORM_ONLY_KEYS


_FORM = re.compile(r"^[\w.\-~%+]+=[^\s&]*(&[\w.\-~%+]+=[^\s&]*)*$")


def _looks_like_form(body: str) -> bool:
    return len(body) < 65536 and bool(_FORM.match(body.strip()))


class RedactingFilter(logging.Filter):
    """Scrubs known secret values from log records before any handler writes them."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor.text(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self._redactor.text(logging.Formatter().formatException(
                record.exc_info))
            record.exc_info = None
        return True
