"""Core figures: connector loading, a full check against the sandbox, redaction throughput.

Run: .venv/bin/python bench/bench_core.py   (prints figures; asserts nothing)
"""

from __future__ import annotations

import asyncio
import statistics
import time

from workbench.core.check import run_check
from workbench.core.config import bundled_connectors_dir, discover_connectors, load_connector
from workbench.core.connector_files import load_file
from workbench.core.events import EventLog
from workbench.core.redaction import Redactor
from workbench.sandbox import start_sandbox


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms"


def bench_loading(rounds: int = 20) -> None:
    paths = discover_connectors(bundled_connectors_dir())
    samples = []
    for _ in range(rounds):
        for path in paths:
            started = time.perf_counter()
            load_file(path)  # connectors and platform accounts alike
            samples.append((time.perf_counter() - started) * 1000)
    print(f"load a connector file ({len(paths)} files x {rounds}): {_percentiles(samples)}")


async def bench_checks(rounds: int = 200) -> None:
    async with await start_sandbox() as sandbox:
        for name in ("sandbox_bearer", "sandbox_oauth2_client_credentials"):
            blueprint = load_connector(
                bundled_connectors_dir() / "sandbox" / f"{name}.yaml").blueprint
            samples = []
            for _ in range(rounds):
                started = time.perf_counter()
                result = await run_check(blueprint, {"sandbox_url": sandbox.url}, EventLog())
                samples.append((time.perf_counter() - started) * 1000)
                assert result.verdict.ok
            print(f"check {name} ({rounds} runs, new client each): {_percentiles(samples)}")


def bench_redaction(rounds: int = 2000) -> None:
    redactor = Redactor(values=[f"secret-value-{n:04d}" for n in range(50)])
    body = '{"access_token": "abc", "items": [' + ",".join(
        f'{{"id": {n}, "note": "secret-value-{n % 50:04d} here"}}' for n in range(100)) + "]}"
    started = time.perf_counter()
    for _ in range(rounds):
        redactor.body(body, "application/json")
    took = time.perf_counter() - started
    size = len(body) * rounds / 1024 / 1024
    print(f"redact a {len(body) / 1024:.1f} KiB JSON body with 50 known secrets: "
          f"{took / rounds * 1000:.3f} ms each ({size / took:.1f} MiB/s)")


if __name__ == "__main__":
    bench_loading()
    asyncio.run(bench_checks())
    bench_redaction()
