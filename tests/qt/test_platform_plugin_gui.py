"""docs/platforms.md's example platform in the app: the platform pane shows the plugin's own
panel below the keys (the container maps platform → panel), and its Ping runs against the
plugin's stand-in in the sandbox."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.support.platform_plugin import account_text, installed
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow
from workbench.sandbox.server import SandboxServer, start_sandbox

SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS",
                            Path(__file__).parents[2] / "artifacts" / "screenshots"))
DEMO_KEY = "acme-demo-key-8c1f"


@pytest.fixture
def sandbox(tmp_path: Path, run: Any) -> Iterator[SandboxServer]:
    with installed(tmp_path / "site"):
        server = run(start_sandbox())
        yield server
        run(server.close())


def _type(qtbot: Any, form: Any, field: str, text: str) -> None:
    editor = form.editor(field)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def test_the_plugins_panel_shows_and_pings_its_stand_in(
        qtbot: Any, qloop: Any, sandbox: SandboxServer, tmp_path: Path) -> None:
    account = tmp_path / "acme.yaml"
    account.write_text(account_text(sandbox.url + "/acme"))
    window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.library.open_paths([account])
    qtbot.waitUntil(lambda: window.library.select_path(account), timeout=5000)
    pane = window.platform
    qtbot.waitUntil(lambda: pane.isVisible() and pane.values_loaded, timeout=5000)
    assert "Acme account" in pane.title.text()
    panel = pane.panel
    assert panel is not None and type(panel).__name__ == "AcmePanel" and panel.isVisible()

    _type(qtbot, pane.keys, "api_key", DEMO_KEY)
    qtbot.mouseClick(pane.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.banner.kind == "ok" and not pane.runner.busy, timeout=10_000)
    assert "Acme accepted the keys" in pane.banner.accessibleDescription()

    _type(qtbot, pane.keys, "api_key", "not-the-key")
    qtbot.mouseClick(panel.ping_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: pane.banner.kind == "fail" and not pane.runner.busy, timeout=10_000)
    shown = pane.banner.accessibleDescription()
    assert "Unknown API key" in shown and "copy it again" in shown

    _type(qtbot, pane.keys, "api_key", DEMO_KEY)
    qtbot.mouseClick(panel.ping_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: pane.banner.kind == "ok" and not pane.runner.busy, timeout=10_000)
    assert "Acme answered 'pong'" in pane.banner.accessibleDescription()
    assert DEMO_KEY not in str(window.log.rendered())
    qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 3)  # batched into the view
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "platform-plugin.png"))
