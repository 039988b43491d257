"""The verdict banner of a pane whose producers hand it raw text (platform panels).

Every string the banner shows passes the run's Redactor in one place, so a panel that puts a
platform's error message or a job's payload into the banner cannot show a secret the run
learned (the Deck keys, a job's password, a token a server echoed). A platform's message may
be a whole page: VerdictBanner cuts each part to its `MAX_PART` characters.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from workbench.core.redaction import Redactor
from workbench.qt.verdict_banner import Kind, VerdictBanner


class RedactingBanner(VerdictBanner):
    """A VerdictBanner that redacts summary, details, hint and warnings before showing them."""

    def __init__(self, redactor: Redactor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._redactor = redactor

    def _show(self, kind: Kind, summary: str, details: str = "", hint: str = "",
              warnings: str = "", token: str = "") -> None:
        text = self._redactor.text
        super()._show(kind, text(summary), text(details), text(hint), text(warnings),
                      text(token))
