"""The log pane: every event of the session in a filterable table, one of them in detail.

Exports always go through the log's redactor: Reveal in the detail view is for the screen only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QDataStream,
    QIODevice,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench import __version__
from workbench.core.events import Event, EventLog
from workbench.core.har import write_har
from workbench.core.log_runs import run_around
from workbench.core.session_export import write_json_export
from workbench.qt.event_detail import EventDetail
from workbench.qt.log_model import (
    COL_DURATION,
    COL_KIND,
    COL_METHOD,
    COL_STATUS,
    COL_TIME,
    COL_URL,
    KINDS,
    EventFilterModel,
    EventTableModel,
)

# Typing pauses this long before the filter runs over (up to) 100k rows.
FILTER_DELAY_MS = 150
_STATE_VERSION = 1


class LogPane(QWidget):
    """The session's events: filter, table, detail; clear and redacted HAR/JSON export."""

    sig_exported = Signal(str)
    """An export was written to this path."""

    sig_compare_requested = Signal(list, list)
    """Compare two runs: the events of run A, then those of run B."""

    def __init__(self, log: EventLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self._model = EventTableModel(log, self)
        self._proxy = EventFilterModel(self._model, self)
        self._export_dir = str(Path.home())
        self._run_a: list[Event] = []  # "Use as run A" picked these, for "Compare with run A"

        self._filter = QLineEdit(placeholderText="Filter (Ctrl+L)", clearButtonEnabled=True)
        self._filter.setObjectName("filterEdit")
        self._filter.setToolTip("Show events whose URL, method, status, message, flow or step "
                                "contain this text (any case)")
        self._kind = QComboBox()
        self._kind.setObjectName("kindCombo")
        self._kind.addItem("All", None)
        for kind in KINDS:
            self._kind.addItem(kind, kind)
        self._count = QLabel()
        self._count.setObjectName("countLabel")
        clear = _button("Clear", "clearButton", self._on_clear_clicked)
        export_har = _button("Export HAR…", "exportHarButton", self.ask_export_har)
        export_json = _button("Export JSON…", "exportJsonButton", self.ask_export_json)
        for button in (export_har, export_json):
            button.setToolTip("Export every event in the log, with secrets redacted")
        self._filter_delay = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)

        self._table = self._make_table()
        self._detail = EventDetail(log.redactor)
        self._splitter = QSplitter(Qt.Orientation.Horizontal)
        self._splitter.setObjectName("logSplitter")
        self._splitter.addWidget(self._table)
        self._splitter.addWidget(self._detail)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)

        toolbar = QHBoxLayout()
        toolbar.addWidget(self._filter, 2)
        toolbar.addWidget(self._kind)
        toolbar.addWidget(self._count, 1)
        for button in (clear, export_har, export_json):
            toolbar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self._splitter, 1)

        self._filter.textChanged.connect(self._on_filter_text_changed)
        self._filter.returnPressed.connect(self._on_filter_delay_timeout)
        self._filter_delay.timeout.connect(self._on_filter_delay_timeout)
        self._kind.currentIndexChanged.connect(self._on_kind_index_changed)
        self._table.selectionModel().currentRowChanged.connect(self._on_selection_row_changed)
        self._table.customContextMenuRequested.connect(self._on_table_context_menu_requested)
        scrollbar = self._table.verticalScrollBar()
        self._follow = True  # the view sits at the bottom, so new rows scroll into view
        scrollbar.valueChanged.connect(self._on_scrollbar_value_changed)
        scrollbar.rangeChanged.connect(self._on_scrollbar_range_changed)
        for signal in (self._proxy.rowsInserted, self._proxy.rowsRemoved,
                       self._proxy.modelReset, self._proxy.layoutChanged):
            signal.connect(self._update_count)
        self._update_count()

    # -- public API ------------------------------------------------------------------------

    def model(self) -> EventTableModel:
        return self._model

    def proxy(self) -> EventFilterModel:
        return self._proxy

    def detail(self) -> EventDetail:
        return self._detail

    def splitter(self) -> QSplitter:
        return self._splitter

    def focus_filter(self) -> None:
        """Put the cursor in the filter, its text selected (the main window's Ctrl+L)."""
        self._filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._filter.selectAll()

    def clear(self) -> None:
        """Empty the log and the table."""
        self._log.clear()
        self._model.clear()
        self._detail.show_event(None)

    def select_event(self, event: Event) -> bool:
        """Select `event`'s row, scroll to it and show it in detail (a finding points here);
        a filter that hides it is cleared. False when the table does not hold it."""
        self._model.flush()
        row = next((n for n, e in enumerate(self._model.events) if e is event), None)
        if row is None:
            return False
        index = self._proxy.mapFromSource(self._model.index(row, 0))
        if not index.isValid():
            self._filter.clear()
            self._on_filter_delay_timeout()
            self._kind.setCurrentIndex(0)
            index = self._proxy.mapFromSource(self._model.index(row, 0))
        self._follow = False
        self._table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self._table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def selected_events(self) -> list[Event]:
        """The selected rows' events, oldest first."""
        rows = {self._proxy.mapToSource(i).row() for i in
                self._table.selectionModel().selectedRows()}
        return [self._model.event_at(r) for r in sorted(rows) if r >= 0]

    def select_run_around_current(self) -> int:
        """Select every event of the run the current row belongs to; returns how many."""
        current = self._proxy.mapToSource(self._table.currentIndex())
        if not current.isValid():
            return 0
        first, last = run_around(self._model.events, current.row())
        selection = QItemSelection()
        for row in range(first, last + 1):
            index = self._proxy.mapFromSource(self._model.index(row, 0))
            if index.isValid():
                selection.select(index, index)
        self._table.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        return last - first + 1

    def use_selection_as_run_a(self) -> int:
        """Remember the selected events as run A; returns how many."""
        self._run_a = self.selected_events()
        return len(self._run_a)

    def compare_selection_with_run_a(self) -> bool:
        """Ask to compare run A with the selected events (sig_compare_requested)."""
        run_b = self.selected_events()
        if not self._run_a or not run_b:
            return False
        self.sig_compare_requested.emit(list(self._run_a), run_b)
        return True

    def export_har(self, path: str | os.PathLike[str]) -> bool:
        """Write the log as HAR 1.2, redacted; a failure is shown, and nothing is lost."""
        return self._export(path, lambda target: write_har(
            target, self._log, self._log.redactor, __version__))

    def export_json(self, path: str | os.PathLike[str]) -> bool:
        """Write the log as the workbench's JSON session export, redacted."""
        return self._export(path, lambda target: write_json_export(
            target, self._log, self._log.redactor, __version__))

    def save_state(self) -> QByteArray:
        """Splitter sizes and column widths, for QSettings."""
        state = QByteArray()
        stream = QDataStream(state, QIODevice.OpenModeFlag.WriteOnly)
        stream.writeInt32(_STATE_VERSION)
        stream << self._splitter.saveState() << self._table.horizontalHeader().saveState()
        return state

    def restore_state(self, state: object) -> bool:
        """Undo `save_state`; False (and no change) if `state` is not from it."""
        if not isinstance(state, QByteArray | bytes):
            return False
        data = QByteArray(state)  # kept in a name: the stream must not outlive its buffer
        stream = QDataStream(data, QIODevice.OpenModeFlag.ReadOnly)
        if stream.readInt32() != _STATE_VERSION:
            return False
        splitter, header = QByteArray(), QByteArray()
        stream >> splitter >> header
        if stream.status() != QDataStream.Status.Ok:
            return False
        return self._splitter.restoreState(splitter) and \
            self._table.horizontalHeader().restoreState(header)

    # -- slots -----------------------------------------------------------------------------

    def _on_filter_text_changed(self, _text: str) -> None:
        self._filter_delay.start()

    def _on_filter_delay_timeout(self) -> None:
        self._filter_delay.stop()
        self._proxy.set_text(self._filter.text())

    def _on_kind_index_changed(self, _index: int) -> None:
        self._proxy.set_kind(self._kind.currentData())

    def _on_selection_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        source = self._proxy.mapToSource(current)
        self._detail.show_event(self._model.event_at(source.row()) if source.isValid() else None)

    def _on_scrollbar_value_changed(self, value: int) -> None:
        self._follow = value >= self._table.verticalScrollBar().maximum()

    def _on_scrollbar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._follow:
            self._table.verticalScrollBar().setValue(maximum)

    def _on_clear_clicked(self) -> None:
        self.clear()

    def _on_table_context_menu_requested(self, position: QPoint) -> None:
        self.context_menu().popup(self._table.viewport().mapToGlobal(position))

    def context_menu(self) -> QMenu:
        """The table's menu: pick two runs and compare them."""
        menu = QMenu(self)
        menu.setObjectName("logContextMenu")
        selected = len(self.selected_events())
        pick = menu.addAction("Select this run", self.select_run_around_current)
        pick.setEnabled(self._table.currentIndex().isValid())
        use = menu.addAction(f"Use {selected} selected as run A", self.use_selection_as_run_a)
        use.setEnabled(selected > 0)
        what = f"run A ({len(self._run_a)} events)" if self._run_a else "run A (pick it first)"
        compare = menu.addAction(f"Compare {selected} selected with {what}",
                                 self.compare_selection_with_run_a)
        compare.setEnabled(bool(self._run_a) and selected > 0)
        return menu

    def ask_export_har(self) -> None:
        path = self._ask_path("Export HAR", "har", "HAR files (*.har)")
        if path:
            self.export_har(path)

    def ask_export_json(self) -> None:
        path = self._ask_path("Export JSON", "json", "JSON files (*.json)")
        if path:
            self.export_json(path)

    # -- internals -------------------------------------------------------------------------

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setObjectName("eventTable")
        table.setModel(self._proxy)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows: "pick two runs" compares selections.
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setCornerButtonEnabled(False)
        rows = table.verticalHeader()
        rows.hide()
        # Fixed heights: nothing is measured per row, whatever the row count.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 6)
        columns = table.horizontalHeader()
        columns.setHighlightSections(False)
        # The URL takes whatever the other columns leave, so status and duration stay in view
        # at any pane width (a fixed URL width pushed duration behind a horizontal scrollbar).
        columns.setSectionResizeMode(COL_URL, QHeaderView.ResizeMode.Stretch)
        metrics = table.fontMetrics()
        pad = 24
        for column, sample in ((COL_TIME, "00:00:00.000"), (COL_KIND, "webhook"),
                               (COL_METHOD, "DELETE"), (COL_STATUS, "401 Unauthorized"),
                               (COL_DURATION, "99999 ms")):
            table.setColumnWidth(column, metrics.horizontalAdvance(sample) + pad)
        return table

    def _update_count(self) -> None:
        total = self._model.rowCount()
        noun = "event" if total == 1 else "events"
        shown = self._proxy.rowCount()
        text = f"{shown} of {total} {noun}" if self._proxy.is_filtered() else f"{total} {noun}"
        self._count.setText(text)

    def _ask_path(self, title: str, suffix: str, file_filter: str) -> str:
        suggested = os.path.join(self._export_dir, f"workbench-session.{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, title, suggested,
                                              f"{file_filter};;All files (*)")
        if path:
            self._export_dir = os.path.dirname(path)
        return path

    def _export(self, path: str | os.PathLike[str], write: Callable[[str], None]) -> bool:
        # Write beside the target and rename: a failed export never truncates an older file.
        target = os.fspath(path)
        partial = f"{target}.part"
        try:
            write(partial)
            os.replace(partial, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            QMessageBox.warning(self, "Export failed",
                                f"Could not write {target}:\n{exc.strerror or exc}\n\n"
                                "The log is unchanged; choose another location and try again.")
            return False
        self.sig_exported.emit(target)
        return True


def _button(text: str, name: str, on_click: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.clicked.connect(on_click)
    return button
