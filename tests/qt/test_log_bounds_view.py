"""The log pane shows what the bounded log keeps: rows go when the byte bound drops events,
and the note saying so is a row the user can read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.core.events import Event, EventLog
from workbench.qt.log_pane import LogPane

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def test_rows_follow_the_byte_bound_and_the_drop_note_shows(qtbot: Any, qloop: Any) -> None:
    log = EventLog(max_bytes=2 * 1024 * 1024)
    pane = LogPane(log)
    qtbot.addWidget(pane)
    pane.resize(1100, 400)
    pane.show()
    for number in range(30):
        log.append(Event(kind="request", method="GET", url=f"http://127.0.0.1:9/item/{number}",
                         status=200, reason="OK", response_body=b"b" * 200 * 1024))

    model = pane.model()
    qtbot.waitUntil(lambda: model.pending_count() == 0 and model.rowCount() == len(log))
    shown = [model.event_at(row) for row in range(model.rowCount())]
    assert shown == list(log)
    assert shown[0].url.endswith(f"/item/{30 - sum(e.kind == 'request' for e in shown)}")
    note = next(e for e in shown if e.kind == "note")
    assert "Older events were dropped" in note.message
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pane.grab().save(str(SCREENSHOTS / "log_bounded_by_bytes.png"))
