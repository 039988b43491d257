"""Two runs side by side, step by step: what differs between the one that works and the other.

Shows a `RunDiff` (core) as a tree: one branch per step, one row per compared field. Only the
differences that matter are shown until "Show matching fields" is ticked; secrets appear as
"same secret" / "different secret", never as values.
"""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.run_diff import DiffRow, RunDiff
from workbench.qt.theme import accent


class RunCompareView(QWidget):
    """A window comparing run A with run B."""

    def __init__(self, diff: RunDiff, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runCompare")
        self.setWindowTitle(f"Compare runs — {diff.a_name} vs {diff.b_name}")
        self._diff = diff
        self.summary = QLabel()
        self.summary.setObjectName("compareSummary")
        self.summary.setWordWrap(True)
        self.show_all = QCheckBox("Show matching fields")
        self.show_all.setObjectName("showMatching")
        self.tree = QTreeWidget()
        self.tree.setObjectName("diffTree")
        self.tree.setHeaderLabels(["Field", "A", "B"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 280)
        header.setStretchLastSection(True)
        header.resizeSection(1, 320)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.show_all)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.show_all.toggled.connect(self._on_show_all_toggled)
        self.resize(1000, 640)
        self._render()

    def diff(self) -> RunDiff:
        return self._diff

    def rows_shown(self) -> list[tuple[str, str, str, str]]:
        """(step, field, A, B) of every row on screen, for tests and copy."""
        shown = []
        for i in range(self.tree.topLevelItemCount()):
            step = self.tree.topLevelItem(i)
            rows = [step.child(j) for j in range(step.childCount())] if step else []
            shown += [(step.text(0), r.text(0), r.text(1), r.text(2)) for r in rows
                      if step is not None and r is not None]
        return shown

    def _on_show_all_toggled(self, _checked: bool) -> None:
        self._render()

    def _render(self) -> None:
        diff, show_all = self._diff, self.show_all.isChecked()
        count = len(diff.differences)
        self.summary.setText(
            f"<b>A</b> {diff.a_name} &nbsp;·&nbsp; <b>B</b> {diff.b_name}<br>"
            + (f"<span style='color:{accent('fail')}'><b>{count} difference"
               f"{'s' if count != 1 else ''}</b></span> that matter" if count else
               f"<span style='color:{accent('ok')}'><b>No differences that matter</b></span>")
            + " — values new on every login (state, nonce, PKCE) are greyed.")
        self.tree.clear()
        steps: dict[str, QTreeWidgetItem] = {}
        for row in diff.rows:
            if not show_all and not row.matters:
                continue
            parent = steps.get(row.step)
            if parent is None:
                parent = steps[row.step] = QTreeWidgetItem(self.tree, [row.step])
                bold = QFont(parent.font(0))
                bold.setBold(True)
                parent.setFont(0, bold)
            QTreeWidgetItem(parent, _cells(row)).setForeground(0, _brush(row))
        self.tree.expandAll()
        if not steps:
            QTreeWidgetItem(self.tree, ["Nothing differs between the two runs."])


def _cells(row: DiffRow) -> list[str]:
    return [row.field, row.a or "(absent)", row.b or "(absent)"]


def _brush(row: DiffRow) -> QBrush:
    if row.matters:
        return QBrush(QColor(accent("fail")))
    return QBrush(QColor(accent("muted")))
