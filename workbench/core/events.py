"""The bounded event log: every request, token exchange, webhook and note of a session.

Events keep the raw exchange (so the GUI can reveal it on request); everything that leaves the
process — CLI output, exports, log files — goes through `render`, which redacts.

The log is bounded twice: by count and by the bytes its events hold (bodies, headers, text).
Each body is cut at MAX_BODY_BYTES and marked `truncated`; past either bound the oldest events
drop, and a note says so.
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
MAX_BODY_BYTES = 256 * 1024  # of each request and response body, after content decoding
DEFAULT_CAPACITY = 100_000  # events
DEFAULT_MAX_BYTES = 128 * 1024 * 1024  # what the retained events may hold, all together
# What an Event costs beyond its bodies and strings, and each header pair beyond its text:
# tracemalloc measures ~680 bytes for an event with four short headers; this counts ~750.
EVENT_OVERHEAD = 400
HEADER_OVERHEAD = 48
# The smallest byte bound: one event with both bodies full, and the note about dropping, fit.
MIN_MAX_BYTES = 4 * MAX_BODY_BYTES
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
    redirect: int = 0  # 0 for a request as sent; n for the n-th redirect it was answered with
    request_truncated: bool = False  # only the first MAX_BODY_BYTES of the body were kept
    request_size: int | None = None  # the whole body's size, when known
    response_truncated: bool = False
    response_size: int | None = None  # decoded; None when the body was cut before its end

    def retained_bytes(self) -> int:
        """About what this event holds in memory; what the log's byte bound counts."""
        texts = (self.url, self.error, self.message, self.reason, self.flow, self.step)
        headers = (*self.request_headers, *self.response_headers)
        header_bytes = sum(len(k) + len(v) + HEADER_OVERHEAD for k, v in headers)
        return (EVENT_OVERHEAD + len(self.request_body) + len(self.response_body)
                + sum(len(t) for t in texts) + header_bytes)

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
            "redirect": self.redirect,
            "request": {
                "headers": _mask_headers(self.request_headers, redactor),
                "body": _mask_body(self.request_body, self.header("content-type", response=False),
                                   redactor),
                "truncated": self.request_truncated,
                "size": self.request_size,
            },
            "response": None if self.status is None else {
                "status": self.status,
                "reason": self.reason,
                "headers": _mask_headers(self.response_headers, redactor),
                "body": _mask_body(self.response_body, self.header("content-type"), redactor),
                "truncated": self.response_truncated,
                "size": self.response_size,
            },
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
            "error": redactor.text(self.error) if redactor else self.error,
            "message": redactor.text(self.message) if redactor else self.message,
        }


class EventLog:
    """A bounded, observable log of events; the oldest drop off past `capacity` events or
    past `max_bytes` held, and a note says so."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, redactor: Redactor | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.capacity = max(capacity, 2)  # room for an event and the note about dropping
        self.max_bytes = max(max_bytes, MIN_MAX_BYTES)
        self._events: deque[tuple[Event, int]] = deque()
        self._bytes = 0
        self._dropped = 0
        self._drop_note: Event | None = None  # the retained note saying events were dropped
        self._ids = itertools.count(1)
        self._listeners: list[Listener] = []
        self.redactor = redactor or Redactor()

    def append(self, event: Event) -> Event:
        event.id = next(self._ids)
        _cap_bodies(event)
        self.redactor.learn(event)  # before anyone shows it: every secret on the wire
        size = event.retained_bytes()
        self._events.append((event, size))
        self._bytes += size
        self._drop_oldest()
        for listener in list(self._listeners):
            listener(event)
        if self._dropped and self._drop_note is None:
            self._note_dropped()
        return event

    @property
    def retained_bytes(self) -> int:
        """What the retained events hold, as the byte bound counts it."""
        return self._bytes

    @property
    def dropped(self) -> int:
        """Events dropped so far to stay within the bounds."""
        return self._dropped

    def _drop_oldest(self) -> None:
        while len(self._events) > 1 and (len(self._events) > self.capacity
                                         or self._bytes > self.max_bytes):
            event, size = self._events.popleft()
            self._bytes -= size
            self._dropped += 1
            if event is self._drop_note:
                self._drop_note = None

    def _note_dropped(self) -> None:
        """One note at a time says events were dropped; when it drops too, a newer one does."""
        self._drop_note = Event(kind="note", message=(
            f"Older events were dropped ({self._dropped:,} so far): the log keeps at most "
            f"{self.capacity:,} events and {size_text(self.max_bytes)} of bodies and headers."))
        self.append(self._drop_note)

    def note(self, message: str, *, flow: str = "", step: str = "") -> Event:
        return self.append(Event(kind="note", flow=flow, step=step, message=message))

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` for every new event; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def clear(self) -> None:
        self._events.clear()
        self._bytes = self._dropped = 0
        self._drop_note = None

    def __iter__(self) -> Iterator[Event]:
        return iter([event for event, _size in self._events])

    def __len__(self) -> int:
        return len(self._events)

    def rendered(self) -> list[dict[str, Any]]:
        """Every event, redacted: what exports and the CLI's --json show."""
        return [event.render(self.redactor) for event in self]


def _cap_bodies(event: Event) -> None:
    """Cut bodies past MAX_BODY_BYTES (webhooks, notes: the transport caps its own while
    reading) and say how big they were."""
    if len(event.request_body) > MAX_BODY_BYTES:
        event.request_size = event.request_size or len(event.request_body)
        event.request_body = event.request_body[:MAX_BODY_BYTES]
        event.request_truncated = True
    if len(event.response_body) > MAX_BODY_BYTES:
        event.response_size = event.response_size or len(event.response_body)
        event.response_body = event.response_body[:MAX_BODY_BYTES]
        event.response_truncated = True


def size_text(count: int) -> str:
    """Bytes in the unit people read: 128 MiB, 256 KiB, 900 bytes."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"


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
