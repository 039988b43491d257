"""HAR 1.2 export: the session's HTTP exchanges in the format browsers and HTTP tools import.

Only HTTP events become entries (notes have no request). Everything is redacted unless the
redactor is None, which only the GUI's explicit Reveal action passes. Exchanges that never got
a response (refused, timed out, TLS) keep their request, with status 0 and an `_error` field.
A body cut at the event cap has `_truncated: true` and a comment; `bodySize` and `content.size`
stay the real sizes when they are known.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from workbench.core.events import Event
from workbench.core.network_facts import facts_for
from workbench.core.network_report import har_fields
from workbench.core.redaction import Redactor

HAR_VERSION = "1.2"
CREATOR_NAME = "Connection Workbench"
# httpx and the aiohttp webhook receiver both speak HTTP/1.1 (HTTP/2 is not enabled).
HTTP_VERSION = "HTTP/1.1"


def to_har(
    events: Iterable[Event], redactor: Redactor | None, *, creator_version: str
) -> dict[str, Any]:
    """A HAR 1.2 document of every HTTP exchange in `events`, oldest first."""
    exchanges = sorted((e for e in events if is_http(e)), key=lambda e: (e.time, e.id))
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": CREATOR_NAME, "version": creator_version},
            "entries": [_entry(event, redactor) for event in exchanges],
        }
    }


def write_har(
    path: str | os.PathLike[str],
    events: Iterable[Event],
    redactor: Redactor | None,
    creator_version: str,
) -> None:
    """Write `to_har` as UTF-8 JSON, indented by 2."""
    document = to_har(events, redactor, creator_version=creator_version)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")


def is_http(event: Event) -> bool:
    """True for events that carry an HTTP request (everything but notes)."""
    return event.kind != "note" and bool(event.method)


def iso_time(epoch: float) -> str:
    """Epoch seconds as ISO 8601 with milliseconds and an explicit UTC offset."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds")


def _entry(event: Event, redactor: Redactor | None) -> dict[str, Any]:
    shown = event.render(redactor)  # the one way an event leaves: redacted unless revealed
    elapsed = max(0.0, round(event.duration_ms or 0.0, 3))
    entry: dict[str, Any] = {
        "startedDateTime": iso_time(event.time),
        "time": elapsed,
        "request": _request(event, shown),
        "response": _response(event, shown, redactor),
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
    }
    if event.message:
        entry["comment"] = shown["message"]
    if event.status is None:
        entry["_error"] = shown["error"] or "no response"
    entry["_workbench"] = {"kind": event.kind, "flow": event.flow, "step": event.step,
                           "redirect": event.redirect}
    entry.update(har_fields(facts_for(event)))  # serverIPAddress, _tls, _proxy
    return entry


def _request(event: Event, shown: dict[str, Any]) -> dict[str, Any]:
    url = shown["url"]
    content_type = event.header("content-type", response=False) or ""
    request: dict[str, Any] = {
        "method": event.method,
        "url": url,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _headers(shown["request"]["headers"]),
        "queryString": [
            {"name": k, "value": v}
            for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": _body_size(event, response=False),
    }
    if event.request_body:
        request["postData"] = {"mimeType": content_type, "text": shown["request"]["body"]}
        if event.request_truncated:
            request["postData"]["comment"] = _truncation(event.request_body, event.request_size)
            request["_truncated"] = True
    return request


def _response(event: Event, shown: dict[str, Any], redactor: Redactor | None) -> dict[str, Any]:
    response = shown["response"]
    if response is None:
        return {
            "status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
            "content": {"size": 0, "mimeType": ""}, "redirectURL": "",
            "headersSize": -1, "bodySize": -1,
        }
    location = next((v for k, v in response["headers"] if k.lower() == "location"), "")
    har_response: dict[str, Any] = {
        "status": event.status,
        "statusText": event.reason,
        "httpVersion": HTTP_VERSION,
        "cookies": [],
        "headers": _headers(response["headers"]),
        "content": _content(event, response["body"], redactor),
        "redirectURL": location,
        "headersSize": -1,
        "bodySize": _body_size(event, response=True),
    }
    if event.response_truncated:
        har_response["_truncated"] = True
    return har_response


def _content(event: Event, shown_body: str, redactor: Redactor | None) -> dict[str, Any]:
    body = event.response_body
    mime = event.header("content-type") or ""
    content: dict[str, Any] = {"size": event.response_size or len(body), "mimeType": mime}
    if event.response_truncated:
        content["comment"] = _truncation(body, event.response_size)
    if not body:
        return content
    if redactor is None:  # revealed: keep binary bodies exact
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            content.update(text=base64.b64encode(body).decode("ascii"), encoding="base64")
            return content
    content["text"] = shown_body
    return content


def _headers(headers: list[list[str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _body_size(event: Event, *, response: bool) -> int:
    """Bytes on the wire: Content-Length when sent (recorded bodies may be decoded or capped)."""
    length = event.header("content-length", response=response)
    if length and length.isdigit():
        return int(length)
    if response and event.header("content-encoding"):
        return -1  # only the decoded body was kept; its compressed size is unknown
    size = event.response_size if response else event.request_size
    if size is not None:
        return size
    truncated = event.response_truncated if response else event.request_truncated
    return -1 if truncated else len(event.response_body if response else event.request_body)


def _truncation(body: bytes, size: int | None) -> str:
    whole = f"{size:,} bytes" if size is not None else "an unknown size (the rest was not read)"
    return f"truncated: the first {len(body):,} bytes of {whole} were kept"
