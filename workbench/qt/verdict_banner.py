"""A coloured banner that says what a check concluded and what to do next, in plain words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen
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

MAX_PART = 600  # characters of each banner part
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

        self._badge = _Badge()
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
        self._token = _text_label("verdictToken")
        self.action = QPushButton()
        self.action.setObjectName("verdictAction")
        self.action.hide()
        self._action_slot: Callable[[], None] | None = None
        self.action.clicked.connect(self._on_action_clicked)

        text = QVBoxLayout()
        text.setSpacing(4)
        for label in (self._summary, self._details, self._hint, self._token, self._warnings):
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

    def show_verdict(self, verdict: Verdict, token: str = "") -> None:
        """The check's conclusion: summary in bold, the provider's error, the hint, where the
        token came from (`token`), warnings."""
        kind: Kind = "fail"
        if verdict.ok:
            kind = "warn" if verdict.warnings else "ok"
        details = []
        if verdict.oauth_error:
            details.append(f"Provider error: {verdict.oauth_error}" + (
                f" — {verdict.oauth_error_description}"
                if verdict.oauth_error_description else ""))
        control = verdict.negative_control
        if control is not None and control.conclusion == "proven":
            details.append(control.summary)
        warnings = "\n".join(f"• {warning}" for warning in verdict.warnings)
        if warnings:
            warnings = "Warnings:\n" + warnings
        self._show(kind, verdict.summary, "\n".join(details), verdict.hint, warnings, token)

    def show_result(self, ok: bool, summary: str, hint: str = "", details: str = "") -> None:
        """A run that is not a connection check (a job, a link): passed or failed."""
        self._show("ok" if ok else "fail", summary, details, hint)

    def show_busy(self, text: str) -> None:
        """Neutral, with a moving progress bar: something is under way (e.g. "Checking…")."""
        self._show("busy", text)

    def show_message(self, text: str, kind: Literal["info", "warn", "fail"] = "info") -> None:
        """Any one-line message in the banner's colours for `kind`."""
        self._show(kind, text)

    def clear(self) -> None:
        """Hide the banner and forget what it said."""
        self._kind = ""
        for label in (self._summary, self._details, self._hint, self._token, self._warnings):
            label.clear()
        self.setAccessibleDescription("")
        self.setProperty("kind", "")
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        # Painted, not styled: colours are looked up at paint time, so a theme switch while a
        # verdict is shown repaints in the new theme (a style sheet would keep the old colours).
        if self._kind:
            _, _, fg, bg = _STYLES[self._kind]
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(QColor(accent(fg)), 1))
            painter.setBrush(QColor(accent(bg)))
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
            painter.end()
        super().paintEvent(event)

    def offer(self, text: str, slot: Callable[[], None]) -> None:
        """A button in the banner for the obvious next step (until the banner changes)."""
        self._action_slot = slot
        self.action.setText(text)
        self.action.show()

    def _on_action_clicked(self) -> None:
        if self._action_slot is not None:
            self._action_slot()

    def _show(self, kind: Kind, summary: str, details: str = "", hint: str = "",
              warnings: str = "", token: str = "") -> None:
        _, spoken, _, _ = _STYLES[kind]
        self.action.hide()
        self._action_slot = None
        self._kind = kind
        self.setProperty("kind", kind)
        self._badge.set_kind(kind)
        self._badge.setVisible(kind != "busy")
        self._busy.setVisible(kind == "busy")
        summary, details, hint, token, warnings = (
            _capped(part) for part in (summary, details, hint, token, warnings))
        for label, value in ((self._summary, summary), (self._details, details),
                             (self._hint, hint), (self._token, token),
                             (self._warnings, warnings)):
            label.setText(value)
            label.setVisible(bool(value))
        self.setAccessibleDescription("\n".join(
            part for part in (f"{spoken}: {summary}", details, hint, token, warnings) if part))
        self.update()
        self.show()


def _capped(part: str) -> str:
    """A server's message may be a whole page: the banner shows its start, the log all of it."""
    if len(part) <= MAX_PART:
        return part
    return f"{part[:MAX_PART]}… ({len(part) - MAX_PART} more characters in the log)"


class _Badge(QLabel):
    """The kind's glyph in a filled circle, in the kind's colours (looked up at paint time)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("verdictBadge")
        self.setFixedSize(self.sizeHint())
        self._kind = "info"

    def set_kind(self, kind: str) -> None:
        glyph, spoken, _, _ = _STYLES[kind]
        self._kind = kind
        self.setText(glyph)
        self.setAccessibleName(spoken)
        self.update()

    def sizeHint(self) -> QSize:
        side = self.fontMetrics().height() + 6
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # a bigger font needs a bigger circle
            self.setFixedSize(self.sizeHint())

    def paintEvent(self, _event: QPaintEvent) -> None:
        _, _, fg, bg = _STYLES[self._kind]
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(accent(fg)))
        painter.drawEllipse(QRectF(self.rect()))
        bold = QFont(self.font())
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(QColor(accent(bg)))
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.text())
        painter.end()


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
