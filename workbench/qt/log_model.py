"""The event log as a Qt table: rows appended in batches, oldest dropped past the log's capacity.

The model never signals per event: the log's listener only queues, and a timer inserts the
queue with one beginInsertRows. Cells are formatted when painted (only visible rows are), and
each row keeps one lower-cased search string so filtering 100k rows stays one pass in Python.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor

from workbench.core.events import Event, EventKind, EventLog
from workbench.qt.theme import accent

COL_TIME, COL_KIND, COL_METHOD, COL_URL, COL_STATUS, COL_DURATION = range(6)
HEADERS = ("Time", "Kind", "Method", "URL", "Status", "Duration")
KINDS: tuple[EventKind, ...] = ("request", "token", "webhook", "note")
EVENT_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's Event object
FLUSH_INTERVAL_MS = 50
# Rows inserted per flush; a bigger queue is drained over several event-loop turns.
MAX_BATCH = 500  # rows per flush: keeps one flush well under a frame budget of ~20 ms

Index = QModelIndex | QPersistentModelIndex
_DISPLAY = Qt.ItemDataRole.DisplayRole
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class EventTableModel(QAbstractTableModel):
    """Rows of an EventLog: time, kind, method, URL (redacted), status and duration.

    The log must be appended on the GUI thread (qasync runs the core there).
    """

    def __init__(self, log: EventLog, parent: QObject | None = None,
                 flush_interval_ms: int = FLUSH_INTERVAL_MS) -> None:
        super().__init__(parent)
        self._log = log
        self._events: list[Event] = list(log)
        self.haystacks: list[str] = [self._haystack(e) for e in self._events]
        self._pending: list[Event] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(flush_interval_ms)
        self._timer.timeout.connect(self.flush)
        self._unsubscribe = log.subscribe(self._on_log_appended)
        self.destroyed.connect(self._unsubscribe)

    @property
    def events(self) -> list[Event]:
        """The shown events, oldest first (read-only by convention; the proxy reads it)."""
        return self._events

    def detach(self) -> None:
        """Stop following the log (also happens when the model is destroyed)."""
        self._unsubscribe()
        self._timer.stop()

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def clear(self) -> None:
        """Forget every row and everything queued (the log itself is not touched)."""
        self.beginResetModel()
        self._events.clear()
        self.haystacks.clear()
        self._pending.clear()
        self.endResetModel()

    def pending_count(self) -> int:
        return len(self._pending)

    def flush(self) -> None:
        """Insert queued events as one batch, first dropping rows the log no longer holds."""
        pending = self._pending
        keep = len(self._log)  # mirrors the deque's maxlen, and a clear() done behind our back
        if len(pending) > keep:
            del pending[: len(pending) - keep]
        excess = min(len(self._events), len(self._events) + len(pending) - keep)
        if excess > 0:
            self.beginRemoveRows(QModelIndex(), 0, excess - 1)
            del self._events[:excess]
            del self.haystacks[:excess]
            self.endRemoveRows()
        batch = pending[:MAX_BATCH]
        del pending[:MAX_BATCH]
        if batch:
            first = len(self._events)
            self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
            self._events.extend(batch)
            self.haystacks.extend(self._haystack(e) for e in batch)
            self.endInsertRows()
        if pending:
            self._timer.start(0)

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        event = self._events[index.row()]
        column = index.column()
        if role == _DISPLAY:
            return self._text(event, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (COL_URL, COL_STATUS):
            return self._text(event, column) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(event, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_DURATION:
            return _RIGHT
        if role == EVENT_ROLE:
            return event
        return None

    # -- internals -------------------------------------------------------------------------

    def _on_log_appended(self, event: Event) -> None:
        self._pending.append(event)
        if len(self._pending) == 1 and not self._timer.isActive():
            self._timer.start()

    def _text(self, event: Event, column: int) -> str:
        if column == COL_TIME:
            return time_text(event.time)
        if column == COL_KIND:
            return event.kind
        if column == COL_METHOD:
            return event.method
        if column == COL_URL:
            # Rendered at paint time, so secrets the redactor learns later are masked too.
            return self._log.redactor.url(event.url) if event.url else ""
        if column == COL_STATUS:
            return self._log.redactor.text(status_text(event))
        if column == COL_DURATION:
            return "" if event.duration_ms is None else f"{event.duration_ms:.0f} ms"
        return ""

    def _colour(self, event: Event, column: int) -> QColor | None:
        if column == COL_STATUS:
            meaning = status_meaning(event)
            return _accent_colour(meaning) if meaning else None
        if column in (COL_TIME, COL_DURATION):
            return _accent_colour("muted")
        return None

    def _haystack(self, event: Event) -> str:
        redactor = self._log.redactor
        fields = (event.method, redactor.url(event.url) if event.url else "",
                  redactor.text(status_text(event)), redactor.text(event.message),
                  event.flow, event.step)
        # Newlines keep a search from matching across two fields.
        return "\n".join(fields).casefold()


class EventFilterModel(QSortFilterProxyModel):
    """Rows whose URL, method, status, message, flow or step contain a text, of one kind."""

    def __init__(self, source: EventTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._events = source.events
        self._haystacks = source.haystacks
        self._needle = ""
        self._kind: str | None = None
        self.setSourceModel(source)

    def text(self) -> str:
        return self._needle

    def kind(self) -> str | None:
        return self._kind

    def set_text(self, text: str) -> None:
        """Case-insensitive substring filter; empty shows everything."""
        needle = text.strip().casefold()
        if needle != self._needle:
            self._change_filter(needle, self._kind)

    def set_kind(self, kind: str | None) -> None:
        """Show only events of `kind`; None shows all kinds."""
        if kind != self._kind:
            self._change_filter(self._needle, kind)

    def is_filtered(self) -> bool:
        return bool(self._needle or self._kind)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        # Called once per source row from C++: keep it to two list lookups.
        if self._kind is not None and self._events[source_row].kind != self._kind:
            return False
        return self._needle in self._haystacks[source_row]

    def _change_filter(self, needle: str, kind: str | None) -> None:
        # One layout change, not a rowsRemoved/rowsInserted pair per run of hidden rows:
        # a kind filter over 100k interleaved events would otherwise emit tens of thousands.
        self._needle, self._kind = needle, kind
        self.invalidate()


def time_text(epoch: float) -> str:
    """Local wall-clock time as HH:MM:SS.mmm."""
    millis = int(epoch * 1000) % 1000
    return f"{time.strftime('%H:%M:%S', time.localtime(epoch))}.{millis:03d}"


def status_text(event: Event) -> str:
    """Status code and reason; the error when there was no response; a note's message."""
    if event.kind == "note":
        return event.message
    if event.status is None:
        return event.error or "no response"
    return f"{event.status} {event.reason}".strip()


def status_meaning(event: Event) -> str | None:
    """The accent a status reads as: ok for 2xx, fail for 4xx/5xx and errors."""
    if event.kind == "note":
        return None
    if event.status is None or event.status >= 400:
        return "fail"
    return "ok" if 200 <= event.status < 300 else None


_COLOURS: dict[str, QColor] = {}


def _accent_colour(name: str) -> QColor:
    value = accent(name)
    colour = _COLOURS.get(value)
    if colour is None:
        colour = _COLOURS[value] = QColor(value)
    return colour
