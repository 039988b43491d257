"""A Sesam manifest in the app: its generated form, a test against the sandbox's Tripletex
stand-in, and what the system receives, as a user sees them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit

from tests.qt.test_main_window import banner_text, type_into, visible_texts
from workbench.core.config import bundled_connectors_dir
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow
from workbench.sandbox import credentials

SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS",
                            Path(__file__).parents[2] / "artifacts" / "screenshots"))
MANIFEST = bundled_connectors_dir() / "sandbox" / "sesam-tripletex" / "manifest.json"


@pytest.fixture
def window(qtbot: Any, qloop: Any) -> Iterator[MainWindow]:
    win = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    win.resize(1200, 820)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win


def received_rows(win: MainWindow) -> dict[str, str]:
    view = win.connection.received
    return {name: label.text() for name, label in view.rows.items()} if view.isVisible() else {}


def test_a_tripletex_manifest_is_a_form_a_check_and_what_the_system_receives(
        qtbot: Any, window: MainWindow, run: Any) -> None:
    from workbench.qt.sandbox_control import SandboxControl

    sandbox = SandboxControl(port=0)
    run(sandbox.start())
    try:
        assert window.library.select_path(MANIFEST)
        form = window.connection.form
        qtbot.waitUntil(lambda: form.editor("consumer_token") is not None
                        and window.connection.test_button.isEnabled())
        environment = form.editor("environment")
        assert isinstance(environment, QComboBox)
        assert [environment.itemText(i) for i in range(environment.count())] == [
            "production", "test"]
        assert environment.currentText() == "test"
        for secret in ("consumer_token", "employee_token"):
            editor = form.editor(secret)
            assert isinstance(editor, QLineEdit)
            assert editor.echoMode() == QLineEdit.EchoMode.Password
        assert set(received_rows(window)) == {"consumer_token", "employee_token"}
        assert all("run a test" in text for text in received_rows(window).values())

        type_into(qtbot, window, "sandbox_url", sandbox.url)
        qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.connection.banner.kind in ("ok", "fail"), timeout=10_000)
        assert window.connection.banner.kind == "ok", banner_text(window)
        assert "whoAmI answered 200" in banner_text(window)
        rows = received_rows(window)
        assert "✓" in rows["consumer_token"] and "36 characters" in rows["consumer_token"]
        qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 2, timeout=3000)
        shown = visible_texts(window)
        assert "PUT" in shown and "/v2/token/session/:create" in shown
        assert credentials.TRIPLETEX_TEST_CONSUMER_TOKEN not in shown
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "sesam-tripletex.png"))

        # Test tokens against production: refused, and the hint names the way out.
        environment.setCurrentText("production")
        qtbot.keyClick(window, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: window.connection.banner.kind == "fail", timeout=10_000)
        assert "choose the test environment" in banner_text(window)
    finally:
        run(sandbox.stop())
