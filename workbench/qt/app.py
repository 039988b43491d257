"""Start the desktop app: environment, QApplication, theme, qasync loop, main window.

Nothing heavy is imported at module level: `workbench gui --smoke` measures this path, and
QtWebEngine in particular is imported only when a browser flow starts.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

ORGANIZATION = "Connection Workbench"
APPLICATION = "workbench"
RESOURCES_ENV = "WORKBENCH_RESOURCES"


def prepare_environment() -> None:
    """Settings Qt reads before the QApplication exists."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium (inside QtWebEngine) refuses to start its sandbox as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def resources_dir() -> Path:
    """Icons and styles: $WORKBENCH_RESOURCES, else the bundle's or the repo's resources/."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override).expanduser()
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icon.svg"))


def configure_application(app: QCoreApplication) -> None:
    """Names (for QSettings), INI settings everywhere (readable, no registry), style, icon."""
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    if isinstance(app, QApplication):
        from workbench.qt.preferences import Preferences
        from workbench.qt.theme import apply_theme

        app.setApplicationDisplayName("Connection Workbench")
        app.setDesktopFileName("connection-workbench")
        app.setWindowIcon(app_icon())
        apply_theme(app, Preferences().theme())
        if not app.property("followsColorScheme"):
            # Follow the desktop switching between light and dark, unless a theme is chosen.
            app.styleHints().colorSchemeChanged.connect(
                lambda _scheme: apply_theme(app, Preferences().theme()))
            app.setProperty("followsColorScheme", True)


def use_scratch_settings() -> tempfile.TemporaryDirectory[str]:
    """Point the app's settings at a throw-away copy of the user's, until the returned folder is
    cleaned up: a smoke run reads what a real launch reads but changes nothing (a virtual
    screen's window size, recent files). Call it before the first QSettings is made."""
    scratch = tempfile.TemporaryDirectory(prefix="workbench-smoke-")
    user = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)
    folder = Path(user.fileName()).parent  # …/Connection Workbench, the organization's folder
    if folder.is_dir():
        shutil.copytree(folder, Path(scratch.name) / folder.name, dirs_exist_ok=True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, scratch.name)
    return scratch


def run_gui(paths: Sequence[str] = (), *, smoke: bool = False) -> int:
    """Open the main window (and `paths`) and run until it closes. The frame paints first and
    the panes are built right after; with `smoke`, print both times and exit, leaving the
    user's settings as they were."""
    prepare_environment()
    scratch = use_scratch_settings() if smoke else None
    # QtWebEngine (the login browser, imported later) needs this before the app exists.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)

    from workbench.qt.main_window import MainWindow

    window = MainWindow(sandbox=False if smoke else None, deferred=True)

    def finish_startup() -> None:
        from workbench.qt.aio import install_loop  # asyncio and qasync: after the first paint

        install_loop(app)
        window.build()
        if paths:
            window.library.open_paths([Path(p) for p in paths])
        if smoke:
            print(f"ready after {_since_start_ms():.0f} ms", flush=True)
            QTimer.singleShot(0, QApplication.quit)

    window.installEventFilter(_FirstPaint(window, finish_startup, report=smoke))
    window.show()
    try:
        return app.exec()
    finally:
        if scratch is not None:
            scratch.cleanup()


class _FirstPaint(QObject):
    """Runs `then` once the window has painted for the first time (and may say when)."""

    def __init__(self, window: QObject, then: Callable[[], None], *, report: bool) -> None:
        super().__init__(window)
        self._then = then
        self._report = report

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            if self._report:
                print(f"first paint after {_since_start_ms():.0f} ms", flush=True)
            QTimer.singleShot(0, self._then)
        return False


def _since_start_ms() -> float:
    return (time.time() - process_start_time()) * 1000


def process_start_time() -> float:
    """When this process started (epoch seconds); the interpreter's start as a fallback."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # starttime, in clock ticks since boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.time() - uptime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED_AT


_IMPORTED_AT = time.time()
