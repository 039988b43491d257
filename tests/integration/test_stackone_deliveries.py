"""StackOne links against a rude stand-in, with one receiver for several links as in the app
(faults.md § Deliveries): left-over webhooks and accounts, copies with and without ids, late
copies, retries after a slow answer, a silent sender, an account reopened in edit mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.slow_tunnel import SlowTunnel
from workbench.core.events import EventLog
from workbench.core.platforms.stackone import ConnectSession, StackOneClient, StackOneSignature
from workbench.core.platforms.stackone_link import LinkResult, link_and_verify
from workbench.core.transport import TransportSettings, create_client
from workbench.core.webhooks import WebhookReceiver
from workbench.sandbox import stackone as stackone_stand_in
from workbench.sandbox.customer import complete_link
from workbench.sandbox.server import SandboxServer, start_sandbox

KEY = httpx.BasicAuth(stackone_stand_in.API_KEY, "")
OWNER = "owner-7"


@dataclass
class Rig:
    sandbox: SandboxServer
    stackone: StackOneClient
    receiver: WebhookReceiver
    log: EventLog

    @property
    def api(self) -> str:
        return self.sandbox.url + "/stackone"

    async def deliveries(self, mode: str) -> None:
        async with httpx.AsyncClient(auth=KEY) as client:
            answer = await client.put(self.api + "/sandbox/deliveries", json={"mode": mode})
        assert answer.status_code == 200, answer.text

    async def link(self, *, customer_key: str | None = "customer-key", timeout: float = 5,
                   webhook_url: str = "", poll_interval: float = 30, use_receiver: bool = True,
                   **fields: Any) -> LinkResult:
        """One link as the app makes it; the customer completes it unless `customer_key` is
        None (then nobody opens the link)."""
        completed: list[asyncio.Task[Any]] = []

        def on_session(session: ConnectSession) -> None:
            if customer_key is not None:
                completed.append(asyncio.ensure_future(
                    complete_link(session.auth_link_url, customer_key)))

        body = {"origin_owner_id": OWNER, "origin_owner_name": "Acme", **fields}
        try:
            return await link_and_verify(
                self.stackone, self.receiver if use_receiver else None, body, timeout,
                on_session, register_webhook=webhook_url or self.receiver.url + "/stackone",
                poll_interval=poll_interval)
        finally:
            await asyncio.gather(*completed)

    def webhook_messages(self) -> list[str]:
        return [e.message for e in self.log if e.kind == "webhook"]

    async def until(self, condition: Any, seconds: float = 5) -> None:
        for _ in range(int(seconds / 0.05)):
            if condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the condition never held")


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    log = EventLog()
    checks = [StackOneSignature([stackone_stand_in.WEBHOOK_SECRET])]
    async with await start_sandbox() as sandbox, \
            await WebhookReceiver(log, checks).start() as receiver, \
            create_client(log, TransportSettings(timeout=5)) as client:
        stackone = StackOneClient(client, sandbox.url + "/stackone",
                                  stackone_stand_in.API_KEY, log.redactor)
        yield Rig(sandbox, stackone, receiver, log)


async def test_a_second_link_never_takes_the_first_links_account(rig: Rig) -> None:
    """The bug: Create link, complete it; Create link again for the same owner without
    opening it: "Account linked and verified" at once, with the old account."""
    first = await rig.link()
    assert first.ok and first.linked is not None and first.linked.via == "webhook"
    with pytest.raises(TimeoutError, match=f"no account linked for {OWNER} within 1 s"):
        await rig.link(customer_key=None, timeout=1, poll_interval=0.2)


async def test_the_second_link_takes_its_own_account(rig: Rig) -> None:
    first = await rig.link()
    second = await rig.link()
    assert first.linked and second.linked
    assert second.ok and second.linked.account_id != first.linked.account_id


@pytest.mark.parametrize("mode", ["late=0.6", "late=0.6,no-id"])
async def test_a_late_copy_of_an_earlier_links_webhook_is_not_taken(rig: Rig, mode: str) -> None:
    await rig.deliveries(mode)
    first = await rig.link()
    assert first.ok
    with pytest.raises(TimeoutError):
        await rig.link(customer_key=None, timeout=1.5)
    duplicates = [m for m in rig.webhook_messages() if "duplicate" in m]
    assert len(duplicates) == 1  # it came during the second wait, and was not taken


async def test_a_late_first_delivery_for_an_old_account_is_ignored(rig: Rig) -> None:
    """The first link learns its account by polling (the webhook is slow); the webhook then
    lands in the second link's wait: the account was there before, unchanged: ignored."""
    await rig.deliveries("delay=1.0")
    first = await rig.link(poll_interval=0.1)
    assert first.ok and first.linked is not None and first.linked.via == "poll"
    with pytest.raises(TimeoutError):
        await rig.link(customer_key=None, timeout=2)
    assert rig.webhook_messages()  # it did arrive
    notes = [e.message for e in rig.log if e.kind == "note"]
    assert any("left-over delivery" in n and first.linked.account_id in n for n in notes)


