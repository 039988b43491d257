"""The connector library as an item model: entries grouped by where they came from.

Rows are updated in place (keyed by path), never rebuilt, so the view keeps its selection and
expanded groups across reloads; a proxy sorts and filters them for the search box, and a
delegate draws each row's auth scheme as muted secondary text.
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
    QPalette,
    QPixmap,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from workbench.core.library import LibraryEntry
from workbench.qt.theme import accent

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The LibraryEntry of a connector row (None on a group row)."""
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
"""Text the proxy sorts by: groups by origin and folder, entries by name."""
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3
"""Secondary text: the auth scheme, or how many problems a broken file has."""
_DETAIL_COLOUR_ROLE = Qt.ItemDataRole.UserRole + 4

_ICON_SIZE = 16
GroupKey = tuple[int, str, str]


class LibraryModel(QStandardItemModel):
    """Group rows (Bundled, Bundled ▸ sandbox, Opened ▸ folder) holding one row per connector."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
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
                _show(item, entry)
        for key in [k for k, g in self._groups.items() if g.rowCount() == 0]:
            self.removeRow(self._groups.pop(key).row())

    def update(self, entries: Iterable[LibraryEntry]) -> None:
        """Show new content for entries already listed (a load finished): only their rows."""
        for entry in entries:
            item = self._rows.get(entry.path)
            if item is not None:
                _show(item, entry)

    def entry(self, index: QModelIndex) -> LibraryEntry | None:
        """The entry on `index` (of this model or a proxy of it), None on a group row."""
        entry = index.data(ENTRY_ROLE)
        return entry if isinstance(entry, LibraryEntry) else None

    def index_of(self, path: Path) -> QModelIndex:
        """The connector row for `path`; invalid if it is not in the model."""
        item = self._rows.get(path)
        return item.index() if item is not None else QModelIndex()

    def restyle(self) -> None:
        """Recolour every row, after the palette (light/dark) changed."""
        for item in self._rows.values():
            _show(item, item.data(ENTRY_ROLE))

    def _add(self, entry: LibraryEntry) -> None:
        group = self._groups.get(entry.group_key)
        if group is None:
            group = _group_item(entry)
            self._groups[entry.group_key] = group
            self.appendRow(group)
        item = QStandardItem()
        item.setEditable(False)
        _show(item, entry)
        group.appendRow(item)
        self._rows[entry.path] = item

    def _drop(self, path: Path) -> None:
        item = self._rows.pop(path)
        (item.parent() or self.invisibleRootItem()).removeRow(item.row())


class LibraryFilter(QSortFilterProxyModel):
    """Sorts the library and keeps the connectors matching the search text (and their groups)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self.setRecursiveFilteringEnabled(True)
        self.setSortRole(SORT_ROLE)
        self.sort(0, Qt.SortOrder.AscendingOrder)

    def set_text(self, text: str) -> None:
        self._text = text.strip()
        self.invalidate()  # a few dozen rows: one layout change is simplest and not deprecated

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self._text:
            return True
        entry = self.sourceModel().index(source_row, 0, source_parent).data(ENTRY_ROLE)
        # Groups never match on their own; recursive filtering keeps those with a match.
        return isinstance(entry, LibraryEntry) and entry.matches(self._text)


class LibraryDelegate(QStyledItemDelegate):
    """Draws the name, then the secondary text right-aligned and muted, if there is room:
    a narrow pane cuts the secondary text, never the name first."""

    _GAP = 12

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        detail = str(index.data(DETAIL_ROLE) or "")
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        if not detail:
            super().paint(painter, option, index)
            return
        style = opt.widget.style() if opt.widget else None
        if style is None:
            super().paint(painter, option, index)
            return
        name, opt.text = opt.text, ""
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, opt.widget)
        rect = rect.adjusted(3, 0, -3, 0)  # the padding Fusion gives item text
        metrics = opt.fontMetrics
        name_width = min(metrics.horizontalAdvance(name), rect.width())
        room = rect.width() - name_width - self._GAP
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(opt.palette.color(role))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            rect, flags, metrics.elidedText(name, Qt.TextElideMode.ElideRight, rect.width())
        )
        if room >= metrics.horizontalAdvance("…") * 4:
            detail_rect = rect.adjusted(rect.width() - room, 0, 0, 0)
            if not selected:
                painter.setPen(QColor(str(index.data(_DETAIL_COLOUR_ROLE) or accent("muted"))))
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(
                detail_rect, right, metrics.elidedText(detail, Qt.TextElideMode.ElideRight, room)
            )
        painter.restore()


def _show(item: QStandardItem, entry: LibraryEntry) -> None:
    """Put `entry` on its row: name, secondary text, sort key, marks for a broken file."""
    item.setData(entry, ENTRY_ROLE)
    item.setData(f"{entry.name.casefold()}\0{entry.path}", SORT_ROLE)
    item.setText(entry.name)
    item.setToolTip(_tooltip(entry))
    if entry.pending:
        item.setData(None, Qt.ItemDataRole.ForegroundRole)
        item.setData(None, _DETAIL_COLOUR_ROLE)
        item.setIcon(_blank_icon())
        item.setData("loading…", DETAIL_ROLE)
    elif entry.ok:
        item.setData(None, Qt.ItemDataRole.ForegroundRole)
        item.setData(None, _DETAIL_COLOUR_ROLE)
        item.setIcon(_blank_icon())
        item.setData(entry.auth_label, DETAIL_ROLE)
    else:
        count = len(entry.problems)
        item.setForeground(QBrush(QColor(accent("fail"))))
        item.setData(accent("fail"), _DETAIL_COLOUR_ROLE)
        item.setIcon(_error_icon())
        item.setData(f"{count} problem{'s' if count != 1 else ''}", DETAIL_ROLE)


def _group_item(entry: LibraryEntry) -> QStandardItem:
    group = QStandardItem(entry.group_label)
    group.setFlags(Qt.ItemFlag.ItemIsEnabled)
    font = QFont(group.font())
    font.setBold(True)
    group.setFont(font)
    folder = entry.path.parent if entry.root is not None else None
    group.setToolTip(str(folder) if folder else "Files opened one by one")
    group.setData("\0".join(map(str, entry.group_key)), SORT_ROLE)
    return group


def _tooltip(entry: LibraryEntry) -> str:
    if entry.pending:
        return f"{entry.path}\nLoading…"
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
