"""Redaction for a support bundle: stricter than the screen's, and it keeps count.

A bundle leaves the company, so beyond what the Redactor masks, OAuth's per-login values
(code, state, nonce, verifiers) go too, every cookie value goes, and each masking is tallied
(field, kind, count) for the bundle's manifest. JWTs are the exception that helps: their
header and claims (aud, iss, scp, exp: what a support engineer needs) stay, their signature
goes, so what is left can be read but never presented to an API.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from copy import copy
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

from workbench.core.events import Event, decode_body
from workbench.core.jwt import decode_jwt
from workbench.core.redaction import REDACTED, Redactor

# Masked in a bundle whatever the Redactor thinks of them.
BUNDLE_KEYS = frozenset({"code", "state", "nonce", "code_verifier", "code_challenge",
                         "session_state", "device_code", "user_code", "otp", "mfa_answer"})
SIGNATURE_REMOVED = "signature-removed"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+")
_HOLD = "\ue000{}\ue001"  # private-use marks no redactor pattern can match
_HELD = re.compile("\ue000(\\d+)\ue001")


class BundleRedactor:
    """Masks an event for a bundle and counts what it masked."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.tally: Counter[tuple[str, str]] = Counter()  # (field, kind) → count

    def manifest(self) -> list[dict[str, Any]]:
        return [{"field": field, "kind": kind, "count": count}
                for (field, kind), count in sorted(self.tally.items())]

    def event(self, event: Event) -> Event:
        """A masked copy of `event` (the original is not touched)."""
        masked = copy(event)
        masked.url = self.url(event.url)
        masked.request_headers = [self.header(k, v) for k, v in event.request_headers]
        masked.response_headers = [self.header(k, v) for k, v in event.response_headers]
        masked.request_body = self.body(event.request_body,
                                        event.header("content-type", response=False))
        masked.response_body = self.body(event.response_body, event.header("content-type"))
        masked.error, masked.message = self.text(event.error), self.text(event.message)
        masked.reason = self.text(event.reason)
        return masked

    # -- parts -----------------------------------------------------------------------------

    def url(self, url: str) -> str:
        if not url:
            return url
        try:
            parts = urlsplit(url)
        except ValueError:
            return self.text(url)
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", f":{REDACTED}@")
            self.tally[("URL password", "userinfo")] += 1
        query = self.form(parts.query, "query") if "=" in parts.query else parts.query
        fragment = self.form(parts.fragment, "fragment") if "=" in parts.fragment \
            else parts.fragment
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, fragment)),
                         "URL")

    def header(self, name: str, value: str) -> tuple[str, str]:
        lowered = name.lower()
        if lowered in ("location", "referer", "content-location"):
            return name, self.url(value)
        if lowered == "cookie":
            pairs = [p.strip() for p in value.split(";") if p.strip()]
            self.tally[(f"{name} header", "cookie values")] += len(pairs)
            return name, "; ".join(f"{p.partition('=')[0]}={REDACTED}" for p in pairs)
        if lowered == "set-cookie":
            cookie, sep, attributes = value.partition(";")
            self.tally[(f"cookie {cookie.partition('=')[0].strip()}", "set-cookie")] += 1
            return name, f"{cookie.partition('=')[0]}={REDACTED}{sep}{attributes}"
        if self.redactor.is_sensitive_header(name):
            scheme, _, credential = value.strip().partition(" ")
            if credential and decode_jwt(credential.strip()) is not None:
                self.tally[(f"{name} header", "jwt signature")] += 1
                return name, f"{scheme} {strip_signature(credential.strip())}"
            self.tally[(f"{name} header", "header")] += 1
            return name, f"{scheme} {REDACTED}" if credential else REDACTED
        return name, self.text(value, f"{name} header")

    def body(self, body: bytes, content_type: str | None) -> bytes:
        if not body:
            return body
        text = decode_body(body)
        kind = (content_type or "").lower()
        if "json" in kind or text.lstrip()[:1] in ("{", "["):
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):
                pass
            else:
                return json.dumps(self._json(data, 0), ensure_ascii=False).encode()
        if "x-www-form-urlencoded" in kind or (
                "=" in text and "\n" not in text.strip() and " " not in text.strip()):
            return self.form(text.strip(), "form").encode()
        return self.text(text, "body").encode()

    def form(self, encoded: str, kind: str) -> str:
        out = []
        for key, value in parse_qsl(encoded, keep_blank_values=True):
            out.append(f"{quote_plus(key)}={quote_plus(self._value(key, value, kind))}")
        return "&".join(out)

    def text(self, text: str, where: str = "text") -> str:
        """Free text: JWTs lose their signature, known secrets are masked and counted."""
        if not text:
            return text
        held: list[str] = []

        def hold(match: re.Match[str]) -> str:
            if decode_jwt(match.group(0)) is None:
                return match.group(0)
            held.append(strip_signature(match.group(0)))
            self.tally[(where, "jwt signature")] += 1
            return _HOLD.format(len(held) - 1)

        kept = _JWT.sub(hold, text)
        before = kept.count(REDACTED)
        masked = self.redactor.text(kept)
        if masked.count(REDACTED) > before:
            self.tally[(where, "known secret")] += masked.count(REDACTED) - before
        return _HELD.sub(lambda m: held[int(m.group(1))], masked)

    def _json(self, data: Any, depth: int) -> Any:
        if depth > 64:
            return REDACTED
        if isinstance(data, dict):
            return {k: self._value(str(k), v, "json", depth) for k, v in data.items()}
        if isinstance(data, list):
            return [self._json(item, depth + 1) for item in data]
        if isinstance(data, str):
            return self.text(data, "json")
        return data

    def _value(self, key: str, value: Any, kind: str, depth: int = 0) -> Any:
        sensitive = self.redactor.is_sensitive_key(key) or key.lower() in BUNDLE_KEYS
        if sensitive and isinstance(value, str) and value:
            if decode_jwt(value) is not None:
                self.tally[(f"{kind} {key}", "jwt signature")] += 1
                return strip_signature(value)
            self.tally[(f"{kind} {key}", kind)] += 1
            return REDACTED
        if sensitive and isinstance(value, dict | list) and value:
            self.tally[(f"{kind} {key}", kind)] += 1
            return REDACTED
        if isinstance(value, str):
            return self.text(value, f"{kind} {key}")
        return self._json(value, depth + 1)


def strip_signature(token: str) -> str:
    """A JWT without its signature: header and claims stay readable, the token unusable."""
    header, payload, _signature = token.split(".")[:3]
    return f"{header}.{payload}.{SIGNATURE_REMOVED}"
