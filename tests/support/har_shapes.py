"""Hand-written HAR entries in the shapes Chromium and Firefox export, for diagnosis tests.

Chromium: lower-case header names, `_initiator`, `_resourceType`, bracketed IPv6 in
`serverIPAddress`, `_error` and status 0 for a request without an answer, Set-Cookie values
joined by newlines. Firefox: original-case names, `postData.params` without `text`,
`_securityState`, `connection: "443"`, times with a UTC offset.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

START = datetime(2026, 12, 2, 8, 30, tzinfo=timezone.utc)


def chromium(method: str, url: str, *, at: float = 0.0, status: int = 200,
             request_headers: dict[str, str] | None = None, form: str = "",
             response_headers: dict[str, str] | None = None, body: str = "",
             mime: str = "application/json", resource: str = "fetch",
             error: str | None = None, **extra: Any) -> dict[str, Any]:
    """One entry as Chromium's DevTools writes it; `at` is seconds after START."""
    request: dict[str, Any] = {
        "method": method, "url": url, "httpVersion": "http/2.0",
        "headers": [{"name": k.lower(), "value": v} for k, v in (request_headers or {}).items()],
        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(form),
    }
    if form:
        request["postData"] = {"mimeType": "application/x-www-form-urlencoded", "text": form}
        request["headers"].append({"name": "content-type",
                                   "value": "application/x-www-form-urlencoded"})
    entry = {
        "_initiator": {"type": "script", "url": "https://app.example.com/app.js"},
        "_resourceType": resource, "_priority": "High", "cache": {}, "connection": "4410",
        "startedDateTime": (START + timedelta(seconds=at)).isoformat().replace("+00:00", "Z"),
        "time": 42.0, "serverIPAddress": "[2001:db8::10]",
        "timings": {"blocked": 0.4, "dns": -1, "ssl": -1, "connect": -1, "send": 0.2,
                    "wait": 40.0, "receive": 1.4},
        "request": request,
        "response": {
            "status": 0 if error else status, "statusText": "", "httpVersion": "http/2.0",
            "headers": [{"name": k.lower(), "value": v}
                        for k, v in (response_headers or {}).items()],
            "cookies": [], "content": {"size": len(body), "mimeType": mime, "text": body},
            "redirectURL": (response_headers or {}).get("location", ""),
            "headersSize": -1, "bodySize": -1, "_error": error,
        },
    }
    entry.update(extra)
    return entry


def firefox(method: str, url: str, *, at: float = 0.0, status: int = 200,
            request_headers: dict[str, str] | None = None,
            params: dict[str, str] | None = None,
            response_headers: dict[str, str] | None = None, body: str = "",
            mime: str = "application/json") -> dict[str, Any]:
    """One entry as Firefox writes it: form fields as params only, times with an offset."""
    local = (START + timedelta(seconds=at)).astimezone(timezone(timedelta(hours=1)))
    request: dict[str, Any] = {
        "bodySize": 0, "method": method, "url": url, "httpVersion": "HTTP/2",
        "headers": [{"name": k, "value": v} for k, v in (request_headers or {}).items()],
        "cookies": [], "queryString": [], "headersSize": 300,
    }
    if params is not None:
        request["postData"] = {"mimeType": "application/x-www-form-urlencoded",
                               "params": [{"name": k, "value": v} for k, v in params.items()]}
    return {
        "pageref": "page_1", "startedDateTime": local.isoformat(timespec="milliseconds"),
        "request": request,
        "response": {
            "status": status, "statusText": "OK" if status == 200 else "", "httpVersion": "HTTP/2",
            "headers": [{"name": k, "value": v} for k, v in (response_headers or {}).items()],
            "cookies": [], "content": {"mimeType": mime, "size": len(body), "text": body},
            "redirectURL": "", "headersSize": 100, "bodySize": 100 + len(body),
        },
        "cache": {}, "timings": {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0,
                                 "wait": 30, "receive": 1},
        "time": 31, "_securityState": "secure", "serverIPAddress": "203.0.113.7",
        "connection": "443",
    }


def har(*entries: dict[str, Any], creator: str = "WebInspector") -> bytes:
    """A whole HAR document around `entries`, as bytes the importer reads."""
    return json.dumps({"log": {"version": "1.2", "creator": {"name": creator, "version": "1"},
                               "pages": [], "entries": list(entries)}}).encode()
