"""What the provider's metadata says about the shown connector, and the last run's JWTs held
against the provider's keys: one window of findings, worst first."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from workbench.core.diagnosis.findings import SEVERITY_ORDER, Finding
from workbench.core.discovery import DiscoveryReport
from workbench.qt.theme import accent

_ACCENTS = {"error": "fail", "warning": "warn", "info": "muted"}


class DiscoveryView(QWidget):
    """The discovery report of one connector (and its JWT findings)."""

    def __init__(self, name: str, report: DiscoveryReport, jwt: list[Finding],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("discoveryView")
        self.setWindowTitle(f"Provider metadata — {name}")
        self.summary = QLabel()
        self.summary.setObjectName("discoverySummary")
        self.summary.setWordWrap(True)
        self.findings = QTreeWidget()
        self.findings.setObjectName("discoveryFindings")
        self.findings.setHeaderLabels(["Finding", "What to do"])
        self.findings.setColumnWidth(0, 460)
        self.findings.setRootIsDecorated(False)
        self.detail = QLabel()
        self.detail.setObjectName("discoveryDetail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.findings, 1)
        layout.addWidget(self.detail)
        self.findings.currentItemChanged.connect(self._on_findings_current_changed)
        found = sorted([*report.findings, *jwt], key=lambda f: SEVERITY_ORDER[f.severity])
        errors = sum(f.severity == "error" for f in found)
        if not report.metadata:
            self.summary.setText(f"<b>{html.escape(name)}</b>: the provider publishes no "
                                 "metadata (.well-known/openid-configuration or "
                                 "oauth-authorization-server) at its issuer or token URL, so "
                                 "there is nothing to hold the connector against.")
        else:
            verdict = (f"<span style='color:{accent('fail')}'><b>{errors} "
                       f"disagreement{'s' if errors != 1 else ''}</b></span>" if errors else
                       f"<span style='color:{accent('ok')}'><b>The connector agrees with the "
                       "provider</b></span>")
            self.summary.setText(f"<b>{html.escape(name)}</b> held against "
                                 f"{html.escape(report.metadata_url)} (issuer "
                                 f"{html.escape(report.issuer)}): {verdict}.")
        for finding in found:
            item = QTreeWidgetItem(self.findings, [finding.title, finding.hint])
            item.setForeground(0, QBrush(QColor(accent(_ACCENTS[finding.severity]))))
            item.setToolTip(0, finding.title)
            item.setToolTip(1, finding.hint)
        first = self.findings.topLevelItem(0)
        if first is not None:
            self.findings.setCurrentItem(first)
        self.resize(1000, 420)

    def _on_findings_current_changed(self, current: QTreeWidgetItem | None,
                                     _previous: QTreeWidgetItem | None) -> None:
        if current is not None:
            self.detail.setText(f"<b>{html.escape(current.text(0))}</b><br>"
                                f"{html.escape(current.text(1))}")

    def titles(self) -> list[str]:
        return [self.findings.topLevelItem(i).text(0)  # type: ignore[union-attr]
                for i in range(self.findings.topLevelItemCount())]
