"""The log pane under load: 100,000 events arriving in bursts, then filtering them.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_log_pane.py

Prints the longest gap between ticks of a 1 ms timer while events arrive (how long the UI
could not respond; target: no stall > 50 ms), the time to apply a text filter and a kind
filter over 100,000 rows (target < 100 ms), and the process's resident memory afterwards.
"""

from __future__ import annotations

import os
import resource
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from workbench.core.events import Event, EventLog
from workbench.qt.log_pane import LogPane

TOTAL = 100_000
BURST = 2_000


def make_event(n: int) -> Event:
    return Event(kind="request" if n % 10 else "token", flow="check", step="who am I",
                 method="GET", url=f"https://api.example.test/v1/items/{n}?page={n % 7}",
                 status=200 if n % 13 else 401, reason="OK", duration_ms=12.5,
                 request_headers=[("Authorization", "Bearer abc")],
                 response_body=b'{"id": %d}' % n)


def main() -> None:
    app = QApplication([])
    log = EventLog(capacity=TOTAL)
    pane = LogPane(log)
    pane.resize(1200, 500)
    pane.show()

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    ticker = QTimer(interval=1)
    ticker.timeout.connect(tick)
    ticker.start()
    started = time.perf_counter()
    sent = 0
    slices: list[float] = []  # time the UI spends in one processEvents: what a user waits for

    def process() -> None:
        begin = time.perf_counter()
        app.processEvents()
        slices.append(time.perf_counter() - begin)

    while sent < TOTAL:
        for n in range(sent, sent + BURST):
            log.append(make_event(n))
        sent += BURST
        process()
    while pane.model().rowCount() < TOTAL:
        process()
    arrived = time.perf_counter() - started
    ticker.stop()

    timings = {}
    proxy = pane.proxy()
    for label, apply in (("text filter '/items/4242'", lambda: proxy.set_text("/items/4242")),
                         ("clear the text filter", lambda: pane.proxy().set_text("")),
                         ("kind filter 'token'", lambda: pane.proxy().set_kind("token")),
                         ("kind filter off", lambda: pane.proxy().set_kind(None))):
        begin = time.perf_counter()
        apply()
        app.processEvents()
        timings[label] = ((time.perf_counter() - begin) * 1000, pane.proxy().rowCount())

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{TOTAL} events in bursts of {BURST}: all rows shown after {arrived * 1000:.0f} ms")
    print(f"longest single pass of the event loop (flush + paint): {max(slices) * 1000:.1f} ms "
          "(target <= 50 ms)")
    print(f"longest gap between 1 ms timer ticks, producer's append loop included: "
          f"{max(gaps) * 1000:.1f} ms")
    for label, (ms, rows) in timings.items():
        print(f"{label}: {ms:.1f} ms -> {rows} rows (target < 100 ms)")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
