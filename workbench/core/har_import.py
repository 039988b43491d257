"""HAR 1.2 import: a browser's (or another tool's) capture as Events the workbench can read.

Chromium and Firefox differ in the details, and both are read: Chromium's `_initiator`,
`_resourceType`, `_error` and bracketed IPv6 `serverIPAddress`; Firefox's `postData.params`
without `text`; either's base64 `content.encoding`, `Set-Cookie` joined by newlines, and
bodies that were left compressed. What a HAR says about the network (address, connection,
timings, TLS) is kept beside each event in a `HarEntry`.

The entries are read unredacted; `redact_entries` then replaces each event's content with its
redacted form, so the original is gone unless the caller kept a copy on purpose.
"""

from __future__ import annotations

import base64
import binascii
import copy
import gzip
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from workbench.core.errors import InputError
from workbench.core.events import Event
from workbench.core.redaction import Redactor
from workbench.core.wire_secrets import learn_secrets

MAX_HAR_BYTES = 2 * 1024**3  # refuse files past 2 GiB: a HAR that big is not a support capture


@dataclass
class HarEntry:
    """One HAR entry: the exchange as an Event, and what the HAR says around it."""

    index: int  # 0-based position in log.entries
    event: Event
    server_ip: str = ""
    connection: str = ""
    resource_type: str = ""  # Chromium's _resourceType: document, xhr, fetch, preflight, …
    initiator: str = ""  # Chromium's _initiator: "script https://app/…", "parser …", "other"
    timings: dict[str, float] = field(default_factory=dict)
    tls: dict[str, Any] | None = None  # our `_tls`, or Playwright/CDP `_securityDetails`
    from_cache: str = ""
    response_cookies: list[dict[str, Any]] = field(default_factory=list)  # attributes, no values
    notes: list[str] = field(default_factory=list)  # how the body was read, what was missing


@dataclass
class HarCapture:
    """A parsed HAR: its entries oldest first, who wrote it, and what could not be read."""

    entries: list[HarEntry]
    creator: str = ""
    browser: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def events(self) -> list[Event]:
        return [entry.event for entry in self.entries]


def read_har(source: str | Path | bytes) -> HarCapture:
    """Parse a HAR file (a path or its bytes); an InputError says plainly what is wrong."""
    data = _load(source)
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise InputError("this is JSON but not a HAR: it has no log.entries list")
    raw_entries: list[Any] = log["entries"]
    capture = HarCapture([], _name_of(log.get("creator")), _name_of(log.get("browser")))
    for index, raw in enumerate(raw_entries):
        try:
            capture.entries.append(_entry(index, raw))
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            capture.warnings.append(f"entry {index + 1} skipped: {_why(exc)}")
        raw_entries[index] = None  # let the parsed JSON go as we go: big HARs stay small
    capture.entries.sort(key=lambda e: (e.event.time, e.index))
    for number, entry in enumerate(capture.entries, 1):
        entry.event.id = number
    return capture


def redact_entries(entries: Iterable[HarEntry], redactor: Redactor,
                   *, keep_original: bool = False) -> list[Event]:
    """Learn every secret the entries carry, then replace each event's content with its
    redacted form. Returns the untouched originals only when `keep_original` is asked for."""
    entries = list(entries)
    for entry in entries:
        learn_secrets(redactor, entry.event)
    originals = [copy.copy(e.event) for e in entries] if keep_original else []
    for entry in entries:
        redact_event(entry.event, redactor)
        entry.notes = [redactor.text(n) for n in entry.notes]
    return originals


def redact_event(event: Event, redactor: Redactor) -> None:
    """Replace `event`'s URL, headers, bodies and texts with what `render` would show."""
    shown = event.render(redactor)
    event.url = shown["url"]
    event.request_headers = [(k, v) for k, v in shown["request"]["headers"]]
    event.request_body = shown["request"]["body"].encode()
    event.error, event.message = shown["error"], shown["message"]
    if shown["response"] is not None:
        event.response_headers = [(k, v) for k, v in shown["response"]["headers"]]
        event.response_body = shown["response"]["body"].encode()
        event.reason = shown["response"]["reason"]


# -- reading ------------------------------------------------------------------------------

