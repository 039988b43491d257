"""The webhook receiver over real HTTP: records, verifies, marks retries, refuses huge bodies."""

from __future__ import annotations

import asyncio
import json

import httpx

from workbench.core.events import EventLog
from workbench.core.platforms.stackone import StackOneSignature
from workbench.core.webhooks import StandardWebhooks, WebhookReceiver
from workbench.core.webhooks.signatures import standard_webhooks_headers

JSON = {"content-type": "application/json"}
SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtcmVjZWl2ZXI="


async def test_a_signed_delivery_is_recorded_verified_and_waited_for() -> None:
    log = EventLog()
    async with await WebhookReceiver(log, [StandardWebhooks([SECRET])]).start() as receiver:
        assert receiver.url.startswith("http://127.0.0.1:")
        waiting = asyncio.ensure_future(receiver.wait_for(
            lambda d: d.json().get("job_guid") == "job-42", timeout=5))
        body = json.dumps({"job_guid": "job-42", "webhook_code": "EnsureConnection",
                           "output": {"access_token": "access-sandbox-secret"}}).encode()
        signed = {**JSON, **standard_webhooks_headers(SECRET, "msg_1", body)}
        async with httpx.AsyncClient() as sender:
            answer = await sender.post(receiver.url + "/hooks/deck", content=body, headers=signed)
            again = await sender.post(receiver.url + "/hooks/deck", content=body, headers=signed)
        assert answer.status_code == again.status_code == 200
        delivery = await waiting
    assert delivery.verification.status == "verified"
    assert [d.duplicate for d in receiver.deliveries] == [False, True]
    events = [e for e in log if e.kind == "webhook"]
    assert [e.step for e in events] == ["EnsureConnection", "EnsureConnection"]
    assert events[0].message == "verified (Standard Webhooks)"
    assert "duplicate" in events[1].message
    assert "access-sandbox-secret" not in json.dumps(log.rendered())


async def test_bad_signatures_odd_bodies_and_huge_bodies() -> None:
    log = EventLog()
    checks = [StackOneSignature(["right"])]
    receiver = await WebhookReceiver(log, checks, max_body=1024).start()
    async with receiver, httpx.AsyncClient() as sender:
        forged = await sender.post(receiver.url + "/", content=b'{"event":"x"}',
                                   headers={"x-stackone-signature": "AAAA"})
        garbage = await sender.post(receiver.url + "/", content=b"\xff{not json",
                                    headers={"content-type": "application/weird"})
        huge = await sender.post(receiver.url + "/", content=b"x" * 4096)
        form = await sender.post(receiver.url + "/?a=1", data={"k": "v"})
    assert [forged.status_code, garbage.status_code, huge.status_code, form.status_code] == \
        [200, 200, 413, 200]
    statuses = [d.verification.status for d in receiver.deliveries]
    assert statuses == ["invalid", "unverified", "unverified", "unverified"]
    assert receiver.deliveries[1].json() is None
    assert receiver.deliveries[2].status == 413 and receiver.deliveries[2].body == b""
    assert receiver.deliveries[3].query == {"a": "1"}
    assert any("413" in e.message for e in log if e.kind == "webhook")


async def test_waiting_without_a_delivery_times_out() -> None:
    async with await WebhookReceiver(EventLog()).start() as receiver:
        try:
            await receiver.wait_for(lambda _d: True, timeout=0.2)
        except TimeoutError:
            pass
        else:
            raise AssertionError("wait_for returned without a delivery")
