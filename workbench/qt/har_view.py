"""A customer's HAR, diagnosed: the findings above, the capture's entries in a log pane below.

Clicking a finding selects the entry it points at (its last one: the request that failed);
its children name every entry involved. The entries are already redacted; "Replay…" sends
the selected request again through the app's transport with the user's own credentials.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.har_file import HarDiagnosis
from workbench.core.events import Event, EventLog
from workbench.core.har_import import read_har
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.qt.log_pane import LogPane
from workbench.qt.theme import accent

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1  # the item's Finding
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the entry position an item points at
_ACCENTS = {"error": "fail", "warning": "warn", "info": "muted"}


class HarView(QWidget):
    """One HAR: its findings and its entries; `log` holds the redacted entries."""

    def __init__(self, result: HarDiagnosis, source: str | Path, redactor: Redactor,
                 replay_log: EventLog, settings: Callable[[], TransportSettings],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("harView")
        self._result, self._source, self._redactor = result, Path(source), redactor
        self._replay_log, self._settings = replay_log, settings
        self.setWindowTitle(f"HAR diagnosis — {self._source.name}")
        self.log = EventLog(capacity=max(len(result.capture.entries) + 10, 100),
                            redactor=redactor)
        self.events: list[Event] = []
        for event in result.capture.events:
            self.events.append(self.log.append(event))

        self.summary = QLabel()
        self.summary.setObjectName("harSummary")
        self.summary.setWordWrap(True)
        self.findings = QTreeWidget()
        self.findings.setObjectName("findingsTree")
        self.findings.setHeaderLabels(["Finding", "Entries"])
        self.findings.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.findings.header().setStretchLastSection(False)
        self.findings.setRootIsDecorated(True)
        self.hint = QLabel()
        self.hint.setObjectName("findingHint")
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_pane = LogPane(self.log)
        self.replay_button = QPushButton("Replay selected request…")
        self.replay_button.setObjectName("replayButton")
        self.replay_button.setToolTip("Send the selected request again with your own "
                                      "credentials, through this app's network settings")

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.addWidget(self.summary, 1)
        header.addWidget(self.replay_button, 0, Qt.AlignmentFlag.AlignTop)
        top_layout.addLayout(header)
        top_layout.addWidget(self.findings, 1)
        top_layout.addWidget(self.hint)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.log_pane)
        splitter.setSizes([300, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.findings.currentItemChanged.connect(self._on_findings_current_changed)
        self.replay_button.clicked.connect(self._on_replay_clicked)
        self.log_pane.model().flush()
        self._fill()
        self.resize(1200, 820)

    def result(self) -> HarDiagnosis:
        return self._result

    def show_finding(self, number: int) -> None:
        """Select the `number`-th finding (as a click would)."""
        item = self.findings.topLevelItem(number)
        if item is not None:
            self.findings.setCurrentItem(item)

    def replay_dialog(self) -> QWidget | None:
        """A replay dialog for the entry shown in detail (None when nothing is selected)."""
        from workbench.qt.replay_dialog import ReplayDialog

        event = self.log_pane.detail().event_shown()
        if event is None or event.kind == "note" or not event.method:
            return None
        position = self.events.index(event)
        return ReplayDialog(event, self._replay_log, self._settings,
                            captured=lambda: self._captured(position), parent=self)

    # -- slots -----------------------------------------------------------------------------

    def _on_findings_current_changed(self, current: QTreeWidgetItem | None,
                                     _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        finding: Finding = current.data(0, FINDING_ROLE)
        self.hint.setText(f"<b>What to do:</b> {_escape(finding.hint)}")
        entry = current.data(0, ENTRY_ROLE)
        if isinstance(entry, int) and 0 <= entry < len(self.events):
            self.log_pane.select_event(self.events[entry])

    def _on_replay_clicked(self) -> None:
        dialog = self.replay_dialog()
        if dialog is not None:
            dialog.show()

    # -- internals -------------------------------------------------------------------------

    def _fill(self) -> None:
        result = self._result
        findings = result.diagnosis.findings
        errors = sum(f.severity == "error" for f in findings)
        made_by = result.capture.browser or result.capture.creator or "an unknown tool"
        verdict = (f"<span style='color:{accent('fail')}'><b>{errors} problem"
                   f"{'s' if errors != 1 else ''} found</b></span>" if errors else
                   f"<span style='color:{accent('ok')}'><b>No errors found</b></span>")
        notes = "".join(f"<br>⚠ {_escape(w)}" for w in result.capture.warnings)
        self.summary.setText(f"<b>{_escape(self._source.name)}</b> — {len(self.events)} "
                             f"entries from {_escape(made_by)}; secrets redacted on import."
                             f"<br>{verdict}, {len(findings)} finding"
                             f"{'s' if len(findings) != 1 else ''}.{notes}")
        for finding in findings:
            item = QTreeWidgetItem(self.findings, [finding.title, _entries(finding)])
            item.setData(0, FINDING_ROLE, finding)
            item.setData(0, ENTRY_ROLE, finding.entries[-1] if finding.entries else None)
            item.setForeground(0, QBrush(QColor(accent(_ACCENTS[finding.severity]))))
            item.setToolTip(0, finding.hint)
            bold = QFont(item.font(0))
            bold.setBold(finding.severity == "error")
            item.setFont(0, bold)
            for entry in finding.entries:
                event = self.events[entry]
                child = QTreeWidgetItem(item, [f"#{entry + 1} {event.method} "
                                               f"{_short(event.url)}", _status(event)])
                child.setData(0, FINDING_ROLE, finding)
                child.setData(0, ENTRY_ROLE, entry)
        if not findings:
            QTreeWidgetItem(self.findings, ["Nothing wrong found in the auth flow."])
        self.findings.resizeColumnToContents(1)

    def _captured(self, position: int) -> Event | None:
        """The entry at `position` read again from the file, unredacted (the user asked)."""
        try:
            capture = read_har(self._source)
        except Exception:
            return None
        if position >= len(capture.entries):
            return None
        original = capture.entries[position].event
        if self._redactor.url(original.url) != self.events[position].url:
            return None  # not the same entry any more
        return original


def _entries(finding: Finding) -> str:
    return ", ".join(f"#{n + 1}" for n in finding.entries)


def _status(event: Event) -> str:
    return str(event.status) if event.status is not None else (event.error or "no answer")


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _escape(text: str) -> str:
    return html.escape(text)
