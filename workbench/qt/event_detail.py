"""One event in full: summary, request and response headers and bodies, reveal, copy as curl.

Everything shown is redacted unless the user presses Reveal, which uncovers this one entry
only: showing another event (or the same one again later) hides the secrets again.
"""

from __future__ import annotations

import html
import json
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.core.curl import to_curl
from workbench.core.events import Event
from workbench.core.redaction import Redactor
from workbench.qt.json_highlighter import JsonHighlighter
from workbench.qt.log_model import status_meaning, time_text
from workbench.qt.network_view import NetworkView
from workbench.qt.theme import accent

# Past this size a body is shown without colours: highlighting runs in Python, line by line.
HIGHLIGHT_LIMIT = 200_000
_PAGE_EMPTY, _PAGE_EXCHANGE, _PAGE_NOTE = range(3)
_TAB_REQUEST, _TAB_RESPONSE, _TAB_NETWORK = range(3)


class EventDetail(QWidget):
    """Shows one Event, redacted unless revealed; `show_event(None)` shows a hint instead."""

    sig_curl_copied = Signal()
    """A curl command for the shown request was put on the clipboard."""

    def __init__(self, redactor: Redactor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._redactor = redactor
        self._event: Event | None = None

        self._title = _named(QLabel(), "summaryLabel")
        self._title.setTextFormat(Qt.TextFormat.RichText)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long summary is clipped rather than widening the whole pane.
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._url = _named(QLineEdit(), "urlField")
        self._url.setReadOnly(True)
        self._url.setFrame(False)
        self._error = _named(QLabel(), "errorLabel")
        self._error.setTextFormat(Qt.TextFormat.PlainText)
        self._error.setWordWrap(True)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._raw = _button("Raw", "rawButton", "Show bodies exactly as sent, not pretty-printed",
                            checkable=True)
        self._reveal = _button("Reveal", "revealButton",
                               "Show this entry's secrets (only this one, only for now)",
                               checkable=True)
        self._copy = _button("Copy as curl", "copyCurlButton",
                             "Copy the request as a curl command (redacted unless revealed)")

        self._request = _ExchangeSide()
        self._response = _ExchangeSide()
        self._tabs = _named(QTabWidget(), "exchangeTabs")
        self._tabs.setDocumentMode(True)
        self._tabs.addTab(self._request, "Request")
        self._tabs.addTab(self._response, "Response")
        self.network = NetworkView()
        self._tabs.addTab(self.network, "Network")
        self._note = _body_view("noteText")
        hint = QLabel("Select an event to see its details.", alignment=Qt.AlignmentFlag.AlignCenter)
        self._pages = QStackedWidget()
        for page in (hint, self._tabs, self._note):
            self._pages.addWidget(page)

        url_row = QHBoxLayout()
        url_row.addWidget(self._url, 1)
        for button in (self._raw, self._reveal, self._copy):
            url_row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._title)
        layout.addLayout(url_row)
        layout.addWidget(self._error)
        layout.addWidget(self._pages, 1)

        self._raw.toggled.connect(self._on_raw_toggled)
        self._reveal.toggled.connect(self._on_reveal_toggled)
        self._copy.clicked.connect(self._on_copy_clicked)
        self.show_event(None)

    def event_shown(self) -> Event | None:
        return self._event

    def is_revealed(self) -> bool:
        return self._reveal.isChecked()

    def show_event(self, event: Event | None) -> None:
        """Show `event` redacted; a different event always starts hidden again."""
        if event is self._event and event is not None:
            return
        self._event = event
        self._reveal.blockSignals(True)
        self._reveal.setChecked(False)
        self._reveal.blockSignals(False)
        if event is not None:
            self._tabs.setCurrentIndex(_TAB_RESPONSE if _has_response(event) and
                                       event.kind != "webhook" else _TAB_REQUEST)
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._request.refresh_colours()
            self._response.refresh_colours()
            self._render()
        super().changeEvent(event)

    # -- slots -----------------------------------------------------------------------------

    def _on_reveal_toggled(self, _checked: bool) -> None:
        self._render()

    def _on_raw_toggled(self, _checked: bool) -> None:
        self._render()

    def _on_copy_clicked(self) -> None:
        if self._event is None:
            return
        redactor = None if self.is_revealed() else self._redactor
        QGuiApplication.clipboard().setText(to_curl(self._event, redactor))
        self.sig_curl_copied.emit()

    # -- rendering -------------------------------------------------------------------------

    def _render(self) -> None:
        event = self._event
        is_http = event is not None and event.kind != "note" and bool(event.method)
        for button in (self._raw, self._reveal):
            button.setEnabled(event is not None)
        self._copy.setEnabled(is_http)
        self._reveal.setText("Hide" if self.is_revealed() else "Reveal")
        self._url.setEnabled(is_http)
        if event is None:
            self._title.setText("")
            self._url.clear()
            self._error.hide()
            self._pages.setCurrentIndex(_PAGE_EMPTY)
            return
        shown = event.render(None if self.is_revealed() else self._redactor)
        self._title.setText(self._summary(event, shown))
        self._url.setText(shown["url"] if is_http else "")
        self._url.setCursorPosition(0)
        error = shown["error"] or (shown["message"] if event.kind != "note" else "")
        self._error.setText(error)
        self._error.setStyleSheet(f"color: {accent('fail' if shown['error'] else 'muted')}")
        self._error.setVisible(bool(error))
        if event.kind == "note":
            self._note.setPlainText(shown["message"])
            self._pages.setCurrentIndex(_PAGE_NOTE)
            return
        raw = self._raw.isChecked()
        request, response = shown["request"], shown["response"] or {"headers": [], "body": ""}
        self._request.set_exchange(request["headers"], request["body"], raw=raw)
        self._response.set_exchange(response["headers"], response["body"], raw=raw)
        self._tabs.setTabText(_TAB_REQUEST, "Delivery" if event.kind == "webhook" else "Request")
        self._tabs.setTabEnabled(_TAB_RESPONSE, shown["response"] is not None)
        self.network.show_event(event)
        self._pages.setCurrentIndex(_PAGE_EXCHANGE)

    def _summary(self, event: Event, shown: dict[str, Any]) -> str:
        parts = [f"<b>{html.escape(shown['method'] or event.kind)}</b>"]
        if shown["response"] is not None:
            response = shown["response"]
            status = html.escape(f"{response['status']} {response['reason']}".strip())
            meaning = status_meaning(event)
            parts.append(f"<span style='color:{accent(meaning)}'>{status}</span>" if meaning
                         else status)
        elif event.kind != "note":
            parts.append(f"<span style='color:{accent('fail')}'>no response</span>")
        if shown["duration_ms"] is not None:
            parts.append(f"{shown['duration_ms']:.0f} ms")
        label = " / ".join(p for p in (event.flow, event.step) if p)
        if label:
            parts.append(html.escape(label))
        parts.append(f"<span style='color:{accent('muted')}'>{event.kind} · "
                     f"{time_text(event.time)}</span>")
        if self.is_revealed():
            parts.append(f"<span style='color:{accent('warn')}'><b>secrets shown</b></span>")
        return " &nbsp;·&nbsp; ".join(parts)


