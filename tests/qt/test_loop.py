"""The qasync loop runs core coroutines (httpx against a real server) while Qt keeps ticking."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer

from tests.support.recording_server import RecordingServer
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings, create_client


def test_core_client_runs_on_the_qt_loop(qserver: RecordingServer, run: Any, qtbot: Any) -> None:
    qserver.json("GET", "/ping", {"pong": True})
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(1)
    log = EventLog()

    async def fetch() -> int:
        async with create_client(log, TransportSettings()) as client:
            response = await client.get(qserver.url + "/ping")
            return response.status_code

    assert run(fetch()) == 200
    timer.stop()
    assert [e.url for e in log] == [qserver.url + "/ping"]
    assert ticks, "the Qt event loop did not tick while the request was awaited"
