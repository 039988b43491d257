"""The local webhook receiver: records every delivery, answers at once, never crashes.

It listens on 127.0.0.1 (a free port unless one is given). A platform reaches it through a
tunnel whose public URL the user sets; the receiver itself never listens on other interfaces.

Every delivery is numbered in arrival order. A flow marks the count before the request that
starts a job or session and waits only for later deliveries (`mark`, `wait_for(after=…)`), so
a delivery left over from an earlier run is never taken for this one. Memory is bounded: past
`max_kept` deliveries or `max_kept_bytes` of bodies the oldest are forgotten.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from workbench.core.events import Event, EventLog
from workbench.core.local_server import LocalServer, serve_local
from workbench.core.webhooks.delivery import Delivery
from workbench.core.webhooks.signatures import SignatureCheck, Verification, overall

MAX_BODY = 1024 * 1024  # platforms send small JSON; anything larger is refused with 413
MAX_KEPT = 1000
MAX_KEPT_BYTES = 16 * 1024 * 1024
MAX_KEYS = 50_000  # ids remembered to mark copies: small strings, kept far longer than bodies
READ_TIMEOUT = 30.0  # a sender that stalls mid-body is answered 408 and recorded
Predicate = Callable[[Delivery], bool]


class WebhookReceiver:
    """Serve on 127.0.0.1, log each delivery as a `webhook` event, let callers wait for one."""

    def __init__(self, log: EventLog, checks: Sequence[SignatureCheck] = (),
                 max_body: int = MAX_BODY, *, max_kept: int = MAX_KEPT,
                 max_kept_bytes: int = MAX_KEPT_BYTES, read_timeout: float = READ_TIMEOUT
                 ) -> None:
        self._log = log
        self.checks = list(checks)
        self._max_body = max_body
        self.max_kept, self.max_kept_bytes = max_kept, max_kept_bytes
        self._read_timeout = read_timeout
        self._server: LocalServer | None = None
        self._numbers = itertools.count(1)
        self._last = 0
        self._first_seen: OrderedDict[str, int] = OrderedDict()  # key → first number
        self._kept: deque[Delivery] = deque()
        self._kept_bytes = 0
        self._waiters: list[tuple[Predicate, asyncio.Future[Delivery]]] = []
        self.url = ""

    @property
    def deliveries(self) -> list[Delivery]:
        """The deliveries still kept, oldest first."""
        return list(self._kept)

    def note(self, message: str) -> None:
        """A line in the log about deliveries (one a flow chose to ignore, and why)."""
        self._log.note(message, flow="webhook")

    def mark(self) -> int:
        """The number of the latest delivery so far: wait `after` it for later ones only."""
        return self._last

    async def start(self, port: int = 0) -> WebhookReceiver:
        app = web.Application(client_max_size=self._max_body)
        app.router.add_route("*", "/{tail:.*}", self._on_request)
        self._server = await serve_local(app, port)
        self.url = self._server.url
        return self

    async def close(self) -> None:
        for _predicate, waiter in self._waiters:
            waiter.cancel()
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> WebhookReceiver:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def wait_for(self, predicate: Predicate, timeout: float, *, after: int = 0
                       ) -> Delivery:
        """The first delivery numbered above `after` (already received or still to come)
        that `predicate` accepts; TimeoutError when none comes within `timeout` seconds."""
        for delivery in self._kept:
            if delivery.number > after and _accepts(predicate, delivery):
                return delivery
        waiter: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        entry = (lambda d: d.number > after and predicate(d), waiter)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            self._waiters.remove(entry)

    async def _on_request(self, request: web.Request) -> web.StreamResponse:
        delivery = Delivery(request.method, request.path, dict(request.query),
                            [(k, v) for k, v in request.headers.items()], b"",
                            number=next(self._numbers))
        try:
            delivery.body = bytes(await asyncio.wait_for(request.read(), self._read_timeout))
        except web.HTTPRequestEntityTooLarge:
            delivery.status = 413
            delivery.flags.append(f"refused: body over {self._max_body} bytes (413)")
        except TimeoutError:
            delivery.status = 408
            delivery.flags.append(f"the sender stalled: body not complete after "
                                  f"{self._read_timeout:g} s (408)")
        if delivery.status == 200:
            delivery.read()
            delivery.verification = overall([_verify(c, delivery) for c in self.checks])
        self._keep(delivery)
        self._record(delivery, request)
        for predicate, waiter in list(self._waiters):
            if not waiter.done() and _accepts(predicate, delivery):
                waiter.set_result(delivery)
        if delivery.status != 200:
            refusal = web.json_response({"error": delivery.flags[-1]}, status=delivery.status)
            await refusal.prepare(request)
            await refusal.write_eof()
            if request.protocol is not None:
                request.protocol.force_close()  # drop the rest of the body, do not linger
            return refusal
        return web.json_response({"received": True})  # at once: platforms allow ~5 s

    def _keep(self, delivery: Delivery) -> None:
        self._last = delivery.number
        key = delivery.key
        delivery.first_number = self._first_seen.setdefault(key, delivery.number)
        self._first_seen.move_to_end(key)
        while len(self._first_seen) > MAX_KEYS:
            self._first_seen.popitem(last=False)
        self._kept.append(delivery)
        self._kept_bytes += len(delivery.body)
        while self._kept and (len(self._kept) > self.max_kept
                              or self._kept_bytes > self.max_kept_bytes):
            self._kept_bytes -= len(self._kept.popleft().body)

    def _record(self, delivery: Delivery, request: web.Request) -> None:
        check = delivery.verification
        words = [check.status if check.scheme == "none" else f"{check.status} ({check.scheme})"]
        if check.detail and check.status != "verified":
            words.append(check.detail)
        if delivery.duplicate:
            same = (f"same id {delivery.delivery_id}" if delivery.delivery_id
                    else "same body; the sender gave no id")
            words.append(f"duplicate of an earlier delivery ({same})")
        words.extend(delivery.flags)
        self._log.append(Event(
            kind="webhook", flow="webhook", step=_describe(delivery),
            method=delivery.method, url=str(request.url),
            request_headers=delivery.headers, request_body=delivery.body,
            status=delivery.status, reason=_REASONS.get(delivery.status, ""),
            message="; ".join(words)))


_REASONS = {200: "OK", 408: "Request Timeout", 413: "Payload Too Large"}


def _verify(check: SignatureCheck, delivery: Delivery) -> Verification:
    try:
        return check.verify(delivery)
    except Exception as exc:  # a header no check foresaw must not lose the delivery
        return Verification("invalid", check.name, f"could not be checked "
                            f"({type(exc).__name__})")


def _accepts(predicate: Predicate, delivery: Delivery) -> bool:
    try:
        return predicate(delivery)
    except Exception:  # a caller's matcher must not break delivery to others
        return False


def _describe(delivery: Delivery) -> str:
    """A short label from the payload: its event or webhook code, when it has one."""
    data: Any = delivery.json()
    if isinstance(data, Mapping):
        for key in ("webhook_code", "event", "type"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return delivery.path
