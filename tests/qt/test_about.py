"""Help ▸ About as a user opens it: the versions a bug report needs, copied in one click."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMenu

from workbench import __version__
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt import about
from workbench.qt.about import AboutDialog
from workbench.qt.main_window import MainWindow

SCREENSHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(__file__).parents[2]
                                  / "artifacts" / "screenshots"))


def open_about_from_the_help_menu(qtbot: Any, window: MainWindow) -> AboutDialog:
    """Click Help in the menu bar, then the About item, as a user would."""
    bar = window.menuBar()
    help_action = next(a for a in bar.actions() if a.text() == "&Help")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(help_action).center())
    menu = help_action.menu()
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible)
    item = next(a for a in menu.actions() if "About" in a.text())
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(item).center())
    qtbot.waitUntil(lambda: any(isinstance(w, AboutDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    return next(w for w in QApplication.topLevelWidgets()
                if isinstance(w, AboutDialog) and w.isVisible())


def test_about_shows_the_versions_and_copies_them_for_a_bug_report(
        qtbot: Any, qloop: Any) -> None:
    window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)

    dialog = open_about_from_the_help_menu(qtbot, window)
    report = dialog.findChild(QLabel, "versionReport")
    assert report is not None
    shown = report.text()
    assert shown.splitlines()[0] == f"Connection Workbench {__version__}"
    assert "Build: source checkout in " in shown
    assert f"Python {platform.python_version()} (CPython)" in shown
    assert f"Qt {qVersion()}, PySide6 " in shown and "platform plugin offscreen" in shown
    assert "QtWebEngine " in shown and ", Chromium " in shown
    assert f"httpx {metadata.version('httpx')}" in shown
    assert "Keychain: " + window.session.values.secrets.backend_name in shown

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "about.png"))

    QGuiApplication.clipboard().setText("something else")
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == shown
    assert dialog.copy_button.text() == "Copied ✓"

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not any(isinstance(w, AboutDialog)
                                    for w in QApplication.topLevelWidgets()))


def test_a_frozen_bundle_says_so_and_where(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/connection-workbench/_internal", raising=False)
    assert about.build_kind() == "desktop bundle (PyInstaller) in /opt/connection-workbench"


def test_the_home_folder_is_not_in_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path.home()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(home / "Apps/workbench/_internal"), raising=False)
    assert about.build_kind() == "desktop bundle (PyInstaller) in ~/Apps/workbench"
    assert str(home) not in about.version_report()


NOTICE = """Connection Workbench 0.1.0: third-party software and licences
=============================================================

Source code offer
-----------------
Qt 6.11.3, PySide6 and shiboken6 6.11.3 ... Write to: someone

=== certifi 2026.10.19.post1 ===
Licence: MPL-2.0
"""


def test_about_shows_the_bundles_third_party_licences(
        qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the installed app, About ▸ Licences shows THIRD-PARTY-NOTICES.txt from the bundle."""
    (tmp_path / "THIRD-PARTY-NOTICES.txt").write_text(NOTICE, encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    qtbot.mouseClick(dialog.licences_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.licences is not None and dialog.licences.isVisible())
    licences = dialog.licences
    assert licences is not None
    assert licences.text.toPlainText() == NOTICE
    assert licences.text.isReadOnly()
    assert str(tmp_path / "THIRD-PARTY-NOTICES.txt") in licences.where.text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert licences.grab().save(str(SCREENSHOTS / "about-licences.png"))


def test_from_source_about_says_where_the_licences_come_from(qtbot: Any) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.licences_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.licences is not None and dialog.licences.isVisible())
    assert dialog.licences is not None
    shown = dialog.licences.text.toPlainText()
    assert "THIRD-PARTY-NOTICES.txt" in shown and "make package" in shown
