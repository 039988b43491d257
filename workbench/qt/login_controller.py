"""Logging in at a connector's provider: which ways the shown connector offers, and the three
of them (the app's own browser, the system browser, another device), with their windows.

The session says which connector is shown and hands over its checked values; the login runs
on the CheckController like any check, and its verdict reaches the banner the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices

from workbench.core.events import EventLog
from workbench.core.formspec import FormSpec
from workbench.core.library import LibraryEntry
from workbench.qt.check_controller import CheckController
from workbench.qt.connection_pane import ConnectionPane

if TYPE_CHECKING:
    from workbench.qt.browser_dialog import BrowserDialog
    from workbench.qt.device_dialog import DeviceDialog
    from workbench.qt.session import ConnectorSession


def _open_in_system_browser(url: str) -> None:
    QDesktopServices.openUrl(QUrl(url))


class LoginController(QObject):
    """Offers the login modes the shown connector has and runs the one the user picks."""

    def __init__(self, pane: ConnectionPane, checks: CheckController,
                 session: ConnectorSession, log: EventLog, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self._pane = pane
        self._checks = checks
        self._session = session
        self._log = log
        self.browser: BrowserDialog | None = None  # the login window of the current run
        self.device_dialog: DeviceDialog | None = None
        pane.sig_authorize_requested.connect(self.authorize)
        session.sig_connector_shown.connect(self._on_session_connector_shown)

    def _on_session_connector_shown(self, entry: LibraryEntry, spec: FormSpec | None) -> None:
        """Offer the ways this connector's config allows (none for a file not loaded)."""
        loaded = entry.loaded if spec is not None else None
        auth = loaded.blueprint.authentication if loaded else None
        settings = auth.oauth2_settings if auth else None
        device = bool(settings and settings.device_authorization_url)
        code_grant = spec is not None and spec.grant_type == "authorization_code"
        self._pane.show_login_modes(code_grant=code_grant, device=device)

    def authorize(self, mode: str) -> None:
        """Log in in the app's browser ("embedded"), the system one, or on another device."""
        ready = self._session.ready_to_run("Fill in the marked fields before logging in.",
                                           optional=("code", "redirect_uri"))
        if ready is None:
            return
        entry, values = ready
        assert entry.loaded is not None
        blueprint = entry.loaded.blueprint
        if mode == "device":
            from workbench.qt.device_dialog import DeviceDialog

            self.device_dialog = DeviceDialog(self._pane.window())
            self.device_dialog.sig_cancel_requested.connect(self._checks.cancel)
            self._checks.sig_busy_changed.connect(self._on_device_run_busy_changed)
            self._checks.device_login(entry.connector_id, blueprint, values,
                                      self.device_dialog.show_device)
            return
        if mode == "system":
            self._checks.authorize(entry.connector_id, blueprint, values,
                                   _open_in_system_browser)
            return
        from workbench.core.authorize import DEFAULT_REDIRECT
        from workbench.qt.browser_dialog import BrowserDialog  # QtWebEngine: only now

        self.browser = BrowserDialog(values.get("redirect_uri") or DEFAULT_REDIRECT, self._log,
                                     self._checks.settings(), self._pane.window())
        self.browser.finished.connect(self._on_browser_finished)
        self._checks.authorize(entry.connector_id, blueprint, values, self.browser.open_url,
                               catcher=self.browser)

    def _on_device_run_busy_changed(self, busy: bool) -> None:
        if busy:
            return
        self._checks.sig_busy_changed.disconnect(self._on_device_run_busy_changed)
        if self.device_dialog is not None:
            self.device_dialog.accept()

    def _on_browser_finished(self, _result: int) -> None:
        browser = self.browser
        if browser is not None and browser.switch_to_system:
            # The provider refused the embedded browser: start over once the run has ended.
            self._checks.sig_busy_changed.connect(self._on_idle_switch_to_system)

    def _on_idle_switch_to_system(self, busy: bool) -> None:
        if busy:
            return
        self._checks.sig_busy_changed.disconnect(self._on_idle_switch_to_system)
        self.authorize("system")
