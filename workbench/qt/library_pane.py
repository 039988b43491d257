"""The left pane: the connector library with a search box, live reloads and a problems box.

The pane watches every file and folder of the library. Editors save in bursts (truncate and
write, or write a temp file and rename it over the original), so changes are collected for a
moment and handled once; a file replaced by a rename drops out of the watcher and is re-added.

Files load on a worker thread (LibraryLoader): the pane lists a file at once, waits a moment
for quick loads, and fills in the rest as they finish, so no file freezes the window. A file
that the app was loading when it died last time is not reopened on its own (core.load_marker).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QFileSystemWatcher,
    QMimeData,
    QModelIndex,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from workbench.core.config.loader import CONNECTOR_SUFFIXES, bundled_connectors_dir
from workbench.core.errors import ConfigError, ConfigProblem
from workbench.core.library import ConnectorLibrary, Content, LibraryEntry
from workbench.core.load_marker import left_behind
from workbench.qt.library_loader import LibraryLoader
from workbench.qt.library_model import LibraryDelegate, LibraryFilter, LibraryModel

RECENT_KEY = "library/recent"
OPENED_KEY = "library/opened"
MAX_RECENT = 10
DEBOUNCE_MS = 200
# How long opening waits for loads to finish (painting meanwhile) before it lists the rest as
# loading: long enough for any normal file on a busy machine, short enough to not feel stuck.
OPEN_WAIT_MS = 2000
RESTORE_WAIT_MS = 1000
SETTLE_MS = 30  # results arriving together are shown together
NOT_REOPENED = ("not reopened: Connection Workbench stopped while loading this file last time "
                "(it may be what made it crash or hang); open it again to try once more")


class LibraryPane(QWidget):
    """Lists bundled and opened connectors; picking one emits `sig_connector_selected`."""

    sig_connector_selected = Signal(object)
    """The user picked a connector, loaded or broken (LibraryEntry)."""
    sig_connector_reloaded = Signal(object)
    """A connector file changed on disk and was read again (the new LibraryEntry)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = ConnectorLibrary(deferred=True)
        marker_folder = Path(QSettings().fileName()).parent
        self._left_behind = left_behind(marker_folder)  # what a crash or a kill left
        self._not_reopened: set[Path] = set()  # listed as such until opened or changed
        self._loader = LibraryLoader(marker_folder, parent=self)
        self._arrived: list[tuple[Path, Content | ConfigError]] = []
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._selected: Path | None = None  # kept while a search hides the row
        self._quiet = False  # set while models change, so only the user's picks are emitted
        self._model = LibraryModel(self)
        self._proxy = LibraryFilter(self)
        self._proxy.setSourceModel(self._model)
        self._watcher = QFileSystemWatcher(self)
        self._changed: set[Path] = set()
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)

        self.search = QLineEdit(self, placeholderText="Search connectors")
        self.search.setClearButtonEnabled(True)
        self.search.setAcceptDrops(False)  # a dropped file opens, it is not search text
        self.search.installEventFilter(self)
        self.view = QTreeView(self)
        self.view.setModel(self._proxy)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setIndentation(12)
        self.view.setItemDelegate(LibraryDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems = QPlainTextEdit(self, readOnly=True)
        self.problems.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.problems.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.problems.setPlaceholderText("Problems in the selected connector")
        self.problems.hide()
        splitter = QSplitter(Qt.Orientation.Vertical, self, childrenCollapsible=False)
        splitter.addWidget(self.view)
        splitter.addWidget(self.problems)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(splitter)
        self.setAcceptDrops(True)

        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self._proxy.rowsInserted.connect(self._on_proxy_rows_inserted)
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._loader.sig_loaded.connect(self._on_loader_loaded)
        self._loader.sig_overdue.connect(self._on_loader_overdue)
        self._settle.timeout.connect(self._on_settle_timeout)

    def load_bundled(self, folder: Path | None = None) -> None:
        """Add the shipped connectors (or those in `folder`)."""
        self._library.add_folder(folder or bundled_connectors_dir(), "bundled")
        self._load_queued(OPEN_WAIT_MS)

    def restore_opened(self) -> None:
        """Reopen what was opened last time (files and folders that still exist). A file that
        is slow to load is listed as loading; start-up does not wait for it."""
        for path in _read_paths(OPENED_KEY):
            if path.exists():
                self._library.add(path, "opened")
        self._load_queued(RESTORE_WAIT_MS)
        self._save_opened()

    def open_paths(self, paths: list[Path]) -> list[LibraryEntry]:
        """Open connector files or folders (File ▸ Open, a drop, the command line) and select
        the first connector opened. A file not reopened after a crash is tried again."""
        opened = [entry for path in paths for entry in self._library.add(path, "opened")]
        for entry in opened:
            if entry.path in self._not_reopened:
                self._library.reload(entry.path)
        self._load_queued(OPEN_WAIT_MS)
        self._save_opened()
        existing = [Path(os.path.abspath(Path(p).expanduser())) for p in paths if Path(p).exists()]
        _write_paths(RECENT_KEY, [*existing, *self.recent_paths()], MAX_RECENT)
        if opened:
            self.select_path(opened[0].path)
        return [self._library.get(e.path) or e for e in opened]

    def loading(self) -> bool:
        """Whether some files are still being loaded."""
        return self._loader.busy() or bool(self._arrived)

    def remove_path(self, path: Path) -> None:
        """Take an opened folder or file out of the library (and out of the next session)."""
        self._library.remove(path)
        self._refresh()
        self._save_opened()

    def recent_paths(self) -> list[Path]:
        """Files and folders opened lately, most recent first; ones gone from disk dropped."""
        recent = dict.fromkeys(p for p in _read_paths(RECENT_KEY) if p.exists())
        return list(recent)[:MAX_RECENT]

    def entries(self) -> list[LibraryEntry]:
        return self._library.entries()

    def selected_entry(self) -> LibraryEntry | None:
        """The connector last picked, as currently loaded (kept while a search hides it)."""
        return self._library.get(self._selected) if self._selected else None

    def select_path(self, path: Path) -> bool:
        """Select the connector of file `path` (clearing a search that hides it)."""
        entry = self._library.get(path)
        if entry is None:
            return False
        index = self._proxy.mapFromSource(self._model.index_of(entry.path))
        if not index.isValid():
            self.search.clear()
            index = self._proxy.mapFromSource(self._model.index_of(entry.path))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        return True

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._model.restyle()
        super().changeEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and isinstance(event, QKeyEvent):
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
                self.view.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                had_text = bool(self.search.text())
                self.search.clear()
                return had_text  # an empty box lets Escape through (to close a dialog)
        return super().eventFilter(watched, event)

    def _on_search_text_changed(self, text: str) -> None:
        self._quiet = True
        try:
            self._proxy.set_text(text)
        finally:
            self._quiet = False
        self.view.expandAll()  # a match is never hidden inside a closed group
        self._sync_view()

    def _on_search_return_pressed(self) -> None:
        """Enter in the search box picks the first match."""
        for row in range(self._proxy.rowCount()):
            group = self._proxy.index(row, 0)
            if self._proxy.rowCount(group):
                self.view.setCurrentIndex(self._proxy.index(0, 0, group))
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def _on_proxy_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        for row in range(first, last + 1):  # a group that (re)appears opens
            self.view.expand(self._proxy.index(row, 0))

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self._model.entry(current)
        if self._quiet or entry is None:
            return
        self._selected = entry.path
        self._show_problems(entry)
        self.sig_connector_selected.emit(entry)

    def _on_watcher_changed(self, path: str) -> None:
        self._changed.add(Path(path))
        self._debounce.start()

    def _on_debounce_timeout(self) -> None:
        changed, self._changed = self._changed, set()
        before = {e.path for e in self._library.entries()}
        self._library.rescan()
        # A file saved by rename, or deleted and written again, is no longer watched: re-read it.
        watched = set(self._watcher.files())
        stale = {p for p in self._library.files() if str(p) not in watched}
        for path in sorted((changed | stale) & before):
            if self._library.get(path) is not None:
                self._library.reload(path)  # the new content is shown when it has loaded
        self._load_queued(0)

    def _load_queued(self, wait_ms: int) -> None:
        """Hand the library's queued files to the loader (listing those not reopened after a
        crash as such), show the library, and wait up to `wait_ms` for the loads."""
        queued = self._library.take_queued()
        for path in [p for p in queued if p in self._left_behind]:
            queued.remove(path)
            self._left_behind.discard(path)
            self._not_reopened.add(path)
            self._library.settle(path, ConfigError([ConfigProblem(str(path), 0, 0, "",
                                                                  NOT_REOPENED)]))
        self._not_reopened.difference_update(queued)
        self._loader.submit(queued)
        self._refresh()
        self._loader.wait(queued, wait_ms)
        self._on_settle_timeout()  # what arrived while waiting shows now, not a moment later

    def _on_loader_loaded(self, path: Path, result: Content | ConfigError) -> None:
        self._arrived.append((path, result))
        if not self._settle.isActive():
            self._settle.start()

    def _on_loader_overdue(self, path: Path) -> None:
        entry = self._library.get(path)
        if entry is None or not entry.pending:
            return  # a reload taking long: the entry keeps its last good content meanwhile
        seconds = f"{self._loader.budget_s:.0f}"
        message = (f"still loading after {seconds} s; gave up waiting (is the file huge or "
                   "hostile?). It is listed here if it ever finishes.")
        self._arrived.append((path, ConfigError([ConfigProblem(str(path), 0, 0, "", message)])))
        self._on_settle_timeout()

    def _on_settle_timeout(self) -> None:
        """Show every result that arrived: first loads of the picked connector pick it anew,
        changed files are announced as reloaded."""
        self._settle.stop()
        arrived, self._arrived = self._arrived, []
        if not arrived:
            return
        picked, reloaded, settled = None, {}, {}
        for path, result in arrived:
            before = self._library.get(path)
            entry = self._library.settle(path, result)
            if entry is None or before is None:
                continue
            settled[path] = entry
            if before.pending and path == self._selected:
                picked = entry
            elif not before.pending and not entry.same_content(before):
                reloaded[path] = entry
        self._quiet = True
        try:
            self._model.update(settled.values())  # only these rows: a folder may hold 10,000
        finally:
            self._quiet = False
        self._sync_view()
        if picked is not None:
            self.sig_connector_selected.emit(picked)
        for entry in reloaded.values():
            self.sig_connector_reloaded.emit(entry)

    def _refresh(self) -> None:
        """Show the library as it is now and watch all of it."""
        self._quiet = True
        try:
            self._model.set_entries(self._library.entries())
        finally:
            self._quiet = False
        self._sync_view()
        self._watch()

    def _sync_view(self) -> None:
        """Keep the picked connector selected (or nothing, while a search hides it)."""
        entry = self.selected_entry()
        index = self._proxy.mapFromSource(self._model.index_of(entry.path)) if entry else None
        self._quiet = True
        try:
            if index is not None and index.isValid():
                if self.view.currentIndex() != index:
                    self.view.setCurrentIndex(index)
            else:
                self.view.selectionModel().clear()
        finally:
            self._quiet = False
        self._show_problems(entry)

    def _show_problems(self, entry: LibraryEntry | None) -> None:
        if entry is None or entry.ok:
            self.problems.clear()
            self.problems.hide()
            return
        if self.problems.toPlainText() != str(entry.error):
            self.problems.setPlainText(str(entry.error))
        self.problems.show()

    def _watch(self) -> None:
        # Parents of single files are watched too: it is how a deleted file's return is seen.
        singles = {p.parent for p in self._library.sources() if not p.is_dir()}
        paths = [*self._library.folders(), *singles, *self._library.files()]
        wanted = {str(p) for p in paths if p.exists()}
        watched = set(self._watcher.files()) | set(self._watcher.directories())
        if watched - wanted:
            self._watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self._watcher.addPaths(sorted(wanted - watched))

    def _save_opened(self) -> None:
        _write_paths(OPENED_KEY, [p for p in self._library.sources("opened") if p.exists()])


def _dropped_paths(mime: QMimeData) -> list[Path]:
    """Local connector files and folders among the dropped URLs."""
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if p.is_dir() or p.suffix.lower() in CONNECTOR_SUFFIXES]


def _read_paths(key: str) -> list[Path]:
    value = QSettings().value(key, [])
    # INI settings hand back a one-item list as a plain string, and an empty one as None.
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [Path(str(item)) for item in items if item]


def _write_paths(key: str, paths: list[Path], limit: int | None = None) -> None:
    settings = QSettings()
    settings.setValue(key, [str(p) for p in dict.fromkeys(paths)][:limit])
    settings.sync()
