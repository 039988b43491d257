""""What the system receives": the secrets a Sesam system is given, shown by name, never value."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from workbench.core.sesam import ReceivedSecret
from workbench.qt.theme import accent


class ReceivedView(QGroupBox):
    """One row per injected secret: present (masked, with its length) or missing, and why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What the system receives", parent)
        self.setObjectName("receivedView")
        self.setToolTip("The secrets Sesam injects into the system after onboarding, as this "
                        "run would leave them. Values stay hidden.")
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(1, 1)
        self.rows: dict[str, QLabel] = {}
        self.hide()

    def show_expected(self, secrets: Sequence[ReceivedSecret]) -> None:
        """Before a run: the names, each waiting for a run."""
        self._fill([ReceivedSecret(s.name, "", "run a test to see") for s in secrets])

    def show_received(self, secrets: Sequence[ReceivedSecret]) -> None:
        self._fill(secrets)

    def clear(self) -> None:
        self._fill([])

    def _fill(self, secrets: Sequence[ReceivedSecret]) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        for row, secret in enumerate(secrets):
            name = QLabel(f"<code>{secret.name}</code>")
            state = QLabel(_state(secret))
            state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(name, row, 0)
            self._grid.addWidget(state, row, 1)
            self.rows[secret.name] = state
        self.setVisible(bool(secrets))


def _state(secret: ReceivedSecret) -> str:
    if secret.present:
        return f"<span style='color:{accent('ok')}'>✓</span> {secret.masked}"
    if secret.missing_because == "run a test to see":
        muted = accent("muted")
        return f"<span style='color:{muted}'>— {secret.missing_because}</span>"
    return f"<span style='color:{accent('fail')}'>✗ missing</span>: {secret.missing_because}"
