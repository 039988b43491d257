"""Screenshots of the main window after a failed and a passed check, light and dark.

They land in `artifacts/screenshots/` (or $WORKBENCH_SCREENSHOTS) for people to look at; the test
checks what it can check by machine: the window rendered at full size in the theme's colours.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView

from tests.qt.test_main_window import bearer_connector, type_into
from tests.support.recording_server import RecordingServer
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow
from workbench.qt.theme import apply_theme

FOLDER = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"
                             / "screenshots"))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_after_a_failed_and_a_passed_check(
        qtbot: Any, qloop: Any, qserver: RecordingServer, tmp_path: Path, theme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme)  # type: ignore[arg-type]
    try:
        responses = iter([({"message": "Bad credentials"}, 401), ({"login": "ada"}, 200)])
        from aiohttp import web

        def me(_seen: Any) -> web.Response:
            body, status = next(responses)
            return web.json_response(body, status=status)

        qserver.route("GET", "/me", me)
        window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
        qtbot.addWidget(window)
        window.resize(1440, 900)
        window.show()
        path = bearer_connector(tmp_path, qserver.url)
        window.library.open_paths([path])
        window.library.select_path(path)
        qtbot.waitUntil(window.connection.test_button.isEnabled)
        type_into(qtbot, window, "team", "support")
        type_into(qtbot, window, "bearer_token", "wrong-token-123")
        FOLDER.mkdir(parents=True, exist_ok=True)
        for outcome in ("failed", "passed"):
            qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
            expected = "fail" if outcome == "failed" else "ok"
            qtbot.waitUntil(lambda e=expected: window.connection.banner.kind == e, timeout=10_000)
            qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() > 0)
            table = window.log_pane.findChild(QTableView, "eventTable")
            last = table.model().index(table.model().rowCount() - 1, 2)
            qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                             pos=table.visualRect(last).center())
            qtbot.wait(100)  # let the log's batch timer and the banner settle
            image = window.grab().toImage()
            target = FOLDER / f"main-window-{theme}-{outcome}.png"
            assert image.save(str(target))
            assert image.width() >= 1400
            window_colour = image.pixelColor(5, image.height() // 2).lightness()
            assert (window_colour < 100) if theme == "dark" else (window_colour > 150)
    finally:
        apply_theme(app, "light")
