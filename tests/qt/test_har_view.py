"""On a support ticket, in the app: open a customer's HAR, read the findings, follow one to its
entry, replay a request with your own credentials; pick two runs in the log and compare them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QTreeWidget,
    QWidget,
)

from tests.qt.test_main_window import bearer_connector, type_into
from tests.support.har_shapes import chromium, har
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.har_view import HarView
from workbench.qt.main_window import MainWindow
from workbench.qt.replay_dialog import ReplayDialog
from workbench.qt.run_compare import RunCompareView

FIXTURES = Path(__file__).parents[1] / "fixtures" / "har"
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"
                            / "screenshots"))
PLANTED = ("Correct-Horse-Battery-9", "RT-0a9b8c7d6e5f-ffx", "CORR-7d8c6b5a4f3e",
           "CODE-ffx-8b7a6c5d", "c2lnbmF0dXJlLWJ5dGVzLW5vdC1yZWFs")


@pytest.fixture
def window(qtbot: Any, qloop: Any) -> MainWindow:
    shown = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(shown)
    shown.resize(1280, 820)
    shown.show()
    return shown


def everything_shown(widget: QWidget) -> str:
    """The text of every label, line edit, text view, table cell and tree item in `widget`."""
    parts = [w.text() for w in widget.findChildren(QLabel)]
    parts += [w.text() for w in widget.findChildren(QLineEdit)]
    parts += [w.toPlainText() for w in widget.findChildren(QPlainTextEdit)]
    for table in widget.findChildren(QTableWidget):
        parts += [table.item(r, c).text() for r in range(table.rowCount())
                  for c in range(table.columnCount()) if table.item(r, c)]
    for tree in widget.findChildren(QTreeWidget):
        stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            parts += [item.text(c) for c in range(item.columnCount())] + [item.toolTip(0)]
            stack += [item.child(i) for i in range(item.childCount())]
    return "\n".join(parts)


def open_har(qtbot: Any, window: MainWindow, path: Path) -> HarView:
    task = window.support.open_har(path)
    qtbot.waitUntil(task.done, timeout=10_000)
    view = task.result()
    assert isinstance(view, HarView)
    qtbot.addWidget(view)
    return view


def test_a_customers_har_diagnosed_findings_point_at_their_entries(
        qtbot: Any, window: MainWindow) -> None:
    view = open_har(qtbot, window, FIXTURES / "firefox_samesite_audience.har")
    summary = view.summary.text()
    assert "6 entries from Firefox 133.0" in summary and "2 problems found" in summary
    tree = view.findChild(QTreeWidget, "findingsTree")
    titles = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert titles[0].startswith("Cookie .AspNetCore.Correlation.oidc")
    assert any("401 to an access token" in t for t in titles)

    # Click the second finding: the log pane shows the API call that was refused.
    item = tree.topLevelItem(1)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: view.log_pane.detail().event_shown() is not None)
    shown = view.log_pane.detail().event_shown()
    assert shown is not None and shown.url.endswith("/api/orders?page=1")
    assert "aud claim" in view.hint.text()
    # A child names the other entry: the token request that issued the token.
    child = item.child(0)
    tree.setCurrentItem(child)
    assert view.log_pane.detail().event_shown().url.endswith("/token")

    SHOTS.mkdir(parents=True, exist_ok=True)
    view.resize(1300, 860)
    qtbot.wait(50)
    view.grab().save(str(SHOTS / "har-diagnosis.png"))
    for secret in PLANTED:
        assert secret not in everything_shown(view)


def test_a_file_that_is_not_a_har_is_said_and_nothing_opens(
        qtbot: Any, window: MainWindow, tmp_path: Path, monkeypatch: Any) -> None:
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    junk = tmp_path / "capture.har"
    junk.write_text("<html>Access denied</html>")
    task = window.support.open_har(junk)
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() is None
    assert said and "not a HAR: not JSON" in said[0]


@pytest.fixture
def api(qserver: RecordingServer) -> RecordingServer:
    def me(seen: Seen) -> web.Response:
        if seen.header("authorization") == "Bearer my-own-token-42":
            return web.json_response({"login": "support"})
        return web.json_response({"message": "Bad credentials"}, status=401)

    qserver.route("GET", "/me", me)
    return qserver


def test_replay_with_my_own_credentials_then_the_captured_ones(
        qtbot: Any, window: MainWindow, api: RecordingServer, tmp_path: Path,
        monkeypatch: Any) -> None:
    path = tmp_path / "customer.har"
    path.write_bytes(har(chromium("GET", f"{api.url}/me", status=401, request_headers={
        "authorization": "Bearer customer-token-9f8e7d", "accept": "application/json"})))
    view = open_har(qtbot, window, path)
    assert view.log_pane.select_event(view.events[0])
    dialog = view.replay_dialog()
    assert isinstance(dialog, ReplayDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.send.isEnabled()
    assert "Still [redacted]: header authorization" in dialog.left.text()
    assert "customer-token-9f8e7d" not in everything_shown(dialog)

    dialog.set_header("authorization", "Bearer my-own-token-42")
    qtbot.waitUntil(dialog.send.isEnabled)
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.kind == "ok", timeout=10_000)
    assert api.seen[-1].header("authorization") == "Bearer my-own-token-42"
    dialog.grab().save(str(SHOTS / "har-replay.png"))

    # The captured credentials: only after the question is answered Yes.
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(dialog.use_captured, Qt.MouseButton.LeftButton)
    assert "customer-token-9f8e7d" not in everything_shown(dialog)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(dialog.use_captured, Qt.MouseButton.LeftButton)
    assert "Bearer customer-token-9f8e7d" in everything_shown(dialog)
    qtbot.mouseClick(dialog.send, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.kind == "fail", timeout=10_000)
    assert api.seen[-1].header("authorization") == "Bearer customer-token-9f8e7d"
    assert "401" in dialog.banner.findChild(QLabel, "verdictSummary").text()
    # The main log recorded both replays, the secrets masked there.
    rows = [e for e in window.log if e.flow == "replay"]
    assert len(rows) == 2


def test_pick_two_runs_in_the_log_and_compare_them(
        qtbot: Any, window: MainWindow, api: RecordingServer, tmp_path: Path) -> None:
    path = bearer_connector(tmp_path, api.url)
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(window.connection.test_button.isEnabled)
    type_into(qtbot, window, "team", "support")
    for token in ("my-own-token-42", "wrong-token-123"):
        type_into(qtbot, window, "bearer_token", token)
        qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.connection.test_button.isEnabled()
                        and window.connection.banner.kind in ("ok", "fail"), timeout=10_000)
        qtbot.wait(2100 if token.startswith("my") else 10)  # a pause: two runs
    pane = window.log_pane
    qtbot.waitUntil(lambda: pane.proxy().rowCount() >= 2)
    events = list(window.log)
    assert pane.select_event(events[0])
    assert pane.select_run_around_current() >= 1
    assert pane.use_selection_as_run_a() >= 1
    assert pane.select_event(events[-1])
    pane.select_run_around_current()
    menu = pane.context_menu()
    compare = next(a for a in menu.actions() if a.text().startswith("Compare"))
    assert compare.isEnabled() and "with run A" in compare.text()
    compare.trigger()
    view = window.support.windows[-1]
    assert isinstance(view, RunCompareView)
    qtbot.addWidget(view)
    rows = view.rows_shown()
    fields = {(step, field) for step, field, _a, _b in rows}
    assert any("header authorization: different secret" in f for _s, f in fields)
    status = next(r for r in rows if r[1] == "status")
    assert status[2].startswith("200") and status[3].startswith("401")
    everything = json.dumps(rows)
    assert "my-own-token-42" not in everything and "wrong-token-123" not in everything
    view.grab().save(str(SHOTS / "run-compare.png"))
