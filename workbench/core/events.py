"""The bounded event log: every request, token exchange, webhook and note of a session.

Events keep the raw exchange (so the GUI can reveal it on request); everything that leaves the
process — CLI output, exports, log files — goes through `render`, which redacts.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.core.redaction import Redactor

EventKind = Literal["request", "token", "webhook", "note"]
MAX_BODY_BYTES = 256 * 1024
Listener = Callable[["Event"], None]


@dataclass
class Event:
    """One thing that happened: an HTTP exchange, a webhook delivery, or a note."""

    kind: EventKind
    flow: str = ""
    step: str = ""
    method: str = ""
    url: str = ""
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: bytes = b""
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    duration_ms: float | None = None
    error: str = ""
    message: str = ""
    time: float = field(default_factory=time.time)
    id: int = 0

    def header(self, name: str, *, response: bool = True) -> str | None:
        headers = self.response_headers if response else self.request_headers
        return next((v for k, v in headers if k.lower() == name.lower()), None)

    def render(self, redactor: Redactor | None) -> dict[str, Any]:
        """A JSON-ready view; redacted unless `redactor` is None (an explicit reveal)."""
        return {
            "id": self.id,
            "time": self.time,
            "kind": self.kind,
            "flow": self.flow,
            "step": self.step,
            "method": self.method,
            "url": _mask_url(self.url, redactor),
            "request": {
                "headers": _mask_headers(self.request_headers, redactor),
                "body": _mask_body(self.request_body, self.header("content-type", response=False),
                                   redactor),
            },
            "response": None if self.status is None else {
                "status": self.status,
                "reason": self.reason,
                "headers": _mask_headers(self.response_headers, redactor),
                "body": _mask_body(self.response_body, self.header("content-type"), redactor),
            },
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
            "error": redactor.text(self.error) if redactor else self.error,
            "message": redactor.text(self.message) if redactor else self.message,
        }


class EventLog:
    """A bounded, observable log of events; the oldest drop off past `capacity`."""

    def __init__(self, capacity: int = 100_000, redactor: Redactor | None = None) -> None:
        self._events: deque[Event] = deque(maxlen=capacity)
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []
        self.redactor = redactor or Redactor()

    def append(self, event: Event) -> Event:
        event.id = next(self._ids)
        event.request_body = event.request_body[:MAX_BODY_BYTES]
        event.response_body = event.response_body[:MAX_BODY_BYTES]
        self.redactor.learn(event)  # before anyone shows it: every secret on the wire
        self._events.append(event)
        for listener in list(self._listeners):
            listener(event)
        return event

    def note(self, message: str, *, flow: str = "", step: str = "") -> Event:
        return self.append(Event(kind="note", flow=flow, step=step, message=message))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` for every new event; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def clear(self) -> None:
        self._events.clear()

    def __iter__(self) -> Iterator[Event]:
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def rendered(self) -> list[dict[str, Any]]:
        """Every event, redacted: what exports and the CLI's --json show."""
        return [event.render(self.redactor) for event in self]


def decode_body(body: bytes) -> str:
    """Bodies as text for display; undecodable bytes are shown, not hidden."""
    return body.decode("utf-8", errors="replace")


def _mask_url(url: str, redactor: Redactor | None) -> str:
    return redactor.url(url) if redactor and url else url


def _mask_headers(headers: list[tuple[str, str]], redactor: Redactor | None) -> list[list[str]]:
    shown = redactor.headers(headers) if redactor else headers
    return [[k, v] for k, v in shown]


def _mask_body(body: bytes, content_type: str | None, redactor: Redactor | None) -> str:
    text = decode_body(body)
    return redactor.body(text, content_type or "") if redactor else text
