"""The receiver against rude senders (faults.md § Deliveries, "Malformed"): every delivery is
answered, recorded in the log and flagged; nothing crashes; memory stays bounded."""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import AsyncIterator

import httpx
import pytest

from workbench.core.events import EventLog
from workbench.core.platforms.stackone import StackOneSignature
from workbench.core.webhooks import StandardWebhooks, WebhookReceiver

SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtcmVjZWl2ZXI="


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    checks = [StandardWebhooks([SECRET]), StackOneSignature(["right"])]
    async with await WebhookReceiver(EventLog(), checks).start() as running:
        yield running


async def post(receiver: WebhookReceiver, content: bytes | object = b"{}",
               headers: dict[str, str] | list[tuple[bytes, bytes]] | None = None,
               ) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as sender:
        return await sender.post(receiver.url + "/hook", content=content,  # type: ignore[arg-type]
                                 headers=headers)


def webhook_events(receiver: WebhookReceiver) -> list[str]:
    return [e.message for e in receiver._log if e.kind == "webhook"]


@pytest.mark.parametrize("header", ["x-stackone-signature", "webhook-signature"])
async def test_a_non_ascii_signature_is_recorded_as_invalid_not_a_500(
        receiver: WebhookReceiver, header: str) -> None:
    raw = [(b"content-type", b"application/json"), (header.encode(), "v1,sïgnature".encode()),
           (b"webhook-id", b"msg_1"), (b"webhook-timestamp", str(int(time.time())).encode())]
    answer = await post(receiver, b'{"event": "account.created"}', raw)
    assert answer.status_code == 200
    [delivery] = receiver.deliveries
    assert delivery.verification.status == "invalid"
    assert "non-ASCII" in delivery.verification.detail
    [message] = webhook_events(receiver)
    assert message.startswith("invalid")


async def test_a_non_ascii_stackone_signature_alone_names_the_reason(
        receiver: WebhookReceiver) -> None:
    raw = [(b"x-stackone-signature", "ÅÄÖ".encode())]
    assert (await post(receiver, b'{"event": "x"}', raw)).status_code == 200
    check = receiver.deliveries[0].verification
    assert check.status == "invalid" and "non-ASCII" in check.detail


async def test_json_nested_thousands_deep_is_recorded_and_flagged(
        receiver: WebhookReceiver) -> None:
    deep = b"[" * 5000 + b"]" * 5000
    answer = await post(receiver, deep, {"content-type": "application/json"})
    assert answer.status_code == 200
    [delivery] = receiver.deliveries
    assert delivery.json() is None
    assert any("nested" in flag for flag in delivery.flags)
    [message] = webhook_events(receiver)
    assert "nested" in message


async def test_a_deep_delivery_can_be_rendered_in_the_log(receiver: WebhookReceiver) -> None:
    for depth in (900, 5000):
        await post(receiver, b"[" * depth + b"]" * depth, {"content-type": "application/json"})
    assert len(receiver._log.rendered()) == 2


@pytest.mark.parametrize(("body", "content_type", "flag"), [
    (b'{"event": "caf\xe9"}', "application/json", "not UTF-8"),
    (b"", "application/json", "empty body"),
    (b'{"event": "x"}', "text/plain", "content-type text/plain"),
    (b"<xml>not json</xml>", "application/xml", "not JSON"),
])
async def test_odd_bodies_are_recorded_with_a_flag(
        receiver: WebhookReceiver, body: bytes, content_type: str, flag: str) -> None:
    answer = await post(receiver, body, {"content-type": content_type})
    assert answer.status_code == 200
    [delivery] = receiver.deliveries
    assert any(flag in f for f in delivery.flags), delivery.flags
    assert flag in webhook_events(receiver)[0]


async def test_json_with_a_wrong_content_type_is_still_read(receiver: WebhookReceiver) -> None:
    await post(receiver, b'{"job_guid": "j-1"}', {"content-type": "text/plain"})
    assert receiver.deliveries[0].json() == {"job_guid": "j-1"}


async def test_a_chunked_delivery_is_read_whole(receiver: WebhookReceiver) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"job_guid": '
        yield b'"j-7", "webhook_code": "EnsureConnection"}'

    answer = await post(receiver, chunks(), {"content-type": "application/json"})
    assert answer.status_code == 200
    [delivery] = receiver.deliveries
    assert delivery.header("transfer-encoding") == "chunked"
    assert delivery.json() == {"job_guid": "j-7", "webhook_code": "EnsureConnection"}
    assert delivery.flags == []


async def test_an_oversized_delivery_is_refused_but_recorded() -> None:
    log = EventLog()
    async with await WebhookReceiver(log, max_body=1024).start() as receiver:
        answer = await post(receiver, b"x" * 5000, {"content-type": "application/json",
                                                   "webhook-id": "msg_big"})
        assert answer.status_code == 413
        [delivery] = receiver.deliveries
        assert delivery.json() is None and delivery.delivery_id == "msg_big"
        assert any("413" in f for f in delivery.flags)
        [event] = [e for e in log if e.kind == "webhook"]
        assert event.status == 413 and "over 1024 bytes" in event.message


async def test_300_deliveries_of_1_mib_keep_memory_bounded() -> None:
    """The receiver forgets the oldest deliveries past its budget (waits need only this
    run's); the log here keeps 20 events, so what stays is the receiver's own bound."""
    body = json.dumps({"event": "big", "pad": "x" * (1024 * 1024 - 40)}).encode()[:1024 * 1024]
    gc.collect()
    tracemalloc.start()
    try:
        async with await WebhookReceiver(EventLog(capacity=20)).start() as receiver, \
                httpx.AsyncClient(timeout=30) as sender:
            start, _peak = tracemalloc.get_traced_memory()
            for number in range(300):
                answer = await sender.post(receiver.url + "/big", content=body,
                                           headers={"webhook-id": f"msg_{number}"})
                assert answer.status_code == 200
            gc.collect()
            grown, _peak = tracemalloc.get_traced_memory()
            kept = list(receiver.deliveries)
    finally:
        tracemalloc.stop()
    assert (grown - start) < 48 * 1024 * 1024, f"{(grown - start) / 2**20:.0f} MiB kept"
    assert 0 < len(kept) < 300 and kept[-1].delivery_id == "msg_299"
    assert sum(len(d.body) for d in kept) <= receiver.max_kept_bytes


async def test_a_sender_that_stalls_mid_body_is_answered_408_and_recorded() -> None:
    import asyncio

    log = EventLog()
    async with await WebhookReceiver(log, read_timeout=0.3).start() as receiver:
        port = int(receiver.url.rsplit(":", 1)[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /deck HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"job_guid\": ")
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), 5)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408")
        [delivery] = receiver.deliveries
        assert delivery.status == 408 and "stalled" in delivery.flags[0]
        assert any(e.status == 408 for e in log if e.kind == "webhook")
