"""The support engineer's menu actions: open a customer's HAR, compare two runs, export a
support bundle.

The main window only adds the menu entries; the windows these open are kept here, so they
stay alive while shown, and a file that cannot be read is said in a message box.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from workbench import __version__
from workbench.core.bundle import BundleContents, write_bundle
from workbench.core.check import CheckResult
from workbench.core.diagnosis.har_file import diagnose_har
from workbench.core.errors import InputError
from workbench.core.events import Event, EventLog
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.core.run_diff import diff_runs
from workbench.core.run_files import read_run
from workbench.core.transport import create_client
from workbench.core.wire_secrets import learn_secrets
from workbench.qt.aio import spawn

if TYPE_CHECKING:
    from workbench.core.config.model import Blueprint

HAR_FILTER = "HAR files (*.har);;JSON files (*.json);;All files (*)"
RUN_FILTER = "Runs (*.har *.json *.zip);;All files (*)"
BUNDLE_FILTER = "Support bundles (*.zip);;All files (*)"
Connector = Callable[[], "tuple[str, Path, list[str]] | None"]  # (name, file, secret names)
Target = Callable[[], "tuple[Blueprint, dict[str, str]] | None"]  # shown connector and values


class SupportActions(QObject):
    """Opens HAR diagnoses and run comparisons as windows of their own."""

    def __init__(self, window: QWidget, log: EventLog,
                 settings: Callable[[], TransportSettings],
                 connector: Connector | None = None, target: Target | None = None) -> None:
        super().__init__(window)
        self._window, self._log, self._settings = window, log, settings
        self._connector, self._target = connector, target
        self.windows: list[QWidget] = []
        self.last_result: CheckResult | None = None  # the verdict a bundle carries

    def on_check_finished(self, result: object) -> None:
        """Remember the last check's result (CheckController.sig_finished)."""
        if isinstance(result, CheckResult):
            self.last_result = result

    # -- the provider's metadata -----------------------------------------------------------

    def check_discovery(self) -> asyncio.Task[QWidget | None]:
        """Hold the shown connector against its provider's metadata (and the last run's JWTs
        against the provider's keys); the answer opens in a window."""
        return spawn(self._check_discovery())

    async def _check_discovery(self) -> QWidget | None:
        from workbench.core.discovery import discover, jwks_of, verify_tokens
        from workbench.core.templates import fill
        from workbench.qt.discovery_view import DiscoveryView

        target = self._target() if self._target is not None else None
        entry = target[0].authentication if target is not None else None
        if target is None or entry is None or entry.oauth2_settings is None:
            QMessageBox.information(self._window, "Provider metadata",
                                    "Select an OAuth2 connector first: only OAuth providers "
                                    "publish metadata to check against.")
            return None
        blueprint, values = target
        try:
            token_url = fill(entry.oauth2_settings.token_url, values, what="token_url")
        except InputError as exc:
            QMessageBox.warning(self._window, "Provider metadata", str(exc))
            return None
        async with create_client(self._log, self._settings()) as client:
            report = await discover(client, blueprint, values, token_url)
            jwt = []
            token = self.last_result.token if self.last_result is not None else None
            if report.metadata and token is not None:
                jwks = await jwks_of(client, report)
                tokens = {k: v for k, v in (("access_token", token.access_token),
                                            ("id_token", token.id_token or "")) if v}
                if jwks:
                    jwt = verify_tokens(tokens, jwks, report.issuer,
                                        client_id=values.get("client_id", ""))
        return self._show(DiscoveryView(blueprint.connector.name, report, jwt))

    # -- support bundle --------------------------------------------------------------------

    def ask_export_bundle(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self._window, "Export support bundle",
                                              "workbench-support-bundle.zip", BUNDLE_FILTER)
        if path:
            self.export_bundle(path)

    def export_bundle(self, path: str | Path) -> dict[str, object] | None:
        """Write the session's log, the last verdict, the selected connector (without its
        secrets) and the environment as a redacted zip; a failure is said, nothing lost."""
        connector = self._connector() if self._connector is not None else None
        verdicts = []
        if self.last_result is not None:
            verdicts.append({"connector": connector[0] if connector else "",
                             **self.last_result.verdict.to_dict()})
        contents = BundleContents(list(self._log), self._log.redactor, __version__,
                                  self._settings(), verdicts,
                                  connector[1] if connector else None,
                                  connector[2] if connector else [])
        try:
            return write_bundle(path, contents)
        except OSError as exc:
            QMessageBox.warning(self._window, "Export failed",
                                f"Could not write {path}:\n{exc.strerror or exc}\n\nThe log "
                                "is unchanged; choose another location and try again.")
            return None

    # -- HAR -------------------------------------------------------------------------------

    def ask_open_har(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._window, "Open a HAR", "", HAR_FILTER)
        if path:
            self.open_har(path)

    def open_har(self, path: str | Path) -> asyncio.Task[QWidget | None]:
        """Read, diagnose and redact the HAR off the GUI thread, then show it."""
        return spawn(self._open_har(Path(path)))

    async def _open_har(self, path: Path) -> QWidget | None:
        from workbench.qt.har_view import HarView

        redactor = Redactor()
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, diagnose_har, path, redactor)
        except InputError as exc:
            QMessageBox.warning(self._window, "Cannot open the HAR",
                                f"{path.name}: {exc}\n\nNothing was opened.")
            return None
        view = HarView(result, path, redactor, self._log, self._settings)
        view.log_pane.sig_compare_requested.connect(self.compare_events)
        return self._show(view)

    # -- comparing -------------------------------------------------------------------------

    def compare_events(self, a: list[Event], b: list[Event]) -> QWidget:
        """Compare two runs picked in a log pane."""
        return self._compare(a, b, f"run A ({len(a)} events)", f"run B ({len(b)} events)",
                             self._log.redactor)

    def ask_compare_files(self) -> None:
        first, _ = QFileDialog.getOpenFileName(self._window, "Run A: the one that works", "",
                                               RUN_FILTER)
        if not first:
            return
        second, _ = QFileDialog.getOpenFileName(self._window, "Run B: the one that fails",
                                                str(Path(first).parent), RUN_FILTER)
        if second:
            self.compare_files(first, second)

    def compare_files(self, a: str | Path, b: str | Path) -> QWidget | None:
        try:
            run_a, run_b = read_run(a), read_run(b)
        except InputError as exc:
            QMessageBox.warning(self._window, "Cannot compare", str(exc))
            return None
        redactor = Redactor()
        for event in (*run_a.events, *run_b.events):
            learn_secrets(redactor, event)
        return self._compare(run_a.events, run_b.events, run_a.name, run_b.name, redactor)

    def _compare(self, a: list[Event], b: list[Event], a_name: str, b_name: str,
                 redactor: Redactor) -> QWidget:
        from workbench.qt.run_compare import RunCompareView

        return self._show(RunCompareView(diff_runs(a, b, redactor, a_name=a_name,
                                                   b_name=b_name)))

    def _show(self, view: QWidget) -> QWidget:
        self.windows = [w for w in self.windows if w.isVisible()]
        self.windows.append(view)
        view.show()
        view.raise_()
        return view
