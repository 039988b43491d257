"""The local webhook receiver: records every delivery, answers at once, never crashes.

It listens on 127.0.0.1 (a free port unless one is given). A platform reaches it through a
tunnel whose public URL the user sets; the receiver itself never listens on other interfaces.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from workbench.core.events import Event, EventLog
from workbench.core.webhooks.signatures import SignatureCheck, Verification, overall

HOST = "127.0.0.1"
MAX_BODY = 1024 * 1024  # platforms send small JSON; anything larger is refused with 413
Predicate = Callable[["Delivery"], bool]


@dataclass
class Delivery:
    """One webhook as it arrived, byte for byte, with what the checks made of it."""

    method: str
    path: str
    query: dict[str, str]
    headers: list[tuple[str, str]]
    body: bytes
    received_at: float = field(default_factory=time.time)
    verification: Verification = field(
        default_factory=lambda: Verification("unverified", "none", "no check configured"))
    duplicate: bool = False
    number: int = 0

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def delivery_id(self) -> str | None:
        """The sender's id for this message (retries repeat it), if it sends one."""
        return self.header("webhook-id") or self.header("x-request-id")

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON (never raises)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class WebhookReceiver:
    """Serve on 127.0.0.1, log each delivery as a `webhook` event, let callers wait for one."""

    def __init__(self, log: EventLog, checks: Sequence[SignatureCheck] = (),
                 max_body: int = MAX_BODY) -> None:
        self._log = log
        self.checks = list(checks)
        self._max_body = max_body
        self._runner: web.AppRunner | None = None
        self._numbers = itertools.count(1)
        self._seen_ids: set[str] = set()
        self._waiters: list[tuple[Predicate, asyncio.Future[Delivery]]] = []
        self.deliveries: list[Delivery] = []
        self.url = ""

    async def start(self, port: int = 0) -> WebhookReceiver:
        app = web.Application(client_max_size=self._max_body)
        app.router.add_route("*", "/{tail:.*}", self._on_request)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, port).start()
        except OSError:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.url = f"http://{HOST}:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        for _predicate, waiter in self._waiters:
            waiter.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebhookReceiver:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def wait_for(self, predicate: Predicate, timeout: float) -> Delivery:
        """The first delivery (already received or still to come) that `predicate` accepts."""
        for delivery in self.deliveries:
            if predicate(delivery):
                return delivery
        waiter: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        entry = (predicate, waiter)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            self._waiters.remove(entry)

    async def _on_request(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self._log.note(f"Webhook refused: body over {self._max_body} bytes (413).",
                           flow="webhook")
            return web.json_response({"error": "body too large"}, status=413)
        delivery = Delivery(request.method, request.path, dict(request.query),
                            [(k, v) for k, v in request.headers.items()], body,
                            number=next(self._numbers))
        delivery.verification = overall([check.verify(delivery) for check in self.checks])
        ident = delivery.delivery_id
        delivery.duplicate = bool(ident and ident in self._seen_ids)
        if ident:
            self._seen_ids.add(ident)
        self.deliveries.append(delivery)
        self._record(delivery, request)
        for predicate, waiter in list(self._waiters):
            if not waiter.done() and _accepts(predicate, delivery):
                waiter.set_result(delivery)
        return web.json_response({"received": True})  # at once: platforms allow ~5 s

    def _record(self, delivery: Delivery, request: web.Request) -> None:
        check = delivery.verification
        words = [check.status if check.scheme == "none" else f"{check.status} ({check.scheme})"]
        if check.detail and check.status != "verified":
            words.append(check.detail)
        if delivery.duplicate:
            words.append(f"duplicate of an earlier delivery {delivery.delivery_id} (a retry)")
        self._log.append(Event(
            kind="webhook", flow="webhook", step=_describe(delivery),
            method=delivery.method, url=str(request.url),
            request_headers=delivery.headers, request_body=delivery.body,
            status=200, reason="OK", message="; ".join(words)))


def _accepts(predicate: Predicate, delivery: Delivery) -> bool:
    try:
        return predicate(delivery)
    except Exception:  # a caller's matcher must not break delivery to others
        return False


def _describe(delivery: Delivery) -> str:
    """A short label from the payload: its event or webhook code, when it has one."""
    data = delivery.json()
    if isinstance(data, Mapping):
        for key in ("webhook_code", "event", "type"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return delivery.path
