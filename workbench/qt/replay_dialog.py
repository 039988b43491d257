"""Replay one captured request through the app's transport, with the user's own credentials.

The request opens redacted: every `[redacted]` must be replaced (or its header removed)
before Send is enabled. The captured credentials come back only through "Use captured
credentials…", which asks first, because they are the customer's and go to the server.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import InputError
from workbench.core.events import Event, EventLog
from workbench.core.network_settings import TransportSettings
from workbench.core.replay import ReplayRequest, replay
from workbench.qt.aio import spawn
from workbench.qt.theme import accent
from workbench.qt.verdict_banner import VerdictBanner

CapturedSource = Callable[[], Event | None]


class ReplayDialog(QDialog):
    """Edit a captured request, put your credentials in, send it once, see the verdict."""

    sig_replayed = Signal(object)
    """A replay finished; the ReplayResult."""

    def __init__(self, event: Event, log: EventLog, settings: Callable[[], TransportSettings],
                 captured: CapturedSource | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayDialog")
        self.setWindowTitle("Replay request")
        self._log, self._settings, self._captured = log, settings, captured
        request = ReplayRequest.from_event(event)
        self.method = QLineEdit(request.method)
        self.method.setObjectName("replayMethod")
        self.method.setMaximumWidth(self.fontMetrics().horizontalAdvance("OPTIONS") + 24)
        self.url = QLineEdit(request.url)
        self.url.setObjectName("replayUrl")
        self.headers = QTableWidget(0, 2)
        self.headers.setObjectName("replayHeaders")
        self.headers.setHorizontalHeaderLabels(["Header", "Value"])
        self.headers.verticalHeader().hide()
        self.headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.headers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.body = QPlainTextEdit(request.body)
        self.body.setObjectName("replayBody")
        self.left = QLabel()
        self.left.setObjectName("replayLeft")
        self.left.setWordWrap(True)
        self.banner = VerdictBanner()
        add = QPushButton("Add header")
        remove = QPushButton("Remove header")
        remove.setObjectName("removeHeader")
        self.use_captured = QPushButton("Use captured credentials…")
        self.use_captured.setObjectName("useCaptured")
        self.use_captured.setEnabled(captured is not None)
        self.use_captured.setToolTip("Reveal the credentials the capture holds and put them "
                                     "in the request (asks first)")
        self.send = QPushButton("Send")
        self.send.setObjectName("sendReplay")
        self.send.setDefault(True)
        close = QPushButton("Close")

        line = QHBoxLayout()
        line.addWidget(self.method)
        line.addWidget(self.url, 1)
        buttons = QHBoxLayout()
        for button in (add, remove, self.use_captured):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.send)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Replace every [redacted] with your own credentials, or "
                                "remove its header. Redirects are not followed."))
        layout.addLayout(line)
        layout.addWidget(self.headers, 2)
        layout.addWidget(QLabel("Body"))
        layout.addWidget(self.body, 1)
        layout.addWidget(self.left)
        layout.addWidget(self.banner)
        layout.addLayout(buttons)

        self._fill_headers(request.headers)
        for signal in (self.url.textChanged, self.method.textChanged, self.body.textChanged,
                       self.headers.itemChanged):
            signal.connect(self._update_left)
        add.clicked.connect(self._on_add_clicked)
        remove.clicked.connect(self._on_remove_clicked)
        self.use_captured.clicked.connect(self._on_use_captured_clicked)
        self.send.clicked.connect(self._on_send_clicked)
        close.clicked.connect(self.reject)
        self.resize(820, 600)
        self._update_left()

    def request(self) -> ReplayRequest:
        """The request as the user has edited it."""
        headers = []
        for row in range(self.headers.rowCount()):
            name, value = self.headers.item(row, 0), self.headers.item(row, 1)
            if name is not None and name.text().strip():
                headers.append((name.text().strip(), value.text() if value else ""))
        return ReplayRequest(self.method.text().strip().upper() or "GET", self.url.text().strip(),
                             headers, self.body.toPlainText())

    def set_header(self, name: str, value: str) -> None:
        """Set (or add) header `name` to `value`."""
        for row in range(self.headers.rowCount()):
            item = self.headers.item(row, 0)
            if item is not None and item.text().lower() == name.lower():
                self.headers.setItem(row, 1, QTableWidgetItem(value))
                return
        self._append_header(name, value)

    def remove_header(self, name: str) -> None:
        for row in reversed(range(self.headers.rowCount())):
            item = self.headers.item(row, 0)
            if item is not None and item.text().lower() == name.lower():
                self.headers.removeRow(row)
        self._update_left()

    # -- slots -----------------------------------------------------------------------------

    def _on_add_clicked(self) -> None:
        self._append_header("", "")
        item = self.headers.item(self.headers.rowCount() - 1, 0)
        if item is not None:
            self.headers.editItem(item)

    def _on_remove_clicked(self) -> None:
        for row in sorted({i.row() for i in self.headers.selectedIndexes()}, reverse=True):
            self.headers.removeRow(row)
        self._update_left()

    def _on_use_captured_clicked(self) -> None:
        host = self.url.text().split("/")[2] if self.url.text().count("/") >= 2 else "the server"
        answer = QMessageBox.warning(
            self, "Use the captured credentials?",
            "This shows the credentials the capture holds (the customer's tokens, cookies, "
            f"keys) and sends them to {host}.\n\nDo this only with the customer's consent.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Yes:
            self.use_captured_now()

    def use_captured_now(self) -> bool:
        """Put the captured request back, unredacted (no confirmation: callers ask first)."""
        original = self._captured() if self._captured is not None else None
        if original is None:
            self.banner.show_message("The captured request could not be read again (the file "
                                     "moved or changed since it was opened).", "fail")
            return False
        request = ReplayRequest.from_event(original)
        self.url.setText(request.url)
        self.body.setPlainText(request.body)
        self._fill_headers(request.headers)
        self.banner.show_message("Captured credentials shown: they are the customer's.", "warn")
        return True

    def _on_send_clicked(self) -> None:
        self.send.setEnabled(False)
        self.banner.show_busy("Sending…")
        spawn(self._send(self.request()))

    async def _send(self, request: ReplayRequest) -> None:
        try:
            result = await replay(request, self._log, self._settings())
        except InputError as exc:
            self.banner.show_message(str(exc), "fail")
        else:
            self.banner.show_verdict(result.verdict)
            self.sig_replayed.emit(result)
        finally:
            self._update_left()

    # -- internals -------------------------------------------------------------------------

    def _fill_headers(self, headers: list[tuple[str, str]]) -> None:
        self.headers.blockSignals(True)
        self.headers.setRowCount(0)
        for name, value in headers:
            self._append_header(name, value)
        self.headers.blockSignals(False)
        self._update_left()

    def _append_header(self, name: str, value: str) -> None:
        row = self.headers.rowCount()
        self.headers.insertRow(row)
        self.headers.setItem(row, 0, QTableWidgetItem(name))
        self.headers.setItem(row, 1, QTableWidgetItem(value))

    def _update_left(self, *_args: object) -> None:
        left = self.request().still_redacted()
        self.send.setEnabled(not left and bool(self.url.text().strip()))
        if left:
            self.left.setText(f"Still [redacted]: {', '.join(left)}.")
            self.left.setStyleSheet(f"color: {accent('fail')}")
        else:
            self.left.setText("Ready to send.")
            self.left.setStyleSheet(f"color: {accent('muted')}")

