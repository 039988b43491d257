"""The support engineer's menu actions: open a customer's HAR, compare two runs.

The main window only adds the menu entries; the windows these open are kept here, so they
stay alive while shown, and a file that cannot be read is said in a message box.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from workbench.core.diagnosis.har_file import diagnose_har
from workbench.core.errors import InputError
from workbench.core.events import Event, EventLog
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.core.run_diff import diff_runs
from workbench.core.run_files import read_run
from workbench.core.wire_secrets import learn_secrets
from workbench.qt.aio import spawn

HAR_FILTER = "HAR files (*.har);;JSON files (*.json);;All files (*)"
RUN_FILTER = "Runs (*.har *.json *.zip);;All files (*)"


class SupportActions(QObject):
    """Opens HAR diagnoses and run comparisons as windows of their own."""

    def __init__(self, window: QWidget, log: EventLog,
                 settings: Callable[[], TransportSettings]) -> None:
        super().__init__(window)
        self._window, self._log, self._settings = window, log, settings
        self.windows: list[QWidget] = []

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
