"""The connector library as an item model: entries grouped by where they came from.

Rows are updated in place (keyed by path), never rebuilt, so the view keeps its selection and
expanded groups across reloads; a proxy sorts and filters them for the search box.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)

from workbench.core.library import LibraryEntry
from workbench.qt.theme import accent

COL_NAME = 0
COL_AUTH = 1
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The LibraryEntry of a connector row (None on a group row)."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Text the proxy sorts by: groups by origin and folder, entries by name."""

_ICON_SIZE = 16
GroupKey = tuple[int, str, str]


class LibraryModel(QStandardItemModel):
    """Group rows (Bundled, Bundled ▸ sandbox, Opened ▸ folder) holding one row per connector."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Connector", "Auth"])
        self._groups: dict[GroupKey, QStandardItem] = {}
        self._rows: dict[Path, QStandardItem] = {}

    def set_entries(self, entries: Iterable[LibraryEntry]) -> None:
        """Show exactly `entries`: update known rows, add new ones, drop the rest."""
        wanted = {e.path: e for e in entries}
        for path in [p for p in self._rows if p not in wanted]:
            self._drop(path)
        for entry in wanted.values():
            item = self._rows.get(entry.path)
            if item is not None and item.data(ENTRY_ROLE).group_key != entry.group_key:
                self._drop(entry.path)
                item = None
            if item is None:
                self._add(entry)
            else:
                self._update(item.row(), item.parent(), entry)
        for key in [k for k, g in self._groups.items() if g.rowCount() == 0]:
            self.removeRow(self._groups.pop(key).row())

    def entry(self, index: QModelIndex) -> LibraryEntry | None:
        """The entry on `index`'s row (of this model or a proxy of it), None on a group row."""
        entry = index.siblingAtColumn(COL_NAME).data(ENTRY_ROLE)
        return entry if isinstance(entry, LibraryEntry) else None

    def index_of(self, path: Path) -> QModelIndex:
        """The name cell of the connector row for `path`; invalid if it is not shown."""
        item = self._rows.get(path)
        return item.index() if item is not None else QModelIndex()

    def restyle(self) -> None:
        """Recolour every row, after the palette (light/dark) changed."""
        for item in self._rows.values():
            self._update(item.row(), item.parent(), item.data(ENTRY_ROLE))

    def _add(self, entry: LibraryEntry) -> None:
        group = self._groups.get(entry.group_key)
        if group is None:
            group = self._group_item(entry)
            self._groups[entry.group_key] = group
            self.appendRow([group, _cell()])
        name = _cell()
        group.appendRow([name, _cell()])
        self._rows[entry.path] = name
        self._update(name.row(), group, entry)

    def _update(self, row: int, group: QStandardItem, entry: LibraryEntry) -> None:
        name, auth = group.child(row, COL_NAME), group.child(row, COL_AUTH)
        tip = _tooltip(entry)
        name.setData(entry, ENTRY_ROLE)
        name.setData(f"{entry.name.casefold()}\0{entry.path}", SORT_ROLE)
        name.setText(entry.name)
        name.setToolTip(tip)
        auth.setToolTip(tip)
        if entry.ok:
            name.setData(None, Qt.ItemDataRole.ForegroundRole)
            name.setIcon(_blank_icon())
            auth.setText(entry.auth_label)
            auth.setForeground(QBrush(QColor(accent("muted"))))
        else:
            count = len(entry.problems)
            name.setForeground(QBrush(QColor(accent("fail"))))
            name.setIcon(_error_icon())
            auth.setText(f"{count} problem{'s' if count != 1 else ''}")
            auth.setForeground(QBrush(QColor(accent("fail"))))

    def _drop(self, path: Path) -> None:
        item = self._rows.pop(path)
        parent = item.parent() or self.invisibleRootItem()
        parent.removeRow(item.row())

    def _group_item(self, entry: LibraryEntry) -> QStandardItem:
        group = _cell(entry.group_label)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = QFont(group.font())
        font.setBold(True)
        group.setFont(font)
        folder = entry.path.parent if entry.root is not None else None
        group.setToolTip(str(folder) if folder else "Files opened one by one")
        group.setData("\0".join(map(str, entry.group_key)), SORT_ROLE)
        return group


class LibraryFilter(QSortFilterProxyModel):
    """Sorts the library and keeps the connectors matching the search text (and their groups)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setRecursiveFilteringEnabled(True)
        self.setSortRole(SORT_ROLE)
        self.sort(COL_NAME, Qt.SortOrder.AscendingOrder)

    def set_text(self, text: str) -> None:
        self._text = text.strip()
        self.invalidate()  # a few dozen rows: one layout change is simplest and not deprecated

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._text:
            return True
        entry = self.sourceModel().index(source_row, COL_NAME, source_parent).data(ENTRY_ROLE)
        # Groups never match on their own; recursive filtering keeps those with a match.
        return isinstance(entry, LibraryEntry) and entry.matches(self._text)


def _cell(text: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    return item


def _tooltip(entry: LibraryEntry) -> str:
    if entry.ok:
        return f"{entry.name}\n{entry.path}\nAuth: {entry.auth_label}"
    first = entry.problems[0] if entry.problems else None
    lines = [str(entry.path)]
    if first is not None:
        where = f"line {first.line}, column {first.column}: " if first.line else ""
        lines.append(where + (f"{first.where}: " if first.where else "") + first.message)
    if len(entry.problems) > 1:
        lines.append(f"… and {len(entry.problems) - 1} more")
    return "\n".join(lines)


def _error_icon() -> QIcon:
    """A filled circle with an exclamation mark in the palette's failure colour."""
    pixmap = QPixmap(_ICON_SIZE * 2, _ICON_SIZE * 2)  # drawn at 2x, crisp on HiDPI
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(accent("fail")))
    painter.drawEllipse(QRectF(4, 4, 24, 24))
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(QRectF(14.5, 8, 3, 11), 1.5, 1.5)
    painter.drawEllipse(QPointF(16, 23), 1.8, 1.8)
    painter.end()
    return QIcon(pixmap)


def _blank_icon() -> QIcon:
    """Keeps names of good entries aligned with the marked broken ones."""
    pixmap = QPixmap(_ICON_SIZE, _ICON_SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)