def _load(source: str | Path | bytes) -> Any:
    if isinstance(source, bytes):
        raw = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_HAR_BYTES:
                raise InputError(f"{path} is larger than 2 GiB; export fewer requests")
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"this is not a HAR: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"this is not a HAR: not JSON (line {exc.lineno}, column "
                         f"{exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputError("this is not a HAR: its JSON is nested too deeply") from None


def _entry(index: int, raw: Any) -> HarEntry:
    request, response = raw["request"], raw.get("response") or {}
    event = Event(kind="request", method=str(request["method"]).upper(),
                  url=str(request["url"]))
    event.time = _epoch(raw.get("startedDateTime"))
    event.duration_ms = _number(raw.get("time"))
    event.request_headers = _headers(request.get("headers"))
    entry = HarEntry(index, event, server_ip=str(raw.get("serverIPAddress") or "").strip("[]"),
                     connection=str(raw.get("connection") or ""),
                     resource_type=str(raw.get("_resourceType") or ""),
                     initiator=_initiator(raw.get("_initiator")),
                     timings={k: float(v) for k, v in (raw.get("timings") or {}).items()
                              if isinstance(v, int | float) and not isinstance(v, bool)},
                     tls=_tls(raw),
                     from_cache=str(raw.get("_fromCache") or ""))
    if not _has(event.request_headers, "cookie") and request.get("cookies"):
        event.request_headers.append(("Cookie", "; ".join(
            f"{c.get('name', '')}={c.get('value', '')}" for c in request["cookies"]
            if isinstance(c, dict))))
    event.request_body = _post_data(request.get("postData"), event)
    status = _number(response.get("status"))
    if status:
        event.status = int(status)
        event.reason = str(response.get("statusText") or "")
        event.response_headers = _split_set_cookie(_headers(response.get("headers")))
        event.response_body = _content(response.get("content") or {}, event, entry.notes)
        entry.response_cookies = [_cookie_attributes(c) for c in response.get("cookies") or ()
                                  if isinstance(c, dict)]
    else:  # Chromium writes status 0 for a request that got no answer (CORS, refused, …)
        event.error = str(raw.get("_error") or response.get("_error") or "no response")
    if raw.get("comment"):
        event.message = str(raw["comment"])
    ours = raw.get("_workbench")
    if isinstance(ours, dict):  # a HAR the workbench exported keeps its labels
        kind = ours.get("kind")
        event.kind = kind if kind in ("request", "token", "webhook") else "request"
        event.flow, event.step = str(ours.get("flow") or ""), str(ours.get("step") or "")
    return entry


def _headers(raw: Any) -> list[tuple[str, str]]:
    return [(str(h["name"]), str(h.get("value", ""))) for h in raw or ()
            if isinstance(h, dict) and "name" in h]


def _split_set_cookie(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Chromium joins several Set-Cookie values with newlines into one header."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() == "set-cookie" and "\n" in value:
            out += [(name, part) for part in value.split("\n") if part.strip()]
        else:
            out.append((name, value))
    return out


def _post_data(raw: Any, event: Event) -> bytes:
    if not isinstance(raw, dict):
        return b""
    text = raw.get("text")
    if isinstance(text, str) and text:
        if raw.get("encoding") == "base64":
            return _b64(text) or text.encode()
        return text.encode()
    params = raw.get("params")
    if isinstance(params, list) and params:  # Firefox: the form's fields, no text
        pairs = [(str(p.get("name", "")), str(p.get("value", ""))) for p in params
                 if isinstance(p, dict)]
        if not _has(event.request_headers, "content-type"):
            event.request_headers.append(("Content-Type", str(raw.get("mimeType") or
                                          "application/x-www-form-urlencoded")))
        return urlencode(pairs).encode()
    return b""


def _content(content: dict[str, Any], event: Event, notes: list[str]) -> bytes:
    text = content.get("text")
    if not isinstance(text, str) or not text:
        if (_number(content.get("size")) or 0) > 0:
            notes.append("the HAR does not include this response's body")
        return b""
    if content.get("encoding") != "base64":
        return text.encode()
    body = _b64(text)
    if body is None:
        notes.append("the body claims base64 but is not; shown as written")
        return text.encode()
    return _decompressed(body, event.header("content-encoding") or "", notes)


def _decompressed(body: bytes, encoding: str, notes: list[str]) -> bytes:
    """Browsers store decoded bodies; some tools keep the compressed bytes. Undo gzip/deflate
    when the bytes are compressed; anything else stays as it is, said in a note."""
    try:
        if body[:2] == b"\x1f\x8b":
            notes.append("body was gzip-compressed in the HAR; decompressed")
            return gzip.decompress(body)
        if "deflate" in encoding.lower() and body[:1] == b"\x78":
            notes.append("body was deflate-compressed in the HAR; decompressed")
            return zlib.decompress(body)
    except (OSError, EOFError, zlib.error):
        notes.append("body is compressed but damaged; shown as stored")
        return body
    if "br" in [e.strip() for e in encoding.lower().split(",")] and not _is_text(body):
        notes.append("body is brotli-compressed; shown as stored")
    return body


def _is_text(body: bytes) -> bool:
    try:
        body[:512].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None


def _cookie_attributes(cookie: dict[str, Any]) -> dict[str, Any]:
    return {k: cookie[k] for k in ("name", "domain", "path", "expires", "httpOnly", "secure",
                                   "sameSite") if k in cookie}


def _initiator(raw: Any) -> str:
    if not isinstance(raw, dict):
        return ""
    return " ".join(str(raw[k]) for k in ("type", "url") if raw.get(k))


def _tls(raw: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("_tls", "_securityDetails"):
        if isinstance(raw.get(key), dict):
            return dict(raw[key])
    return None


def _epoch(value: Any) -> float:
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def _has(headers: list[tuple[str, str]], name: str) -> bool:
    return any(k.lower() == name for k, _ in headers)


def _name_of(raw: Any) -> str:
    if not isinstance(raw, dict):
        return ""
    return " ".join(str(raw[k]) for k in ("name", "version") if raw.get(k))


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0]!r}"
    return "it is not shaped like a HAR entry"
