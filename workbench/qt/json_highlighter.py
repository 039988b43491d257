"""JSON syntax colours for a text document, taken from the current palette and theme accents."""

from __future__ import annotations

import re

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor, QFont, QPalette, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QApplication

from workbench.qt.theme import accent

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<key>\s*:)?'
    r"|(?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)


class JsonHighlighter(QSyntaxHighlighter):
    """Keys, strings, numbers and true/false/null, readable on light and dark palettes.

    Works line by line, so it suits pretty-printed JSON (strings never span lines in JSON).
    """

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._formats: dict[str, QTextCharFormat] = {}
        self.refresh_colours()

    def refresh_colours(self) -> None:
        """Re-read the palette and accents (after a theme change) and repaint."""
        palette = QApplication.palette()
        self._formats = {
            "key": _format(palette.color(QPalette.ColorRole.Text), bold=True),
            "string": _format(QColor(accent("ok"))),
            "number": _format(QColor(accent("warn"))),
            "literal": _format(palette.color(QPalette.ColorRole.Link), bold=True),
        }
        if self.document() is not None:
            self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        to_utf16 = _utf16_offsets(text)
        for match in _TOKEN.finditer(text):
            if match.group("string") is not None:
                kind = "key" if match.group("key") is not None else "string"
                start, end = match.span("string")
            else:
                kind = match.lastgroup or "literal"
                start, end = match.span()
            if to_utf16 is not None:
                start, end = to_utf16[start], to_utf16[end]
            self.setFormat(start, end - start, self._formats[kind])


def _format(colour: QColor, *, bold: bool = False) -> QTextCharFormat:
    text_format = QTextCharFormat()
    text_format.setForeground(colour)
    if bold:
        text_format.setFontWeight(QFont.Weight.Bold)
    return text_format


def _utf16_offsets(text: str) -> list[int] | None:
    """Python index -> Qt (UTF-16) index, needed only when the line has astral characters."""
    if text.isascii() or all(ord(ch) <= 0xFFFF for ch in text):
        return None
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return offsets
