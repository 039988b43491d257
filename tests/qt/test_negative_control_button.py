""""Prove it fails with a wrong secret" in the window: a mock that takes any token is exposed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from PySide6.QtCore import Qt

from tests.qt.test_main_window import (  # noqa: F401  (fixtures)
    SECRET,
    banner_text,
    bearer_connector,
    keychain,
    open_connector,
    type_into,
    window,
)
from tests.support.recording_server import RecordingServer, Seen
from workbench.qt.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _prove(qtbot: Any, win: MainWindow) -> None:
    button = win.connection.control_button
    assert button.isEnabled() and button.text() == "Prove it fails with a wrong secret"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.connection.banner.kind in ("ok", "warn", "fail"),
                    timeout=10_000)


def test_an_api_that_takes_any_token_fails_the_proof(
        qtbot: Any, window: MainWindow, qserver: RecordingServer,  # noqa: F811
        tmp_path: Path) -> None:
    qserver.json("GET", "/me", {"login": "anyone"})
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    _prove(qtbot, window)
    assert window.connection.banner.kind == "fail"
    text = banner_text(window)
    assert "With a wrong bearer_token the check passed too" in text
    assert "a pass proves nothing" in text
    assert SECRET not in text
    sent = [s.header("Authorization") for s in qserver.requests_to("/me")]
    assert sent[0] == f"Bearer {SECRET}" and sent[1] != sent[0]
    window.connection.grab().save(str(SCREENSHOTS / "negative_control_unproven.png"))


def test_an_api_that_checks_the_token_passes_the_proof(
        qtbot: Any, window: MainWindow, qserver: RecordingServer,  # noqa: F811
        tmp_path: Path) -> None:
    def me(seen: Seen) -> web.Response:
        ok = seen.header("Authorization") == f"Bearer {SECRET}"
        return web.json_response({}, status=200 if ok else 401)

    qserver.route("GET", "/me", me)
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    _prove(qtbot, window)
    assert window.connection.banner.kind == "ok"
    assert "with a wrong bearer_token the check failed as it should" in banner_text(window)
    window.connection.grab().save(str(SCREENSHOTS / "negative_control_proven.png"))
