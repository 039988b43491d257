"""Redaction: what must never be shown unless the user explicitly asks.

Three things get masked: headers by name, fields by name (query parameters, form fields, JSON
keys, `key=value` and `"key": "value"` in free text) and known secret values wherever they
appear, in every form a server may echo them in (`secret_forms`). The Redactor learns the
values from every exchange on the wire (`learn`, called once per recorded event), and from
inputs, tokens and tickets where a flow knows them. Whatever leaves the core passes it: texts
(`text`), URLs, headers and bodies, and whole results (`scrub`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import re
import urllib.request
import weakref
from collections.abc import Iterable
from typing import Any, ClassVar, TypeVar
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from workbench.core.anchor_index import AnchorIndex
from workbench.core.secret_forms import (
    SecretPattern,
    base64_forms,
    normalized,
    pattern_for,
    squeezed,
)
from workbench.core.secret_learning import Exchange, learn_exchange, learn_url
from workbench.core.secret_names import (
    FORM_ONLY_KEYS,
    SENSITIVE_HEADERS,
    SENSITIVE_KEYS,
    SENSITIVE_SUFFIXES,
    normalized_key,
)

REDACTED = "[redacted]"

# Values shorter than this are only masked by name: masking "0" everywhere would mangle output.
MIN_SECRET_LENGTH = 4
# Values learned from the wire must be longer: a cookie "lang=en" is not worth masking.
MIN_LEARNED_LENGTH = 6
# A cut-off secret (a preview ending in "…") still leaks its start: mask prefixes this long.
MIN_PREFIX = 12
_URL_HEADERS = frozenset({"location", "content-location", "referer"})
_SCHEMES_KEPT = ("bearer", "basic", "digest", "token", "soticket", "dpop", "negotiate")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s\"'<>\\]+")
_QUOTE = r"(?:\\\"|\"|&quot;|&#34;|&#x22;)"
_QUOTED_PAIR = re.compile(
    rf"(?P<q>{_QUOTE})(?P<key>[A-Za-z_][\w.-]{{0,60}})(?P=q)(?P<sep>\s*:\s*)(?P=q)"
    rf"(?P<value>(?:(?!(?P=q)).){{1,8192}}?)(?P=q)")
_ASSIGNED = re.compile(r"(?<![\w.-])(?P<key>[A-Za-z_][\w.-]{0,60})=(?P<value>[^&\s\"'<>;,\\]+)")
_KEY_WORDS = ("token", "secret", "pass", "pwd", "key", "ticket", "assertion", "verifier",
              "device_code", "session", "otp", "code=")
_CUT = ("…", "...")
_ALREADY_MASKED = re.compile(r"^(?:\[redacted\]|[*•x]+|%2A+)$", re.IGNORECASE)
T = TypeVar("T")


class Redactor:
    """Masks sensitive headers, fields and values; grows as a run learns new secrets."""

    _live: ClassVar[weakref.WeakSet[Redactor]] = weakref.WeakSet()

    def __init__(
        self,
        headers: Iterable[str] = (),
        keys: Iterable[str] = (),
        values: Iterable[str] = (),
    ) -> None:
        self._headers = set(SENSITIVE_HEADERS) | {h.lower() for h in headers}
        self._keys = {normalized_key(k) for k in SENSITIVE_KEYS | set(keys)}
        self._values: set[str] = set()
        self._permitted: set[str] = set()
        self._patterns: dict[str, SecretPattern] = {}
        self._ordered: list[SecretPattern] | None = None
        self._index: AnchorIndex | None = None
        for value in values:
            self.add_value(value)
        Redactor._live.add(self)

    # -- what is secret ------------------------------------------------------------------------

    def add_header(self, name: str) -> None:
        self._headers.add(name.lower())

    def add_key(self, name: str) -> None:
        self._keys.add(normalized_key(name))

    def add_value(self, value: str | None, *, min_length: int = MIN_SECRET_LENGTH) -> None:
        """Mask this value anywhere, in every form it may be echoed in (see secret_forms)."""
        if not value:
            return
        secret = normalized(str(value)).strip()
        if len(secret) < min_length or secret in self._values or REDACTED in secret:
            return
        if secret in self._permitted:
            return
        self._values.add(secret)
        self._patterns.setdefault(secret, pattern_for(secret))
        for form in base64_forms(secret):
            self._patterns.setdefault(form, pattern_for(form, base64_padding=True))
        self._ordered = None

    def add_basic_credentials(self, username: str, password: str) -> None:
        """Mask `password`, `user:password` and the base64 blob a Basic header carries."""
        self.add_value(password)
        if password:
            self.add_value(f"{username}:{password}")

    def add_url_credentials(self, url: str | None) -> None:
        """Mask the password of a `user:password@host` URL (a proxy) and its secret queries."""
        if url:
            learn_url(self._learner(), url)

    def add_proxy_credentials(self, proxy: str | None) -> None:
        """Mask the proxy passwords a run may use: the configured one and the environment's."""
        self.add_url_credentials(proxy)
        for url in urllib.request.getproxies().values():
            self.add_url_credentials(url)

    def permit(self, value: str | None) -> None:
        """A value the user must see (a connect link's token meant for the customer)."""
        if not value:
            return
        secret = normalized(value).strip()
        self._permitted.add(secret)
        if secret in self._values:
            self._values.discard(secret)
            for form in {secret} | base64_forms(secret):
                self._patterns.pop(form, None)
            self._ordered = None

    def learn(self, exchange: Exchange) -> None:
        """Learn every secret a recorded exchange carries (headers, query, bodies)."""
        learn_exchange(self._learner(), exchange)

    def knows(self, value: str) -> bool:
        return normalized(value).strip() in self._values

    def is_sensitive_header(self, name: str) -> bool:
        return name.lower() in self._headers

    def is_sensitive_key(self, name: str) -> bool:
        key = normalized_key(name)
        return key in self._keys or key.endswith(SENSITIVE_SUFFIXES)

    def _learner(self) -> _WireLearner:
        return _WireLearner(self)

    # -- rendering -------------------------------------------------------------------------

    def text(self, text: str) -> str:
        """Free text with every known secret, secret query parameter and `key=value` masked."""
        if not text:
            return text
        text = self._mask_values(text)
        if "://" in text:
            text = _URL_IN_TEXT.sub(lambda m: self._url_structure(m.group(0)), text)
        lowered = text.lower()
        if any(word in lowered for word in _KEY_WORDS):
            text = _QUOTED_PAIR.sub(self._masked_pair, text)
            if "=" in text:
                text = _ASSIGNED.sub(self._masked_assignment, text)
        return text

    def header(self, name: str, value: str) -> str:
        if name.lower() in _URL_HEADERS and not self.is_sensitive_header(name):
            return self.url(value)  # a redirect can carry ?code=… or an API key
        if name.lower() == "set-cookie":
            cookie, sep, attributes = value.partition(";")
            cookie_name = cookie.partition("=")[0]
            return f"{cookie_name}={REDACTED}{sep}{attributes}"
        if not self.is_sensitive_header(name):
            return self.text(value)
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in _SCHEMES_KEPT:
            return f"{scheme} {REDACTED}"  # the scheme is what people need to debug
        return REDACTED

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.header(name, value)) for name, value in headers]

    def url(self, url: str) -> str:
        return self.text(self._url_structure(url))  # a user name stays readable

    def body(self, body: str, content_type: str = "") -> str:
        """Mask a request or response body: JSON by key, forms by field, then by value."""
        if not body:
            return body
        kind = content_type.lower()
        stripped = body.lstrip()
        if "json" in kind or stripped[:1] in ("{", "["):
            try:  # too deep for the walk (a hostile body): masked as text below
                return self.text(json.dumps(self._json(json.loads(body)), ensure_ascii=False))
            except (ValueError, RecursionError):
                pass
        if "x-www-form-urlencoded" in kind or _looks_like_form(body):
            return self.text(self._form(body))
        return self.text(body)

    def scrub(self, value: T, keep: tuple[type, ...] = ()) -> T:
        """A copy of `value` with every string in it passed through `text`: dataclasses, dicts,
        lists, tuples and exceptions, at any depth. Instances of `keep` (the TokenSet the app
        needs for reuse and Reveal, raw events) are returned as they are."""
        return self._scrub(value, keep, 0)

    def _scrub(self, value: Any, keep: tuple[type, ...], depth: int) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if depth > 64 or value is None or isinstance(value, int | float | bool | bytes):
            return value
        if keep and isinstance(value, keep):
            return value
        deeper = depth + 1
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {f.name: self._scrub(getattr(value, f.name), keep, deeper)
                       for f in dataclasses.fields(value) if f.init}
            return dataclasses.replace(value, **changes)
        if isinstance(value, dict):
            return {self._scrub(k, keep, deeper): self._scrub(v, keep, deeper)
                    for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return type(value)(self._scrub(item, keep, deeper) for item in value)
        if isinstance(value, BaseException):
            clone = copy.copy(value)
            clone.args = tuple(self._scrub(a, keep, deeper) for a in value.args)
            for name, attribute in vars(value).items():
                setattr(clone, name, self._scrub(attribute, keep, deeper))
            return clone
        return value

    # -- the parts -------------------------------------------------------------------------

    def _mask_values(self, text: str) -> str:
        if not self._patterns or not text:
            return text
        if self._ordered is None or self._index is None:
            self._ordered = sorted(self._patterns.values(), key=lambda p: len(p.form),
                                   reverse=True)
            self._index = AnchorIndex(self._ordered, self._values, MIN_PREFIX)  # one scan
        for pattern in self._index.candidates(squeezed(text)):
            text = pattern.regex.sub(REDACTED, text)
        return self._mask_cut_prefixes(text)

    def _mask_cut_prefixes(self, text: str) -> str:
        """A secret cut short by a preview ("abcdefghijkl…") is masked like a whole one."""
        for secret in self._index.with_prefix_in(text) if self._index else self._values:
            if len(secret) <= MIN_PREFIX:
                continue
            start = text.find(secret[:MIN_PREFIX])
            while start != -1:
                end = start + MIN_PREFIX
                while end - start < len(secret) and end < len(text) and \
                        text[end] == secret[end - start]:
                    end += 1
                after = text[end:end + 8].lstrip(" ")
                if end == len(text) or after.startswith(_CUT) or text[end] in "'\"":
                    text = text[:start] + REDACTED + text[end:]
                    end = start + len(REDACTED)
                start = text.find(secret[:MIN_PREFIX], end)
        return text

    def _url_structure(self, url: str) -> str:
        """userinfo passwords and sensitive query parameters masked by name."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            user = userinfo.split(":", 1)[0]
            netloc = f"{user}:{REDACTED}@{host}" if ":" in userinfo else netloc
        query = self._form(parts.query) if parts.query and "=" in parts.query else parts.query
        fragment = parts.fragment
        if "=" in fragment:  # implicit-flow answers put tokens in the fragment
            fragment = self._form(fragment)
        if netloc == parts.netloc and query == parts.query and fragment == parts.fragment:
            return url
        return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))

    def _masked_pair(self, match: re.Match[str]) -> str:
        if not self.is_sensitive_key(match.group("key")) or not self._hides(match.group("value")):
            return match.group(0)
        quote = match.group("q")
        return f"{quote}{match.group('key')}{quote}{match.group('sep')}{quote}{REDACTED}{quote}"

    def _masked_assignment(self, match: re.Match[str]) -> str:
        value, key = match.group("value"), match.group("key")
        in_query = match.start() > 0 and match.string[match.start() - 1] in "?&"
        sensitive = self.is_sensitive_key(key) or (in_query and key.lower() in FORM_ONLY_KEYS)
        if not sensitive or not self._hides(value):
            return match.group(0)
        return f"{match.group('key')}={REDACTED}"

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
        """Form or query text with secret fields masked; every other pair kept as written."""
        shown = []
        for pair in encoded.split("&"):
            name, sep, value = pair.partition("=")
            secret = self._masks_form_key(unquote_plus(name)) and self._hides(unquote_plus(value))
            shown.append(f"{name}={REDACTED}" if sep and secret else pair)
        return "&".join(shown)

    def _hides(self, value: str) -> bool:
        """A value worth masking: not empty, not permitted, not already a mask (`***`)."""
        return bool(value) and value not in self._permitted and not _ALREADY_MASKED.match(value)

    def _masks_form_key(self, name: str) -> bool:
        return self.is_sensitive_key(name) or name.lower() in FORM_ONLY_KEYS


class _WireLearner:
    """The Redactor as learning sees it: values from the wire need a longer minimum."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor

    def add_value(self, value: str | None) -> None:
        self._redactor.add_value(value, min_length=MIN_LEARNED_LENGTH)

    def is_sensitive_header(self, name: str) -> bool:
        return self._redactor.is_sensitive_header(name)

    def is_sensitive_key(self, name: str) -> bool:
        return self._redactor.is_sensitive_key(name)


_FORM = re.compile(r"^[\w.\-~%+]+=[^\s&]*(&[\w.\-~%+]+=[^\s&]*)*$")


def _looks_like_form(body: str) -> bool:
    return len(body) < 65536 and bool(_FORM.match(body.strip()))


def redact_with_all(text: str, first: Redactor | None = None) -> str:
    """`text` through `first`, then through every other Redactor alive in the process: the
    backstops (log records, the CLI's streams) know the secrets of every run, the app's too."""
    if first is not None:
        text = first.text(text)
    for redactor in list(Redactor._live):
        if redactor is not first:
            text = redactor.text(text)
    return text


class RedactingFilter(logging.Filter):
    """Scrubs known secret values from log records before any handler writes them, with its
    Redactor and every other one alive (a GUI run's log has its own)."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_with_all(record.getMessage(), self._redactor)
        record.args = None
        if record.exc_info:
            record.exc_text = redact_with_all(logging.Formatter().formatException(
                record.exc_info), self._redactor)
            record.exc_info = None
        return True
