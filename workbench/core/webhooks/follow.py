"""Following one job or session through the receiver: its distinct events, each once.

Platforms deliver at least once: the same event may arrive twice or more (with or without an
id), late, out of order, or before the answer to the request that started it. A `Follower` is
created with the receiver's mark taken *before* that request, and yields each event once:
- only deliveries received after the mark (nothing left over from an earlier run);
- never a copy: not of an event it already yielded, and not of one received before the mark;
- in arrival order, whether the event came before or after the request's own answer;
- never one whose signature is invalid (forged, or a wrong signing secret): a note in the log
  says so, and the flow learns the result by polling instead. Unsigned ones (Deck v1) count.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.core.webhooks.delivery import Delivery
from workbench.core.webhooks.receiver import WebhookReceiver

Matcher = Callable[[Delivery], bool]


class Follower:
    """The distinct deliveries `matches` accepts, received after `since`, one at a time."""

    def __init__(self, receiver: WebhookReceiver, matches: Matcher, since: int) -> None:
        self._receiver = receiver
        self._matches = matches
        self._since = since
        self._cursor = since
        self._taken: set[str] = set()
        self._refused: set[int] = set()

    def _fresh(self, delivery: Delivery) -> bool:
        if not (delivery.first_number > self._since and delivery.key not in self._taken
                and self._matches(delivery)):
            return False
        check = delivery.verification
        if check.status == "invalid":
            if delivery.number not in self._refused:
                self._refused.add(delivery.number)
                self._receiver.note(f"Ignored a webhook ({check.scheme}: {check.detail}): an "
                                    "invalid signature proves nothing; check the webhook "
                                    "signing secret. The result is looked for by polling.")
            return False
        return True

    async def next(self, timeout: float) -> Delivery:
        """The next distinct event; TimeoutError when none comes within `timeout` seconds."""
        delivery = await self._receiver.wait_for(self._fresh, timeout, after=self._cursor)
        self._taken.add(delivery.key)
        self._cursor = delivery.number
        return delivery