@pytest.mark.parametrize("mode", ["twice", "twice,no-id"])
async def test_copies_of_account_created_are_one_link_marked_in_the_log(
        rig: Rig, mode: str) -> None:
    await rig.deliveries(mode)
    result = await rig.link()
    assert result.ok and result.linked is not None and result.linked.via == "webhook"
    await rig.until(lambda: len(rig.webhook_messages()) == 2)
    assert "duplicate" in rig.webhook_messages()[1]


async def test_retries_after_a_slow_answer_are_one_link(rig: Rig) -> None:
    await rig.deliveries("retry-timeout=0.3")
    port = int(rig.receiver.url.rsplit(":", 1)[1])
    async with await SlowTunnel(port, delay=0.6).start() as tunnel:
        result = await rig.link(webhook_url=tunnel.url + "/stackone")
        assert result.ok and result.linked is not None
        await rig.until(lambda: len(rig.webhook_messages()) >= 3)
    assert all("duplicate of an earlier delivery (same id evt_" in m
               for m in rig.webhook_messages()[1:])


async def test_a_silent_sender_is_made_up_for_by_polling(rig: Rig) -> None:
    await rig.deliveries("silent")
    result = await rig.link(poll_interval=0.2)
    assert result.ok and result.linked is not None and result.linked.via == "poll"


async def test_an_account_reopened_in_edit_mode_is_found_changed_by_polling(rig: Rig) -> None:
    first = await rig.link(customer_key="expired")
    assert first.outcome == "suspended" and first.linked is not None
    account_id = first.linked.account_id
    await rig.deliveries("silent")  # only the account list can tell
    again = await rig.link(account_id=account_id, poll_interval=0.2)
    assert again.ok, again.error
    assert again.linked is not None and again.linked.account_id == account_id
    assert again.linked.via == "poll" and again.account and again.account["status"] == "active"


async def test_an_account_reopened_in_edit_mode_is_found_by_account_updated(rig: Rig) -> None:
    first = await rig.link(customer_key="expired")
    assert first.linked is not None
    again = await rig.link(account_id=first.linked.account_id)
    assert again.ok and again.linked is not None and again.linked.via == "webhook"
    assert again.linked.delivery is not None
    assert again.linked.delivery.json()["event"] == "account.updated"


async def test_polling_alone_ignores_accounts_that_were_already_there(rig: Rig) -> None:
    assert (await rig.link()).ok
    with pytest.raises(TimeoutError):
        await rig.link(customer_key=None, timeout=1, poll_interval=0.2, use_receiver=False)


async def test_a_412_is_suspended_not_refused(rig: Rig) -> None:
    result = await rig.link(customer_key="expired")
    assert result.outcome == "suspended" and result.error is not None
    assert result.error.status == 412
    assert "suspended or expired" in result.hint and "reconnect" in result.hint


async def test_an_account_created_with_an_invalid_signature_is_not_believed(rig: Rig) -> None:
    rig.receiver.checks = [StackOneSignature(["not-the-signing-secret"])]
    result = await rig.link(poll_interval=0.3)
    assert result.ok and result.linked is not None and result.linked.via == "poll"
    assert any("invalid signature" in e.message for e in rig.log if e.kind == "note")


async def test_malformed_account_events_are_logged_and_passed_over(rig: Rig) -> None:
    """While the real webhook is slow, junk naming the owner arrives during the wait."""
    from workbench.sandbox import stackone

    await rig.deliveries("delay=0.5")
    state = rig.sandbox.state(stackone.STATE)
    start = f'{{"event": "account.created", "origin_owner_id": "{OWNER}", '.encode()

    async def junk() -> None:
        while not state.sessions:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as sender:
            for body in (start + b'"account_id": "acc_forged"',
                         start + b'"data": ' + b"{\"a\": " * 3000 + b"1" + b"}" * 3001,
                         b"\xfe\xff" + start + b'"account_id": "acc_x"}'):
                await sender.post(rig.receiver.url + "/stackone", content=body,
                                  headers={"content-type": "application/json"})

    sending = asyncio.ensure_future(junk())
    result = await rig.link()
    await sending
    assert result.ok and result.linked is not None and result.linked.via == "webhook"
    assert result.linked.account_id.startswith("acc_") and "forged" not in \
        result.linked.account_id
    first_real = next(i for i, e in enumerate(rig.log) if e.kind == "webhook"
                      and e.message.startswith("verified"))
    flagged = [e.message for e in list(rig.log)[:first_real] if e.kind == "webhook"]
    assert len(flagged) == 3 and all("not JSON" in m or "nested" in m or "not UTF-8" in m
                                     for m in flagged)