class _ExchangeSide(QSplitter):
    """One side of an exchange: a headers table above the body."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self._headers = _named(QTableWidget(0, 2), "headersTable")
        self._headers.setHorizontalHeaderLabels(["Header", "Value"])
        self._headers.verticalHeader().hide()
        self._headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)
        self._headers.horizontalHeader().setStretchLastSection(True)
        self._headers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._headers.setWordWrap(False)
        self._body = _body_view("bodyText")
        self._highlighter = JsonHighlighter(self)
        self.addWidget(self._headers)
        self.addWidget(self._body)
        self.setSizes([1, 3])  # proportions: the body gets most of the height

    def set_exchange(self, headers: list[list[str]], body: str, *, raw: bool) -> None:
        self._headers.setRowCount(len(headers))
        for row, (name, value) in enumerate(headers):
            self._headers.setItem(row, 0, QTableWidgetItem(name))
            self._headers.setItem(row, 1, QTableWidgetItem(value))
        pretty = None if raw else _pretty_json(body)
        colour = pretty is not None and len(pretty) <= HIGHLIGHT_LIMIT
        self._highlighter.setDocument(None)
        self._body.setPlainText(body if pretty is None else pretty)
        if colour:
            self._highlighter.setDocument(self._body.document())

    def refresh_colours(self) -> None:
        self._highlighter.refresh_colours()


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    """`widget` with an object name (what tests and style sheets find it by)."""
    widget.setObjectName(name)
    return widget


def _button(text: str, name: str, tip: str, *, checkable: bool = False) -> QPushButton:
    button = _named(QPushButton(text), name)
    button.setToolTip(tip)
    button.setCheckable(checkable)
    return button


def _body_view(name: str) -> QPlainTextEdit:
    view = _named(QPlainTextEdit(), name)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return view


def _pretty_json(text: str) -> str | None:
    """`text` indented if it is a JSON object or array, else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return None


def _has_response(event: Event) -> bool:
    return event.status is not None
