"""The app's webhook receiver: started with the app, its URL in the status bar with a copy
button. Deliveries land in the log as `webhook` events."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from workbench.core.events import EventLog
from workbench.core.webhooks import WebhookReceiver

PORT_KEY = "webhooks/port"  # 0: any free port
PUBLIC_URL_KEY = "webhooks/public_url"  # a tunnel (ngrok, cloudflared) in front of the receiver


class WebhookControl(QWidget):
    """Runs the receiver on the app's loop and shows where it listens."""

    sig_state_changed = Signal(str)
    """The URL webhooks should be sent to now, or "" when the receiver is not running."""

    def __init__(self, log: EventLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.receiver = WebhookReceiver(log)
        self.label = QLabel("Webhooks: off")
        self.label.setObjectName("webhookStatus")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setObjectName("copyWebhookUrl")
        self.copy.setToolTip("Copy the URL platforms should send webhooks to")
        self.copy.setEnabled(False)
        self.copy.clicked.connect(self._on_copy_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.copy)

    @property
    def webhook_url(self) -> str:
        """Where to point a platform: the public URL when one is set, else the local one."""
        public = str(QSettings().value(PUBLIC_URL_KEY, "") or "").strip()
        return public or self.receiver.url

    def listening_on(self) -> tuple[int, str]:
        """The saved port and public URL: a change means the receiver should restart."""
        settings = QSettings()
        return (int(str(settings.value(PORT_KEY, 0) or 0)),
                str(settings.value(PUBLIC_URL_KEY, "") or ""))

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def start(self) -> None:
        port = int(str(QSettings().value(PORT_KEY, 0) or 0))
        try:
            await self.receiver.start(port)
        except OSError as exc:
            self.label.setText(f"Webhooks: port {port} unavailable ({exc.strerror})")
            self.sig_state_changed.emit("")
            return
        shown = self.webhook_url
        local = "" if shown == self.receiver.url else f" → {self.receiver.url}"
        self.label.setText(f"Webhooks: {shown}{local}")
        self.copy.setEnabled(True)
        self.sig_state_changed.emit(shown)

    async def stop(self) -> None:
        await self.receiver.close()
        if not shiboken6.isValid(self.label):
            return  # the window closed and took this widget with it
        self.label.setText("Webhooks: off")
        self.copy.setEnabled(False)
        self.sig_state_changed.emit("")

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.webhook_url)
