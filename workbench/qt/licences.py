"""Help ▸ About ▸ Licences: the third-party notice the installer build writes into the bundle
(packaging/notice_text.py), read-only, with where the file is."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

NOTICE_NAME = "THIRD-PARTY-NOTICES.txt"  # packaging/notice_text.py writes it under this name
FROM_SOURCE = (
    "This copy runs from source, not from an installer, so it has no collected licence "
    "notice.\n\nThe installers carry THIRD-PARTY-NOTICES.txt, written when they are built "
    "(make package): every bundled library with its licence text, Qt's and Chromium's, and "
    "the offer of the source code of the LGPL parts.\n\nFrom source, each library's licence "
    "is in its installed metadata (pip show -f NAME lists the files).")


def notice_path() -> Path | None:
    """THIRD-PARTY-NOTICES.txt of the running bundle, or None (a source checkout)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return None
    path = Path(bundle) / NOTICE_NAME
    return path if path.is_file() else None


class LicencesDialog(QDialog):
    """The notice in a read-only monospaced view; its path above it, to find the file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("licencesDialog")
        self.setWindowTitle("Third-party licences")
        path = notice_path()
        self.where = QLabel(str(path) if path else "Running from source")
        self.where.setObjectName("noticePath")
        self.text = QPlainTextEdit()
        self.text.setObjectName("noticeText")
        self.text.setReadOnly(True)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlainText(_read(path) if path else FROM_SOURCE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(820, 600)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:  # a damaged install: say so, don't crash
        return f"The licence notice {path} cannot be read ({error})."
