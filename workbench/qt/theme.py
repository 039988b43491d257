"""Fusion style with a light or dark palette that follows the system unless the user chooses."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

Theme = Literal["system", "light", "dark"]
THEMES: tuple[Theme, ...] = ("system", "light", "dark")

# Colours the views use for meaning, not decoration: (light, dark).
_ACCENTS = {
    "ok": ("#1b7f3b", "#5fd27f"),
    "fail": ("#b3261e", "#ff8a80"),
    "warn": ("#8a5a00", "#ffcc66"),
    "muted": ("#5f6368", "#9aa0a6"),
    "ok_bg": ("#e6f4ea", "#14331f"),
    "fail_bg": ("#fce8e6", "#3c1714"),
    "warn_bg": ("#fff4d6", "#3a2e0f"),
    "info_bg": ("#e8f0fe", "#1c2a40"),
}


def apply_theme(app: QApplication, theme: Theme = "system") -> None:
    """Fusion everywhere (consistent, crisp at any scale); the palette per `theme`."""
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(_dark_palette() if is_dark(theme) else app.style().standardPalette())


def is_dark(theme: Theme = "system") -> bool:
    if theme != "system":
        return theme == "dark"
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def current_is_dark() -> bool:
    """Whether the palette in use is dark (what the views pick their colours by)."""
    return QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def accent(name: str) -> str:
    """A meaning colour (ok, fail, warn, muted, *_bg) that reads well on the current palette."""
    light, dark = _ACCENTS[name]
    return dark if current_is_dark() else light


def _dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#17181a",
        QPalette.ColorRole.AlternateBase: "#26282b",
        QPalette.ColorRole.ToolTipBase: "#2d2f33",
        QPalette.ColorRole.ToolTipText: "#e8eaed",
        QPalette.ColorRole.PlaceholderText: "#80868b",
        QPalette.ColorRole.Text: "#e8eaed",
        QPalette.ColorRole.Button: "#2d2f33",
        QPalette.ColorRole.ButtonText: "#e8eaed",
        QPalette.ColorRole.BrightText: "#ff8a80",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.Highlight: "#3b6fd8",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Light: "#3c4043",
        QPalette.ColorRole.Midlight: "#33363a",
        QPalette.ColorRole.Mid: "#2a2c30",
        QPalette.ColorRole.Dark: "#111214",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText,
                 QPalette.ColorRole.WindowText):
        palette.setColor(disabled, role, QColor("#6f7378"))
    return palette
