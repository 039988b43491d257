"""The main window: composes the panes and wires user intent to the controllers.

Library (left) → form and actions (centre) → token view (right); the log pane below all three.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from workbench.qt.preferences import Preferences
from workbench.qt.signals import signals_blocked
from workbench.qt.theme import accent

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

    from workbench.core.config.model import Blueprint
    from workbench.core.events import EventLog
    from workbench.core.library import LibraryEntry
    from workbench.qt.check_controller import CheckController
    from workbench.qt.connection_pane import ConnectionPane
    from workbench.qt.library_pane import LibraryPane
    from workbench.qt.log_pane import LogPane
    from workbench.qt.login_controller import LoginController
    from workbench.qt.platform_pane import PlatformPane
    from workbench.qt.sandbox_control import SandboxControl
    from workbench.qt.session import ConnectorSession
    from workbench.qt.token_view import TokenView
    from workbench.qt.webhook_control import WebhookControl

CONNECTOR_FILTER = "Connector files (*.yaml *.yml);;All files (*)"


class MainWindow(QMainWindow):
    """Connector library, form, token view and log, with menus, shortcuts and a status bar."""

    def __init__(self, *, keyring_backend: KeyringBackend | None = None,
                 sandbox: bool | None = None, deferred: bool = False,
                 parent: QWidget | None = None) -> None:
        """`keyring_backend` overrides keyring's choice (tests); `sandbox` the autostart.
        `deferred` shows an empty frame at once and builds the panes in `build()`, later."""
        super().__init__(parent)
        self.setWindowTitle("Connection Workbench")
        self.preferences = Preferences(self)
        self._keyring_backend = keyring_backend
        self._sandbox_wanted = sandbox
        self.ready = False
        self._build_status_bar()
        self._restore_geometry()
        loading = QLabel("Loading connectors…")
        loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(loading)
        if not deferred:
            self.build()

    def build(self) -> None:
        """Create the panes and controllers. The imports are here, not at the top, so the
        window can paint before the core (httpx, pydantic) and the connectors are loaded."""
        from workbench.core.events import EventLog
        from workbench.qt.aio import spawn
        from workbench.qt.check_controller import CheckController
        from workbench.qt.connection_pane import ConnectionPane
        from workbench.qt.library_pane import LibraryPane
        from workbench.qt.log_pane import LogPane
        from workbench.qt.login_controller import LoginController
        from workbench.qt.platform_pane import PlatformPane
        from workbench.qt.sandbox_control import SandboxControl
        from workbench.qt.session import ConnectorSession
        from workbench.qt.support_actions import SupportActions
        from workbench.qt.token_view import TokenView
        from workbench.qt.webhook_control import WebhookControl

        if self.ready:
            return
        self.log: EventLog = EventLog()
        self.checks: CheckController = CheckController(
            self.log, self.preferences.transport_settings, self)
        self.library: LibraryPane = LibraryPane()
        self.connection: ConnectionPane = ConnectionPane()
        self.token_view: TokenView = TokenView()
        self.log_pane: LogPane = LogPane(self.log)
        self.sandbox: SandboxControl = SandboxControl(parent=self)
        self.webhooks: WebhookControl = WebhookControl(self.log)
        self.statusBar().insertPermanentWidget(0, self.webhooks)
        self.session: ConnectorSession = ConnectorSession(
            self.connection, self.token_view, self.checks, self._keyring_backend, self)
        self.login: LoginController = LoginController(
            self.connection, self.checks, self.session, self.log, self)
        self.platform: PlatformPane = PlatformPane(
            self.log, self.session.values, self.preferences.transport_settings,
            self.webhooks.receiver, lambda: self.webhooks.webhook_url)
        self.support = SupportActions(self, self.log, self.preferences.transport_settings,
                                      self._bundle_connector, self._discovery_target)
        self.log_pane.sig_compare_requested.connect(self.support.compare_events)
        self.checks.sig_finished.connect(self.support.on_check_finished)
        self._centre = QStackedWidget()
        self._centre.addWidget(self.connection)
        self._centre.addWidget(self.platform)

        self._top = QSplitter(Qt.Orientation.Horizontal)
        self._top.addWidget(self.library)
        self._top.addWidget(self._centre)
        self._top.addWidget(self.token_view)
        self._top.setStretchFactor(1, 1)
        self._top.setSizes([330, 600, 340])
        self._main = QSplitter(Qt.Orientation.Vertical)
        self._main.addWidget(self._top)
        self._main.addWidget(self.log_pane)
        self._main.setStretchFactor(0, 3)
        self._main.setStretchFactor(1, 2)
        self._main.setSizes([520, 340])
        self.setCentralWidget(self._main)

        self._build_menus()
        self.library.sig_connector_selected.connect(self._on_library_connector_selected)
        self.library.sig_connector_reloaded.connect(self._on_library_connector_reloaded)
        self.preferences.sig_changed.connect(self._on_preferences_changed)
        self.sandbox.sig_state_changed.connect(self._on_sandbox_state_changed)
        self.session.sig_keychain_changed.connect(self._keychain_label.setText)
        self.setAcceptDrops(False)  # the library pane takes drops itself

        self.library.load_bundled()
        self.library.restore_opened()
        self._restore_splitters()
        self._on_preferences_changed()
        self.session.announce_keychain()
        QTimer.singleShot(0, lambda: spawn(self.webhooks.start()))
        wanted = self._sandbox_wanted
        if wanted if wanted is not None else self.sandbox.autostart():
            QTimer.singleShot(0, lambda: spawn(self.sandbox.start()))
        self.ready = True

    # -- building ------------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        self._keychain_label = QLabel()
        self._keychain_label.setObjectName("keychainStatus")
        self._sandbox_label = QLabel("Sandbox: off")
        self._tls_warning = QLabel("⚠ TLS verification is OFF: certificates are not checked")
        self._tls_warning.setObjectName("tlsWarning")
        self._tls_warning.hide()
        bar = self.statusBar()
        bar.addPermanentWidget(self._tls_warning)
        bar.addPermanentWidget(self._sandbox_label)
        bar.addPermanentWidget(self._keychain_label)

    def _action(self, menu: QMenu, text: str, slot: Callable[..., object],
                *shortcuts: QKeySequence | QKeySequence.StandardKey | str,
                tip: str = "") -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        self.addAction(action)  # shortcuts work wherever focus is
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Open connector…", self._on_open_files, QKeySequence.StandardKey.Open)
        self._action(file, "Open &folder…", self._on_open_folder, "Ctrl+Shift+O")
        self._recent_menu = file.addMenu("Open &recent")
        self._recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)
        file.addSeparator()
        self._action(file, "Export log as &HAR…", self.log_pane.ask_export_har)
        self._action(file, "Export log as &JSON…", self.log_pane.ask_export_json)
        file.addSeparator()
        self._action(file, "Open a &HAR to diagnose…", self.support.ask_open_har, "Ctrl+Shift+H",
                     tip="Read a browser's HAR, redact it, and find what went wrong in it")
        self._action(file, "Co&mpare two runs…", self.support.ask_compare_files,
                     tip="Compare two HARs, session exports or bundles step by step")
        self._action(file, "Export support &bundle…", self.support.ask_export_bundle,
                     tip="A zip to attach to a ticket: HAR, timeline, verdict, connector "
                     "without secrets, environment; every secret masked")
        file.addSeparator()
        self._action(file, "&Settings…", self._on_settings, "Ctrl+,")
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        connection = bar.addMenu("&Connection")
        self.test_action = self._action(connection, "&Test connection", self._on_test,
                                        "F5", "Ctrl+R")
        self._action(connection, "&Prove it fails with a wrong secret",
                     self.session.prove_negative, "Shift+F5")
        self.cancel_action = self._action(connection, "&Cancel", self._on_cancel, "Esc")
        self._action(connection, "&Renew token", self.session.renew)
        self._action(connection, "Check against the provider's &metadata",
                     self.support.check_discovery, tip="Fetch the provider's .well-known "
                     "metadata and hold this connector (and the last token) against it")
        self._action(connection, "&Forget saved values…", self.session.forget)

        view = bar.addMenu("&View")
        self._action(view, "Search connectors", self.library.focus_search, "Ctrl+F")
        self._action(view, "Filter log", self.log_pane.focus_filter, "Ctrl+L")
        self._action(view, "Clear log", self.log_pane.clear, "Ctrl+K")

        tools = bar.addMenu("&Tools")
        self.sandbox_action = self._action(tools, "Local &sandbox", self._on_sandbox_toggled)
        self.sandbox_action.setCheckable(True)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Connection Workbench", self._on_about)

    # -- slots ---------------------------------------------------------------------------------

    def _bundle_connector(self) -> tuple[str, Path, list[str]] | None:
        """The shown connector for a support bundle: name, file, secret field names."""
        entry = self.session.entry
        if entry is None or entry.loaded is None:
            return None
        from workbench.core.formspec import form_spec

        blueprint = entry.loaded.blueprint
        return blueprint.connector.name, entry.path, form_spec(blueprint).secret_names

    def _discovery_target(self) -> tuple[Blueprint, dict[str, str]] | None:
        entry = self.session.entry
        if entry is None or entry.loaded is None:
            return None
        from workbench.core.formspec import form_spec

        blueprint = entry.loaded.blueprint
        typed = {k: v for k, v in self.connection.form.values().items() if v.strip()}
        return blueprint, form_spec(blueprint).with_defaults(typed)

    def _on_about(self) -> None:
        from workbench.qt.about import show_about

        show_about(self)

    def _on_open_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open connector", "", CONNECTOR_FILTER)
        if paths:
            self.library.open_paths([Path(p) for p in paths])

    def _on_open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of connectors")
        if folder:
            self.library.open_paths([Path(folder)])

    def _on_recent_menu_about_to_show(self) -> None:
        self._recent_menu.clear()
        recent = self.library.recent_paths()
        for path in recent:
            action = self._recent_menu.addAction(str(path))
            action.triggered.connect(lambda _=False, p=path: self.library.open_paths([p]))
        if not recent:
            self._recent_menu.addAction("(none yet)").setEnabled(False)

    def _on_settings(self) -> None:
        from workbench.qt.aio import spawn
        from workbench.qt.settings_dialog import SettingsDialog

        before = self.webhooks.listening_on()
        if SettingsDialog(self.preferences, self).exec() and self.webhooks.listening_on() != before:
            spawn(self.webhooks.restart())

    def _on_preferences_changed(self) -> None:
        verify = self.preferences.transport_settings().verify_tls
        self._tls_warning.setVisible(not verify)
        self._tls_warning.setStyleSheet(f"color: {accent('fail')}; font-weight: bold;")

    def _on_sandbox_toggled(self, on: bool) -> None:
        from workbench.qt.aio import spawn

        self.sandbox.set_autostart(on)
        spawn(self.sandbox.start() if on else self.sandbox.stop())

    def _on_sandbox_state_changed(self, running: bool, text: str) -> None:
        self._sandbox_label.setText(text)
        with signals_blocked(self.sandbox_action):
            self.sandbox_action.setChecked(running)

    # -- layout and shutdown -------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = QSettings().value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)

    def _restore_splitters(self) -> None:
        settings = QSettings()
        for key, splitter in (("window/top", self._top), ("window/main", self._main)):
            state = settings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        self.log_pane.restore_state(settings.value("window/log"))

    def save_layout(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        if not self.ready:
            return
        settings.setValue("window/top", self._top.saveState())
        settings.setValue("window/main", self._main.saveState())
        settings.setValue("window/log", self.log_pane.save_state())

    # -- one centre for connectors, another for platform accounts ------------------------------

    def _on_library_connector_selected(self, entry: LibraryEntry) -> None:
        self.token_view.setVisible(entry.platform is None)  # platforms have no OAuth token
        if entry.platform is not None:
            self.session.save_now()
            self._centre.setCurrentWidget(self.platform)
            self.platform.show_entry(entry)
            return
        self.platform.save_now()
        self._centre.setCurrentWidget(self.connection)
        self.session.show_entry(entry)

    def _on_library_connector_reloaded(self, entry: LibraryEntry) -> None:
        shown = self.platform.entry
        if shown is not None and entry.path == shown.path and entry.platform is not None:
            self.platform.show_entry(entry)
        else:
            self.session.reload_entry(entry)

    def _on_test(self) -> None:
        if self._centre.currentWidget() is self.platform:
            self.platform.check()
        else:
            self.session.test()

    def _on_cancel(self) -> None:
        self.checks.cancel()
        self.platform.runner.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if self.ready:
            from workbench.qt.aio import spawn

            self.session.save_now()
            self.platform.save_now()
            self.checks.cancel()
            self.platform.runner.cancel()
            # Free the ports now: a closed window (in tests, several) must not keep listening.
            spawn(self.sandbox.stop())
            spawn(self.webhooks.stop())
        super().closeEvent(event)
