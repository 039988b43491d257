"""The centre of the window for a platform account: its keys, Check keys, and the platform's
own panel below (jobs, connect sessions), one run at a time, cancellable.

A container, like napari's layer controls: it maps each registered platform to its panel
(`Platform.panel`, made the first time an account of it is shown), gives the panel a
`PanelContext`, and listens to the panel's signals; the panel never reaches in here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from workbench.core.events import EventLog
from workbench.core.library import LibraryEntry
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.keys import check_keys
from workbench.core.platforms.registry import Platform, load_target
from workbench.core.transport import TransportSettings
from workbench.core.webhooks import WebhookReceiver
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.platform_panel import PanelContext, PlatformPanel, Starter, fitted_form
from workbench.qt.redacting_banner import RedactingBanner
from workbench.qt.run_controller import RunController, RunEnd
from workbench.qt.saved_form import SavedForm


class PlatformPane(QWidget):
    """Keys form, Check keys / Cancel, banner, and the shown platform's panel below."""

    def __init__(self, log: EventLog, values: ConnectorValues,
                 settings: Callable[[], TransportSettings], receiver: WebhookReceiver,
                 webhook_url: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log, self.receiver = log, receiver
        self._settings = settings
        self._context = PanelContext(log, settings, receiver, webhook_url, values)
        self.runner = RunController(self)
        self.entry: LibraryEntry | None = None
        self._panels: dict[str, PlatformPanel | None] = {}  # platform → panel (None: has none)
        self.title = QLabel()
        self.title.setObjectName("platformTitle")
        self.title.setWordWrap(True)
        self.keys = fitted_form("platformKeys")
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

        actions = QHBoxLayout()
        actions.addWidget(self.check_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addStretch(1)
        page = QWidget()
        self._column = column = QVBoxLayout(page)
        column.addWidget(self.title)
        column.addWidget(self.keys)
        column.addLayout(actions)
        column.addStretch(1)  # panels go above it; one shows at a time
        self.scroll_area = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 6)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.banner)  # outside the scroll: the outcome is always in view
        self.runner.sig_started.connect(self.banner.show_busy)
        self.runner.sig_busy_changed.connect(self._on_runner_busy_changed)

    @property
    def platform(self) -> LoadedPlatform | None:
        return self.entry.platform if self.entry else None

    @property
    def panel(self) -> PlatformPanel | None:
        """The panel of the account shown (None: nothing shown, or a platform without one)."""
        return self.panel_for(self.platform.plugin) if self.platform is not None else None

    def panel_for(self, platform: Platform) -> PlatformPanel | None:
        """The platform's panel, made and wired the first time it is asked for."""
        if platform.name not in self._panels:
            panel: PlatformPanel | None = None
            if platform.panel:
                panel = load_target(platform.panel)(self._context, platform)
                self._column.insertWidget(self._column.count() - 1, panel)
                panel.sig_run_requested.connect(self._on_panel_run_requested)
                panel.sig_progress.connect(self.banner.show_busy)
                panel.sig_result.connect(self.banner.show_result)
                panel.sig_reveal.connect(self.scroll_area.ensureWidgetVisible)
                panel.set_busy(self.runner.busy)
            self._panels[platform.name] = panel
        return self._panels[platform.name]

    def show_entry(self, entry: LibraryEntry) -> None:
        """Show a platform account: saved keys (keychain), else the file's values."""
        if self.entry is not None:
            self.save_now()
        self.entry = entry
        assert entry.platform is not None
        account = entry.platform.account
        self.title.setText(f"<h3>{html.escape(account.name)}</h3>{entry.platform.plugin.label}. "
                           f"{html.escape(account.description)}")
        self.banner.clear()
        self.saved_keys.show(entry.connector_id, entry.platform.form)
        shown = self.panel
        for panel in self._panels.values():
            if panel is not None:
                panel.setVisible(panel is shown)
        if shown is not None:
            shown.show_account(entry)

    @property
    def values_loaded(self) -> bool:
        """The keychain has answered for every form of the account shown."""
        panel = self.panel
        return self.saved_keys.loaded and (panel is None or panel.values_loaded)

    def save_now(self) -> None:
        if self.platform is None:
            return
        self.saved_keys.save_now()
        if self.panel is not None:
            self.panel.save_now()

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

    def check(self) -> None:
        """Check keys: the platform's cheapest authenticated call, as a verdict."""
        values = self.key_values()
        if values is None or self.platform is None:
            return
        self.save_now()
        self.runner.start(self._check(self.platform, values), "Checking the keys…",
                          self._on_run_end)

    async def _check(self, platform: LoadedPlatform, values: Mapping[str, str]) -> None:
        verdict = await check_keys(platform.account, values, self.log, self._settings())
        self.banner.show_verdict(verdict)

    def _on_panel_run_requested(self, start: Starter) -> None:
        keys = self.key_values()
        if keys is None or self.platform is None:
            return
        run = start(keys)
        if run is None:
            return
        self.receiver.checks = self.platform.plugin.webhook_checks(keys.get("webhook_secret", ""))
        if run.save:
            self.save_now()
        self.runner.start(run.work, run.doing, self._on_run_end)

    def _on_run_end(self, end: RunEnd) -> None:
        if end.error is not None:
            self.banner.show_result(False, f"Internal error: {type(end.error).__name__}",
                                    "This is a bug in Connection Workbench; the log has the "
                                    "requests made so far.")
        elif self.banner.kind == "busy":
            self.banner.show_message("Cancelled.", "info")

    def _on_runner_busy_changed(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.check_button.setEnabled(not busy)
        self.keys.set_busy(busy)
        for panel in self._panels.values():
            if panel is not None:
                panel.set_busy(busy)
