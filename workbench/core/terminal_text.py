"""Text fit for a terminal: a provider's words must never drive it, nor flood it.

Servers put anything in their answers: ANSI escape sequences (colours, cursor moves, window
titles, hyperlinks), carriage returns that overwrite what was printed, bidirectional overrides
that reorder a line, and single lines of many megabytes. Everything the CLI prints passes
`printable` (via the redacting streams), which removes escape sequences and control
characters (keeping newline and tab) and cuts lines past `MAX_LINE`.
"""

from __future__ import annotations

import re

MAX_LINE = 8192
# CSI (ESC [ … final), OSC (ESC ] … BEL or ST), and the other two-character escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
                      r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?")
# C0 but tab and newline, DEL, C1, and the invisible format characters that reorder text.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\ufffe\uffff]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences and control characters; newline and tab are kept."""
    if text.isprintable() or not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def cap_line(line: str, limit: int = MAX_LINE) -> str:
    """One line cut to `limit` characters, saying how much was left out."""
    if len(line) <= limit:
        return line
    return f"{line[:limit]} …[{len(line) - limit} more characters not shown]"


def printable(text: str, limit: int = MAX_LINE) -> str:
    """Controls stripped and every line capped: what the CLI may print."""
    text = strip_controls(text)
    if len(text) <= limit:
        return text
    return "\n".join(cap_line(line, limit) for line in text.split("\n"))
