"""The log pane as a user reads it: rows, filter, detail, reveal, curl, exports, clear."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QWidget,
)

from tests.support.recording_server import RecordingServer
from workbench.core.events import Event, EventLog
from workbench.core.transport import TransportSettings, create_client, tag
from workbench.qt.log_pane import LogPane

BEARER = "s3cret-bearer-55aa"
ACCESS = "tok-xyz-0099-secret"


@pytest.fixture
def pane(qtbot: Any, qloop: Any) -> LogPane:
    log = EventLog()
    log.redactor.add_value(BEARER)
    widget = LogPane(log)
    qtbot.addWidget(widget)
    widget.resize(1100, 500)
    widget.show()
    return widget


def child(pane: QWidget, kind: type, name: str) -> Any:
    found = pane.findChild(kind, name)
    assert found is not None, name
    return found


def detail_text(pane: LogPane) -> str:
    """What the detail view shows: the summary, URL, headers tables and body views."""
    parts = [pane.detail().findChild(QLabel, "summaryLabel").text(),
             pane.detail().findChild(QLineEdit, "urlField").text()]
    for table in pane.detail().findChildren(QTableWidget):
        parts += [table.item(r, c).text() for r in range(table.rowCount())
                  for c in range(table.columnCount()) if table.item(r, c)]
    parts += [view.toPlainText() for view in pane.detail().findChildren(QPlainTextEdit)]
    return "\n".join(parts)


def click_row(qtbot: Any, pane: LogPane, row: int) -> None:
    table = child(pane, QTableView, "eventTable")
    rect = table.visualRect(table.model().index(row, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


async def exchange(pane: LogPane, server: RecordingServer) -> None:
    async with create_client(pane._log, TransportSettings()) as client:
        await client.post(server.url + "/token", data={"grant_type": "client_credentials"},
                          extensions=tag("check", "token", "token"))
        await client.get(server.url + "/me", headers={"Authorization": f"Bearer {BEARER}"},
                         extensions=tag("check", "who am I"))
    pane._log.note("All done.")


def test_rows_detail_reveal_curl_and_exports(qtbot: Any, pane: LogPane, run: Any,
                                             qserver: RecordingServer, tmp_path: Path) -> None:
    qserver.json("POST", "/token", {"access_token": ACCESS, "expires_in": 60})
    qserver.json("GET", "/me", {"login": "ada"})
    run(exchange(pane, qserver))
    pane._log.redactor.add_value(ACCESS)
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 3)
    rows = ["\t".join(str(pane.proxy().index(r, c).data()) for c in range(
        pane.proxy().columnCount())) for r in range(3)]
    assert "POST" in rows[0] and "/token" in rows[0] and "200" in rows[0]
    assert "GET" in rows[1] and "/me" in rows[1]
    assert "All done." in rows[2]

    click_row(qtbot, pane, 1)
    shown = detail_text(pane)
    assert "ada" in shown  # the response tab is shown for a request with a response
    assert BEARER not in shown
    reveal = child(pane, QPushButton, "revealButton")
    copy = child(pane, QPushButton, "copyCurlButton")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert BEARER not in QGuiApplication.clipboard().text()
    assert "curl" in QGuiApplication.clipboard().text()

    qtbot.mouseClick(reveal, Qt.MouseButton.LeftButton)
    assert BEARER in detail_text(pane)
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert BEARER in QGuiApplication.clipboard().text()

    click_row(qtbot, pane, 0)  # another entry: hidden again, token redacted
    assert not reveal.isChecked()
    assert ACCESS not in detail_text(pane)
    click_row(qtbot, pane, 1)
    assert BEARER not in detail_text(pane)

    har, session = tmp_path / "s.har", tmp_path / "s.json"
    assert pane.export_har(har) and pane.export_json(session)
    data = json.loads(har.read_text())
    assert data["log"]["version"] == "1.2"
    assert [e["request"]["method"] for e in data["log"]["entries"]] == ["POST", "GET"]
    assert data["log"]["entries"][1]["response"]["status"] == 200
    for text in (har.read_text(), session.read_text()):
        assert BEARER not in text and ACCESS not in text
    assert "All done." in session.read_text()


def test_filter_by_text_and_kind(qtbot: Any, pane: LogPane, run: Any,
                                 qserver: RecordingServer) -> None:
    qserver.json("POST", "/token", {"access_token": ACCESS})
    qserver.json("GET", "/me", {})
    run(exchange(pane, qserver))
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 3)
    pane.focus_filter()
    qtbot.keyClicks(child(pane, QLineEdit, "filterEdit"), "/ME")
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 1)
    assert "1 of 3" in child(pane, QLabel, "countLabel").text()
    child(pane, QLineEdit, "filterEdit").clear()
    kind = child(pane, QComboBox, "kindCombo")
    kind.setCurrentIndex(kind.findText("token"))
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 1)
    assert "/token" in str(pane.proxy().index(0, 3).data())
    kind.setCurrentIndex(kind.findText("note"))
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 1)


def test_clear_empties_the_table(qtbot: Any, pane: LogPane) -> None:
    for n in range(5):
        pane._log.note(f"note {n}")
    qtbot.waitUntil(lambda: pane.proxy().rowCount() == 5)
    qtbot.mouseClick(child(pane, QPushButton, "clearButton"), Qt.MouseButton.LeftButton)
    assert pane.proxy().rowCount() == 0
    assert len(pane._log) == 0


def test_the_oldest_rows_go_past_the_logs_capacity(qtbot: Any, qloop: Any) -> None:
    log = EventLog(capacity=50)
    pane = LogPane(log)
    qtbot.addWidget(pane)
    for n in range(80):
        log.append(Event(kind="note", message=f"event {n}"))
    qtbot.waitUntil(lambda: pane.model().rowCount() == 50 and pane.model().pending_count() == 0)
    # The note saying older events were dropped takes one of the 50 places.
    shown = [pane.model().event_at(row) for row in range(50)]
    assert shown == list(log)
    assert shown[0].message == "event 31"
    assert sum("Older events were dropped" in e.message for e in shown) == 1


def test_an_unwritable_export_path_is_reported_not_raised(
        qtbot: Any, pane: LogPane, tmp_path: Path, monkeypatch: Any) -> None:
    shown: list[str] = []
    monkeypatch.setattr("workbench.qt.log_pane.QMessageBox.warning",
                        lambda _parent, _title, text, *a, **k: shown.append(text))
    pane._log.note("something")
    assert pane.export_har(tmp_path / "missing-folder" / "x.har") is False
    assert shown and "x.har" in shown[0]
