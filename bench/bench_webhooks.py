"""The webhook receiver under a burst: 2,000 signed deliveries as fast as a local client sends.

    .venv/bin/python bench/bench_webhooks.py [--count 2000] [--concurrency 50]

Prints how many arrived (target: none lost), the throughput, and the latency from a delivery
being sent to its event being in the log (p50/p99), with Standard Webhooks verification on.
Sender and receiver share this process (and its event loop), as the app and a tunnel would not:
the figures are a floor for the receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import aiohttp

from workbench.core.events import Event, EventLog
from workbench.core.webhooks import StandardWebhooks, WebhookReceiver
from workbench.core.webhooks.signatures import standard_webhooks_headers

SECRET = "whsec_" + "YmVuY2htYXJrLXNlY3JldC0xMjM0NTY="


async def main(count: int, concurrency: int) -> None:
    log = EventLog(capacity=count * 2)
    logged_at: dict[str, float] = {}
    verified = 0

    def on_event(event: Event) -> None:
        nonlocal verified
        if event.kind == "webhook":
            logged_at[json.loads(event.request_body)["n"]] = time.perf_counter()
            verified += event.message.startswith("verified")

    log.subscribe(on_event)
    sent_at: dict[str, float] = {}
    async with await WebhookReceiver(log, [StandardWebhooks([SECRET])]).start() as receiver:
        # aiohttp as the sender: httpx's pool would be the bottleneck in this one process.
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as client:
            gate = asyncio.Semaphore(concurrency)

            async def send(n: int) -> int:
                body = json.dumps({"n": str(n), "job_guid": f"job-{n}"}).encode()
                headers = standard_webhooks_headers(SECRET, f"msg_{n}", body)
                async with gate:
                    sent_at[str(n)] = time.perf_counter()
                    async with client.post(receiver.url + "/hook", data=body,
                                           headers=headers) as answer:
                        return answer.status

            started = time.perf_counter()
            statuses = await asyncio.gather(*(send(n) for n in range(count)))
            elapsed = time.perf_counter() - started
    latencies = sorted((logged_at[n] - sent_at[n]) * 1000 for n in logged_at)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"{count} deliveries, {concurrency} at a time, Standard Webhooks verification on")
    print(f"answered 200: {statuses.count(200)}; in the log: {len(logged_at)}; "
          f"verified: {verified}; lost: {count - len(logged_at)}")
    print(f"throughput: {count / elapsed:.0f} deliveries/s ({elapsed:.2f} s in all)")
    print(f"send to logged: p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.concurrency))
