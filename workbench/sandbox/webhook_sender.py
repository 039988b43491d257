"""How the stand-ins deliver webhooks: politely by default, rudely when asked (faults.md).

A delivery mode is a comma-separated list, given per job in a header or for the whole stand-in
through its control route (`PUT …/sandbox/deliveries {"mode": "twice,no-id"}`):

- `twice`: every webhook is delivered twice in a row (at-least-once delivery).
- `late` or `late=S`: a copy of each webhook is held back and delivered after the stand-in's
  next webhook, or after S seconds (default 2) if none comes first; the copy may thus land in
  a later job's or session's wait.
- `early`: the result is delivered before the answer (202/200) to the request that caused it.
- `no-id`: the webhook carries no id (Deck v1 sends no `webhook-id`), so copies can only be
  told apart by their bodies.
- `silent`: nothing is delivered; the status endpoint or the account list still tells.
- `delay=S`: each webhook waits S seconds before it is sent (a slow sender).
- `retry-timeout=S`: a delivery with no 2xx answer within S seconds is sent again with the
  same id, up to three times (Deck v1: 10 s).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import httpx

from workbench.sandbox.background import Background

RETRIES = 3
Render = Callable[[dict[str, Any], "str | None"], tuple[bytes, dict[str, str]]]
"""A platform's webhook: its payload and message id (None: none) → body and headers."""


@dataclass(frozen=True)
class DeliveryMode:
    """What a stand-in does wrong when it delivers (everything off: a polite sender)."""

    twice: bool = False
    late: float = 0.0  # seconds a held-back copy waits at most; 0: no late copies
    early: bool = False
    no_id: bool = False
    silent: bool = False
    delay: float = 0.0
    retry_timeout: float = 10.0

    @classmethod
    def parse(cls, text: str) -> DeliveryMode:
        """`twice,late=1,no-id` → a mode; ValueError names a word it does not know."""
        mode = cls()
        names = {f.name.replace("_", "-"): f for f in fields(cls)}
        for word in filter(None, (w.strip() for w in text.split(","))):
            name, _sep, value = word.partition("=")
            chosen = names.get(name.strip().lower())
            if chosen is None:
                raise ValueError(f"unknown delivery mode {name!r}; use "
                                 + ", ".join(sorted(names)))
            setting: bool | float = True
            if chosen.type not in ("bool", bool):
                try:
                    setting = float(value) if value else 2.0
                except ValueError:
                    raise ValueError(f"{name}={value!r}: give seconds, e.g. {name}=1.5") \
                        from None
            mode = replace(mode, **{chosen.name: setting})  # type: ignore[arg-type]
        return mode

    def __str__(self) -> str:
        words = [f.name.replace("_", "-") + ("" if getattr(self, f.name) is True
                                              else f"={getattr(self, f.name):g}")
                 for f in fields(self) if getattr(self, f.name) != f.default]
        return ",".join(words)


@dataclass
class _Held:
    url: str
    payload: dict[str, Any]
    message_id: str | None
    mode: DeliveryMode


class WebhookSender:
    """One stand-in's outgoing webhooks, rendered by the platform, sent as each mode says."""

    def __init__(self, render: Render, background: Background, id_prefix: str = "msg_") -> None:
        self._render = render
        self._id_prefix = id_prefix
        self._background = background
        self._held: list[_Held] = []
        self.sent = 0  # POSTs attempted, retries and copies included (for tests)

    async def send(self, url: str, payload: dict[str, Any], mode: DeliveryMode) -> None:
        """Deliver one webhook to `url` (nothing when `url` is empty or the mode silent)."""
        if not url or mode.silent:
            return
        message_id = None if mode.no_id else self._id_prefix + secrets.token_hex(8)
        if mode.delay:
            await asyncio.sleep(mode.delay)
        await self._post(url, payload, message_id, mode)
        held, self._held = self._held, []
        for copy in held:  # the copies held back from earlier webhooks, now late
            await self._post(copy.url, copy.payload, copy.message_id, copy.mode)
        if mode.twice:
            await self._post(url, payload, message_id, mode)
        if mode.late:
            copy = _Held(url, payload, message_id, mode)
            self._held.append(copy)
            self._background.later(self._release(copy, mode.late))

    async def _release(self, copy: _Held, after: float) -> None:
        await asyncio.sleep(after)
        if copy in self._held:  # no later webhook has taken it along
            self._held.remove(copy)
            await self._post(copy.url, copy.payload, copy.message_id, copy.mode)

    async def _post(self, url: str, payload: dict[str, Any], message_id: str | None,
                    mode: DeliveryMode) -> None:
        """POST, and again with the same id while the answer is no 2xx in time."""
        for attempt in range(1 + RETRIES):
            body, headers = self._render(payload, message_id)  # signed afresh each time
            self.sent += 1
            try:
                async with httpx.AsyncClient(timeout=mode.retry_timeout) as client:
                    answer = await client.post(url, content=body, headers=headers)
                if answer.is_success:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1 * 2 ** attempt)  # Deck backs off ~30 s; the sandbox hurries
