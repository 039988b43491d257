"""One webhook as it arrived, and what can safely be read from it.

Senders are not trusted: a body may be empty, not UTF-8, not JSON, nested thousands deep, or
sent with the wrong content type. Reading never raises; each oddity becomes a flag in words.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from workbench.core.webhooks.signatures import Verification

MAX_JSON_DEPTH = 64  # platforms send a few levels; deeper bodies are flagged and not read
_JSON_TYPES = ("application/json", "text/json")


@dataclass
class Delivery:
    """One webhook, byte for byte, with what the checks and the parser made of it."""

    method: str
    path: str
    query: dict[str, str]
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float = field(default_factory=time.time)
    verification: Verification = field(
        default_factory=lambda: Verification("unverified", "none", "no check configured"))
    number: int = 0  # the receiver's running count: later deliveries have higher numbers
    first_number: int = 0  # the number of the first delivery with the same key (self if new)
    status: int = 200  # what the receiver answered
    flags: list[str] = field(default_factory=list)
    _data: Any = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def delivery_id(self) -> str | None:
        """The sender's id for this message (retries repeat it), if it sends one: a
        `webhook-id` or `x-request-id` header, else the `id` of an event envelope."""
        ident = self.header("webhook-id") or self.header("x-request-id")
        if ident:
            return ident
        data = self._data
        if isinstance(data, dict) and isinstance(data.get("id"), str) and (
                isinstance(data.get("event"), str) or isinstance(data.get("type"), str)):
            return str(data["id"])
        return None

    @property
    def key(self) -> str:
        """What makes two deliveries the same event: the sender's id, else the raw body."""
        if self.status != 200:
            return f"refused:{self.number}"  # its body was not read: never a copy of another
        ident = self.delivery_id
        if ident:
            return f"id:{ident}"
        return "sha256:" + hashlib.sha256(self.body).hexdigest()

    @property
    def duplicate(self) -> bool:
        """A copy (a retry, or a repeat) of a delivery received earlier."""
        return self.first_number != self.number

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON that can safely be read."""
        return self._data

    def read(self) -> None:
        """Parse the body once and flag what is odd about it (never raises)."""
        self._data, problems = parse_body(self.body, self.header("content-type"))
        self.flags.extend(problems)


def parse_body(body: bytes, content_type: str | None) -> tuple[Any, list[str]]:
    """The JSON in `body` (or None) and the words for everything odd about it."""
    flags: list[str] = []
    kind = (content_type or "").split(";")[0].strip().lower()
    if not body:
        return None, ["empty body"]
    if kind not in _JSON_TYPES and not kind.endswith("+json"):
        flags.append(f"content-type {kind} (expected application/json)" if kind
                     else "no content-type (expected application/json)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [*flags, f"body is not UTF-8 (byte {body[exc.start]:#04x} at "
                              f"{exc.start}); not read"]
    try:
        data = json.loads(text)
    except RecursionError:
        return None, [*flags, "JSON nested too deeply to read (thousands of levels)"]
    except ValueError as exc:
        return None, [*flags, f"not JSON ({getattr(exc, 'msg', exc)})"]
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        return None, [*flags, f"JSON nested {depth} levels deep (over {MAX_JSON_DEPTH}); "
                              "not read"]
    return data, flags


def json_depth(data: Any) -> int:
    """How deeply lists and objects nest, counted without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest
