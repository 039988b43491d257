"""Log in on another device (RFC 8628): the user code, where to enter it, and a QR code."""

from __future__ import annotations

import io
import time
from html import escape
from urllib.parse import urlsplit

import segno
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.auth.device import DeviceAuthorization


class DeviceDialog(QDialog):
    """Shows one device authorization until it is confirmed, declined, expired or cancelled."""

    sig_cancel_requested = Signal()
    """The user gave up waiting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in on another device")
        self._expires_at = 0.0
        self.code = QLabel()
        self.code.setObjectName("deviceUserCode")
        font = QFont(self.code.font())
        font.setPointSizeF(font.pointSizeF() * 2.2)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 3)
        self.code.setFont(font)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel()
        self.where.setObjectName("deviceWhere")
        self.where.setWordWrap(True)
        self.where.setOpenExternalLinks(True)
        self.qr = QLabel()
        self.qr.setObjectName("deviceQr")
        self.status = QLabel("Waiting for the confirmation…")
        self.status.setObjectName("deviceStatus")
        copy = QPushButton("Copy code")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.code.text()))
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.sig_cancel_requested)
        cancel.clicked.connect(self.reject)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._on_tick_timeout)

        text = QVBoxLayout()
        text.addWidget(QLabel("Enter this code on the provider's page:"))
        text.addWidget(self.code)
        text.addWidget(self.where)
        text.addStretch(1)
        text.addWidget(self.status)
        top = QHBoxLayout()
        top.addLayout(text, 1)
        top.addWidget(self.qr)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(copy)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)

    def show_device(self, device: DeviceAuthorization) -> None:
        """Present the code and the link (as text and as a QR code) and start the countdown."""
        link = device.verification_uri_complete or device.verification_uri
        self.code.setText(device.user_code)
        self.where.setText(f"Open {_link(device.verification_uri)} on any device, or scan the "
                           "code to open the link with the code filled in.")
        self.qr.setPixmap(_qr_pixmap(link))
        self.qr.setToolTip(link)
        self._expires_at = device.expires_at
        self._on_tick_timeout()
        self._tick.start()
        self.show()

    def _on_tick_timeout(self) -> None:
        left = int(self._expires_at - time.time())
        if left <= 0:
            self.status.setText("The code has expired.")
            self._tick.stop()
            return
        self.status.setText(f"Waiting for the confirmation… (the code expires in "
                            f"{left // 60}:{left % 60:02d})")


def _link(uri: str) -> str:
    """The provider's URI as rich text that shows it as written: escaped, and a link only to a
    web page (it is the provider's text, not ours)."""
    shown = escape(uri)
    if urlsplit(uri).scheme.lower() not in ("http", "https"):
        return shown
    return f'<a href="{escape(uri, quote=True)}">{shown}</a>'


def _qr_pixmap(text: str) -> QPixmap:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=5, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(buffer.getvalue(), "PNG")
    return pixmap
