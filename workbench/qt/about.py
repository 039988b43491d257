"""Help ▸ About: the versions that matter in a bug report, copyable in one click, and the
third-party licences (Licences…).

QtWebEngine is imported here, when the box opens, never at start-up (it costs ~150 ms).
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.qt.licences import LicencesDialog

# Reported in About; the PyInstaller specs bundle their metadata so the frozen app knows them.
LIBRARIES = ("httpx", "keyring", "aiohttp", "qasync", "pydantic", "PyYAML", "truststore",
             "cryptography")
COPY_LABEL = "Copy for a bug report"


def version_report(keychain: str | None = None) -> str:
    """Plain text for a bug report: app and how it is installed, Python, Qt, QtWebEngine,
    platform, where secrets go (`keychain`, else keyring's choice) and library versions."""
    lines = [
        f"Connection Workbench {__version__}",
        f"Build: {build_kind()}",
        f"Python {sys.version.split()[0]} ({platform.python_implementation()})",
        f"Qt {qVersion()}, PySide6 {pyside_version}, platform plugin {_platform_plugin()}",
        _webengine_line(),
        f"Platform: {platform.platform()}",
        f"Keychain: {keychain or _keychain_backend()}",
    ]
    for name in LIBRARIES:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    return "\n".join(lines)


def build_kind() -> str:
    """A frozen PyInstaller bundle (and where), or the Python package (and where)."""
    if getattr(sys, "frozen", False):
        where = Path(getattr(sys, "_MEIPASS", sys.executable)).parent
        return f"desktop bundle (PyInstaller) in {_home_relative(where)}"
    package = Path(__file__).resolve().parents[1]
    kind = "installed package" if "site-packages" in package.parts else "source checkout"
    return f"{kind} in {_home_relative(package.parent)}"


def _home_relative(path: Path) -> str:
    """The path with the home folder as ~ (a user name does not belong in a bug report)."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except (ValueError, RuntimeError):
        return str(path)


def _platform_plugin() -> str:
    app = QGuiApplication.instance()
    return QGuiApplication.platformName() if app is not None else "(no application)"


def _webengine_line() -> str:
    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion, qWebEngineVersion
    except ImportError as error:  # a broken install: exactly what a bug report should say
        return f"QtWebEngine unavailable ({error})"
    # str at run time; the stubs say bytes
    qt, chromium = (v.decode() if isinstance(v, bytes) else str(v)
                    for v in (qWebEngineVersion(), qWebEngineChromiumVersion()))
    return f"QtWebEngine {qt}, Chromium {chromium}"


def _keychain_backend() -> str:
    try:
        import keyring

        return str(keyring.get_keyring().name)
    except Exception as error:  # a keyringrc naming a backend that cannot load
        return f"unavailable ({type(error).__name__})"


def _keychain_in_use(window: QWidget) -> str | None:
    """Where the main window's session keeps secrets: keyring's backend, or memory after a
    fallback (what a "my secrets are not saved" report needs); None before it is built."""
    session = getattr(window, "session", None)
    secrets = getattr(getattr(session, "values", None), "secrets", None)
    name = getattr(secrets, "backend_name", None)
    return name if isinstance(name, str) else None


class AboutDialog(QDialog):
    """The app's name, what it is for, and the version report with a Copy button."""

    def __init__(self, parent: QWidget | None = None, keychain: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About Connection Workbench")
        self.report = version_report(keychain)

        icon = QLabel()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication) and not app.windowIcon().isNull():
            icon.setPixmap(app.windowIcon().pixmap(64, 64))
        title = QLabel(f"<b style='font-size:15pt'>Connection Workbench</b><br>"
                       f"Version {__version__}<br>Why won't this connection authenticate?")
        title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(title, 1)

        self.details = QLabel(self.report)
        self.details.setObjectName("versionReport")
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setFrameShape(QFrame.Shape.StyledPanel)
        self.details.setBackgroundRole(QPalette.ColorRole.Base)
        self.details.setAutoFillBackground(True)
        self.details.setMargin(8)

        self.copy_button = QPushButton(COPY_LABEL)
        self.copy_button.setObjectName("copyButton")
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        self.licences_button = QPushButton("Licences…")
        self.licences_button.setObjectName("licencesButton")
        self.licences_button.clicked.connect(self._on_licences_button_clicked)
        self.licences: LicencesDialog | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.licences_button, QDialogButtonBox.ButtonRole.HelpRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(QLabel("For a bug report:"))
        layout.addWidget(self.details)
        layout.addWidget(buttons)

    def _on_licences_button_clicked(self) -> None:
        if self.licences is None:
            self.licences = LicencesDialog(self)
        self.licences.show()
        self.licences.raise_()

    def _on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied ✓")
        QTimer.singleShot(1500, self, lambda: self.copy_button.setText(COPY_LABEL))


def show_about(parent: QWidget) -> AboutDialog:
    """Open the About box (window-modal, without blocking the event loop) and return it."""
    dialog = AboutDialog(parent, _keychain_in_use(parent))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
