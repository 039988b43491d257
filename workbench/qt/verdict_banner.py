"""A coloured banner that says what a check concluded and what to do next, in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.verdict import Verdict
from workbench.qt.theme import accent

Kind = Literal["ok", "fail", "warn", "info", "busy"]

# Per kind: the badge glyph, the words a screen reader says for it, foreground and background.
_STYLES: dict[str, tuple[str, str, str, str]] = {
    "ok": ("✓", "Success", "ok", "ok_bg"),
    "fail": ("✕", "Failure", "fail", "fail_bg"),
    "warn": ("!", "Warning", "warn", "warn_bg"),
    "info": ("i", "Information", "muted", "info_bg"),
    "busy": ("", "Working", "muted", "info_bg"),
}


class VerdictBanner(QFrame):
    """Shows a Verdict (green ok, amber ok-with-warnings, red failure), progress, or a message.

    Its `kind` property ("ok", "fail", "warn", "info", "busy", or "" when hidden) says which.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("verdictBanner")
        self._kind: str = ""
        self._applied_style = ""

        self._badge = QLabel()
        self._badge.setObjectName("verdictBadge")
        self._badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._busy = QProgressBar()
        self._busy.setObjectName("verdictBusy")
        self._busy.setRange(0, 0)
        self._busy.setTextVisible(False)
        self._busy.setMaximumWidth(self.fontMetrics().averageCharWidth() * 8)
        self._summary = _text_label("verdictSummary")
        bold = QFont(self._summary.font())
        bold.setBold(True)
        self._summary.setFont(bold)
        self._details = _text_label("verdictDetails")
        self._hint = _text_label("verdictHint")
        self._warnings = _text_label("verdictWarnings")
        self.action = QPushButton()
        self.action.setObjectName("verdictAction")
        self.action.hide()
        self._action_slot: Callable[[], None] | None = None
        self.action.clicked.connect(self._on_action_clicked)

        text = QVBoxLayout()
        text.setSpacing(4)
        for label in (self._summary, self._details, self._hint, self._warnings):
            text.addWidget(label)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 8, 10, 8)
        row.setSpacing(10)
        row.addWidget(self._badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._busy, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.action, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(text, 1)
        self.setAccessibleName("Connection verdict")
        self.hide()

    @property
    def kind(self) -> str:
        """What the banner shows now: ok, fail, warn, info, busy, or "" when hidden."""
        return self._kind

    def show_verdict(self, verdict: Verdict) -> None:
        """The check's conclusion: summary in bold, the provider's error, the hint, warnings."""
        kind: Kind = "fail"
        if verdict.ok:
            kind = "warn" if verdict.warnings else "ok"
        details = ""
        if verdict.oauth_error:
            details = f"Provider error: {verdict.oauth_error}"
            if verdict.oauth_error_description:
                details += f" — {verdict.oauth_error_description}"
        warnings = "\n".join(f"• {warning}" for warning in verdict.warnings)
        if warnings:
            warnings = "Warnings:\n" + warnings
        self._show(kind, verdict.summary, details, verdict.hint, warnings)

    def show_busy(self, text: str) -> None:
        """Neutral, with a moving progress bar: something is under way (e.g. "Checking…")."""
        self._show("busy", text)

    def show_message(self, text: str, kind: Literal["info", "warn", "fail"] = "info") -> None:
        """Any one-line message in the banner's colours for `kind`."""
        self._show(kind, text)

    def clear(self) -> None:
        """Hide the banner and forget what it said."""
        self._kind = ""
        for label in (self._summary, self._details, self._hint, self._warnings):
            label.clear()
        self.setAccessibleDescription("")
        self.setProperty("kind", "")
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        # The theme can switch while a verdict is shown; the colours must follow it.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._apply_style()
        super().changeEvent(event)

    def offer(self, text: str, slot: Callable[[], None]) -> None:
        """A button in the banner for the obvious next step (until the banner changes)."""
        self._action_slot = slot
        self.action.setText(text)
        self.action.show()

    def _on_action_clicked(self) -> None:
        if self._action_slot is not None:
            self._action_slot()

    def _show(self, kind: Kind, summary: str, details: str = "", hint: str = "",
              warnings: str = "") -> None:
        glyph, spoken, _, _ = _STYLES[kind]
        self.action.hide()
        self._action_slot = None
        self._kind = kind
        self.setProperty("kind", kind)
        self._badge.setText(glyph)
        self._badge.setVisible(kind != "busy")
        self._badge.setAccessibleName(spoken)
        self._busy.setVisible(kind == "busy")
        for label, value in ((self._summary, summary), (self._details, details),
                             (self._hint, hint), (self._warnings, warnings)):
            label.setText(value)
            label.setVisible(bool(value))
        self.setAccessibleDescription(
            "\n".join(part for part in (f"{spoken}: {summary}", details, hint, warnings) if part)
        )
        self._apply_style()
        self.show()

    def _apply_style(self) -> None:
        if not self._kind:
            return
        _, _, fg_name, bg_name = _STYLES[self._kind]
        fg, bg = accent(fg_name), accent(bg_name)
        size = self._badge.fontMetrics().height() + 6
        style = (
            f"QFrame#verdictBanner {{ background: {bg}; border: 1px solid {fg};"
            f" border-left: 5px solid {fg}; border-radius: 4px; }}"
            f" QLabel#verdictBadge {{ background: {fg}; color: {bg}; font-weight: bold;"
            f" border-radius: {size // 2}px; min-width: {size}px; max-width: {size}px;"
            f" min-height: {size}px; max-height: {size}px; }}"
        )
        # Setting an identical sheet would repolish and send another PaletteChange: a loop.
        if style != self._applied_style:
            self._applied_style = style
            self.setStyleSheet(style)


def _text_label(name: str) -> QLabel:
    """Plain text (never rich: server messages may hold markup), wrapped, selectable."""
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    label.hide()
    return label
