"""Help ▸ About: the versions that matter in a bug report, copyable in one click."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from workbench import __version__

_LIBRARIES = ("httpx", "keyring", "aiohttp", "qasync", "pydantic", "PyYAML", "truststore")


def version_report() -> str:
    """Plain text for a bug report: app, Python, Qt and library versions, and the platform."""
    lines = [
        f"Connection Workbench {__version__}",
        f"Python {sys.version.split()[0]} ({platform.python_implementation()})",
        f"Qt {qVersion()}, PySide6 {pyside_version}",
        f"Platform: {platform.platform()}",
    ]
    for name in _LIBRARIES:
        try:
            lines.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    return "\n".join(lines)


def show_about(parent: QWidget) -> None:
    report = version_report()
    box = QMessageBox(parent)
    box.setWindowTitle("About Connection Workbench")
    box.setText("<b>Connection Workbench</b><br>Why won't this connection authenticate?")
    box.setInformativeText(report.replace("\n", "<br>"))
    copy = QPushButton("Copy for a bug report")
    box.addButton(copy, QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(report))
    box.exec()
