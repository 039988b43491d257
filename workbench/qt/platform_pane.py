"""The centre of the window for a platform account (Deck, StackOne): its keys, Check keys, and
the platform's own panel (jobs, or connect sessions). One run at a time, cancellable."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.core.events import EventLog
from workbench.core.library import LibraryEntry
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.keys import check_keys, webhook_checks
from workbench.core.transport import TransportSettings
from workbench.core.webhooks import WebhookReceiver
from workbench.qt.aio import spawn
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.deck_panel import DeckPanel
from workbench.qt.form_pane import ConnectorForm
from workbench.qt.redacting_banner import RedactingBanner
from workbench.qt.saved_form import SavedForm
from workbench.qt.stackone_panel import StackOnePanel

SAVE_DELAY_MS = 800


class PlatformRunner(QObject):
    """Runs one coroutine at a time on the Qt loop; ends every run, even a crashed one."""

    sig_busy_changed = Signal(bool)
    """True while a run is in flight."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task[None] | None = None
        self._busy = False

    @property
    def busy(self) -> bool:
        """Until the run's end has reached the widgets (not merely until its task is done)."""
        return self._busy

    def run(self, coro: Coroutine[Any, Any, None], on_error: Callable[[BaseException], None]
            ) -> bool:
        """Start `coro` unless a run is in flight; `on_error` hears a crash (not a cancel)."""
        if self.busy:
            coro.close()
            return False
        self._task = spawn(coro)
        self._task.add_done_callback(lambda task: self._on_task_done(task, on_error))
        self._busy = True
        self.sig_busy_changed.emit(True)
        return True

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_task_done(self, task: asyncio.Task[None],
                      on_error: Callable[[BaseException], None]) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed while the run was in flight
        if not task.cancelled() and task.exception() is not None:
            on_error(task.exception())  # type: ignore[arg-type]
        self._busy = False
        self.sig_busy_changed.emit(False)


class PlatformPane(QWidget):
    """Keys form, Check keys / Cancel, banner, and the Deck or StackOne panel below."""

    def __init__(self, log: EventLog, values: ConnectorValues,
                 settings: Callable[[], TransportSettings], receiver: WebhookReceiver,
                 webhook_url: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log, self.values, self.settings = log, values, settings
        self.receiver, self.webhook_url = receiver, webhook_url
        self.runner = PlatformRunner(self)
        self.entry: LibraryEntry | None = None
        self.title = QLabel()
        self.title.setObjectName("platformTitle")
        self.title.setWordWrap(True)
        self.keys = ConnectorForm()
        self.keys.setObjectName("platformKeys")
        self.saved_keys = SavedForm(self.keys, values)
        self.check_button = QPushButton("Check keys")
        self.check_button.setObjectName("checkKeys")
        self.check_button.setToolTip("Ask the platform whether it accepts these keys (F5)")
        self.check_button.clicked.connect(self.check)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelPlatformRun")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.banner = RedactingBanner(log.redactor)  # panels show platform text raw
        self.deck = DeckPanel(self)
        self.stackone = StackOnePanel(self)

        actions = QHBoxLayout()
        actions.addWidget(self.check_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addStretch(1)
        for form in (self.keys, self.deck.form, self.stackone.form):
            form.fit_contents = True  # one scroll area for the whole pane, not one per form
            form.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            form.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self.title)
        column.addWidget(self.keys)
        column.addLayout(actions)
        column.addWidget(self.deck)  # one shows at a time (a stack would be as tall as both)
        column.addWidget(self.stackone)
        column.addStretch(1)
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 6)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.banner)  # outside the scroll: the outcome is always in view
        self.runner.sig_busy_changed.connect(self._on_runner_busy_changed)

    @property
    def platform(self) -> LoadedPlatform | None:
        return self.entry.platform if self.entry else None

    def show_entry(self, entry: LibraryEntry) -> None:
        """Show a platform account: saved keys (keychain), else the file's values."""
        if self.entry is not None:
            self.save_now()
        self.entry = entry
        assert entry.platform is not None
        account = entry.platform.account
        kind = "Deck account" if account.platform == "deck" else "StackOne account"
        self.title.setText(f"<h3>{html.escape(account.name)}</h3>{kind}. "
                           f"{html.escape(account.description)}")
        self.banner.clear()
        self.saved_keys.show(entry.connector_id, entry.platform.form)
        self.deck.setVisible(account.platform == "deck")
        self.stackone.setVisible(account.platform == "stackone")
        self._panel().show_account(entry)

    @property
    def values_loaded(self) -> bool:
        """The keychain has answered for every form of the account shown."""
        return self.saved_keys.loaded and self._panel().saved.loaded

    def _panel(self) -> DeckPanel | StackOnePanel:
        return self.deck if self.platform is not None and self.platform.platform == "deck" \
            else self.stackone

    def save_now(self) -> None:
        if self.platform is None:
            return
        self.saved_keys.save_now()
        self._panel().saved.save_now()

    def key_values(self) -> dict[str, str] | None:
        """The keys, or None (problems shown beside the fields) when some are missing."""
        if self.platform is None:
            return None
        values = self.keys.values()
        problems = self.platform.form.problems(values)
        self.keys.show_problems(problems)
        if problems:
            self.banner.show_result(False, "Fill in the account's keys first.",
                                    "The fields marked above are required.")
            return None
        return values

    def arm_receiver(self, values: Mapping[str, str]) -> None:
        """Verify incoming webhooks the way this platform signs them."""
        if self.platform is not None:
            self.receiver.checks = webhook_checks(self.platform.account,
                                                  values.get("webhook_secret", ""))

    def run(self, coro: Coroutine[Any, Any, None], doing: str) -> None:
        if self.runner.run(coro, self._on_run_crashed):
            self.banner.show_busy(doing)

    def check(self) -> None:
        values = self.key_values()
        if values is None or self.platform is None:
            return
        self.save_now()
        self.run(self._check(self.platform, values), "Checking the keys…")

    async def _check(self, platform: LoadedPlatform, values: Mapping[str, str]) -> None:
        verdict = await check_keys(platform.account, values, self.log, self.settings())
        self.banner.show_verdict(verdict)

    def _on_run_crashed(self, error: BaseException) -> None:
        self.banner.show_result(False, f"Internal error: {type(error).__name__}",
                                "This is a bug in Connection Workbench; the log has the "
                                "requests made so far.")

    def _on_runner_busy_changed(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.check_button.setEnabled(not busy)
        self.keys.set_busy(busy)
        self.deck.set_busy(busy)
        self.stackone.set_busy(busy)
        if not busy and self.banner.kind == "busy":
            self.banner.show_message("Cancelled.", "info")
