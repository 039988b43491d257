"""What a platform's panel is given and what it may say: the contract between the platform
pane (the container) and each platform's own panel (`Platform.panel`).

A panel gets a small `PanelContext` and reports through signals; it never reaches into the
pane. To run something it emits `sig_run_requested` with a `Starter`: the pane checks the
account's keys first, then calls the starter with them, and runs what it returns (one run at
a time, cancellable), arming the webhook receiver for the platform first.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QWidget

from workbench.core.events import EventLog
from workbench.core.library import LibraryEntry
from workbench.core.platforms.claims import RunReport
from workbench.core.platforms.registry import Platform
from workbench.core.transport import TransportSettings
from workbench.core.webhooks import WebhookReceiver
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.form_pane import ConnectorForm


@dataclass(frozen=True)
class PanelContext:
    """What every panel may use: the log, the network settings, the one webhook receiver, the
    public URL webhooks reach it at, and where form values are kept."""

    log: EventLog
    settings: Callable[[], TransportSettings]
    receiver: WebhookReceiver
    webhook_url: Callable[[], str]
    values: ConnectorValues


@dataclass
class PanelRun:
    """A run a panel asks for: its coroutine, what it is doing, and whether the pane saves
    the account's values before it starts."""

    work: Coroutine[Any, Any, None]
    doing: str
    save: bool = True


Starter = Callable[[Mapping[str, str]], "PanelRun | None"]
"""Given the account's checked keys: the run to start, or None (it said why itself)."""


class PlatformPanel(QWidget):
    """The base of a platform's panel: its signals, and what the pane calls on it."""

    sig_run_requested = Signal(object)
    """Start a run: a Starter, called with the account's keys once they are checked."""
    sig_progress = Signal(str)
    """The run in flight is at this step ("waiting for its webhook…")."""
    sig_result = Signal(bool, str, str, str)
    """A result to show: ok, summary, hint, and how it arrived (or other details)."""
    sig_reveal = Signal(QWidget)
    """Scroll this widget into view: it holds what the user needs next."""

    def __init__(self, context: PanelContext, platform: Platform,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.platform = platform

    def show_account(self, entry: LibraryEntry) -> None:
        """Show the account `entry` (a platform account of this panel's platform)."""

    @property
    def values_loaded(self) -> bool:
        """The keychain has answered for every form of the account shown."""
        return True

    def save_now(self) -> None:
        """Keep the values typed so far."""

    def set_busy(self, busy: bool) -> None:
        """A run is in flight (or no longer): disable what would start another."""

    def show_report(self, report: RunReport, more: str = "") -> None:
        """Show how a run ended, with `more` words after its summary."""
        summary = " ".join(filter(None, (report.summary, more)))
        self.sig_result.emit(report.ok, summary, report.hint, report.arrival)

    def show_problem(self, summary: str, hint: str = "") -> None:
        """Say why nothing was started."""
        self.sig_result.emit(False, summary, hint, "")


def fitted_form(name: str) -> ConnectorForm:
    """A form as tall as its fields: the pane scrolls as a whole, not form by form."""
    form = ConnectorForm()
    form.setObjectName(name)
    form.fit_contents = True
    form.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    form.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return form
