"""Read a run back from a file: a HAR, the workbench's session export, or a support bundle.

Whatever the file, the result is a list of Events. A HAR straight from a browser still holds
its secrets (they are only compared by digest, never shown); exports and bundles were
redacted when written, so their secrets read as `[redacted]` and cannot be compared.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.errors import InputError
from workbench.core.events import Event
from workbench.core.har_import import read_har
from workbench.core.session_export import FORMAT as SESSION_FORMAT

BUNDLE_HAR = "run.har"  # where a support bundle keeps the run's exchanges


@dataclass
class RunFile:
    """A run as read from a file: its events, what kind of file it was, and its name."""

    name: str
    kind: str  # har, session, bundle
    events: list[Event] = field(default_factory=list)


def read_run(path: str | Path) -> RunFile:
    """The events of a HAR, a session export (.json) or a support bundle (.zip)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        return RunFile(path.name, "bundle", _bundle_events(path))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    head = raw[:4096].lstrip().decode("utf-8-sig", errors="replace")
    if SESSION_FORMAT in head or '"events"' in head:
        return RunFile(path.name, "session", session_events(_json(raw, path)))
    return RunFile(path.name, "har", read_har(raw).events)


def session_events(document: Any) -> list[Event]:
    """Events back from a session export (`session_export.to_json_export`)."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise InputError("this is not a workbench session export: it has no events list")
    events = []
    for number, item in enumerate(document["events"], 1):
        if not isinstance(item, dict):
            continue
        request = item.get("request") or {}
        response = item.get("response")
        kind = item.get("kind")
        event = Event(kind=kind if kind in ("request", "token", "webhook") else "note",
                      flow=str(item.get("flow") or ""), step=str(item.get("step") or ""),
                      method=str(item.get("method") or ""), url=str(item.get("url") or ""),
                      request_headers=_pairs(request.get("headers")),
                      request_body=str(request.get("body") or "").encode(),
                      error=str(item.get("error") or ""), message=str(item.get("message") or ""),
                      time=float(item.get("time") or 0.0), id=number)
        if isinstance(response, dict):
            event.status = int(response.get("status") or 0) or None
            event.reason = str(response.get("reason") or "")
            event.response_headers = _pairs(response.get("headers"))
            event.response_body = str(response.get("body") or "").encode()
        events.append(event)
    return events


def _bundle_events(path: Path) -> list[Event]:
    try:
        with zipfile.ZipFile(path) as bundle:
            names = bundle.namelist()
            if BUNDLE_HAR not in names:
                raise InputError(f"{path.name} is a zip but not a support bundle "
                                 f"(no {BUNDLE_HAR} in it)")
            return read_har(bundle.read(BUNDLE_HAR)).events
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot read the bundle {path.name}: {exc}") from None


def _json(raw: bytes, path: Path) -> Any:
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError(f"{path.name} is not JSON") from None


def _pairs(raw: Any) -> list[tuple[str, str]]:
    return [(str(p[0]), str(p[1])) for p in raw or () if isinstance(p, list | tuple)
            and len(p) == 2]
