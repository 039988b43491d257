"""Deck jobs in the app: EnsureConnection with every input, the MFA question, the connection's
idle countdown, CloseConnection, and any other job with a JSON input."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.library import LibraryEntry
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.claims import token_words, webhook_words
from workbench.core.platforms.deck import (
    DeckAccount,
    DeckClient,
    JobOutcome,
    ensure_connection_form,
    job_input,
    run_job,
)
from workbench.core.platforms.keys import platform_client
from workbench.core.transport import create_client
from workbench.qt.form_pane import ConnectorForm
from workbench.qt.mfa_dialog import ask_mfa
from workbench.qt.saved_form import SavedForm

if TYPE_CHECKING:
    from workbench.qt.platform_pane import PlatformPane

JOB_TIMEOUT = 120.0
IDLE_KEY = "deck/idle_minutes"
JOB_CODES = ("FetchDocuments", "FetchBalance", "FetchPaymentMethods", "MakePayment",
             "CloseConnection")
SIMULATIONS = ("", "job-failed", "error-input-values", "error-not-found", "error-system-error",
               "error-action-rejected", "error-unexpected-error")


class DeckPanel(QWidget):
    """What Deck's headless guide describes, one button per step."""

    def __init__(self, pane: PlatformPane) -> None:
        super().__init__()
        self._pane = pane
        self._last_job: float | None = None  # when the open connection last ran a job
        self.form = ConnectorForm()
        self.form.setObjectName("ensureForm")
        self.saved = SavedForm(self.form, pane.values, not_kept=("password",))
        self.ensure_button = QPushButton("Run EnsureConnection")
        self.ensure_button.setObjectName("ensureConnection")
        self.ensure_button.setToolTip("Submit the job and wait for its webhook")
        self.ensure_button.clicked.connect(self.ensure)
        self.status = QLabel("No open connection.")
        self.status.setObjectName("connectionStatus")
        self.status.setWordWrap(True)
        self.idle = QSpinBox()
        self.idle.setObjectName("idleMinutes")
        self.idle.setRange(1, 1440)
        self.idle.setSuffix(" min")
        self.idle.setToolTip("How long Deck keeps an idle connection open: its headless guide "
                             "says 10 minutes, other pages 1 hour")
        self.idle.valueChanged.connect(self._on_idle_value_changed)
        self.close_button = QPushButton("Close connection")
        self.close_button.setObjectName("closeConnection")
        self.close_button.clicked.connect(lambda: self.run_job("CloseConnection", {}))
        self.code = QComboBox()
        self.code.setObjectName("jobCode")
        self.code.setEditable(True)
        self.code.addItems(JOB_CODES)
        self.simulate = QComboBox()
        self.simulate.setObjectName("jobSimulate")
        self.simulate.addItems(SIMULATIONS)
        self.simulate.setToolTip("Deck sandbox simulation (x-deck-sandbox header)")
        self.job_input = QPlainTextEdit()
        self.job_input.setObjectName("jobInput")
        self.job_input.setPlaceholderText('{"from_date": "2026-01-01"}  — access_token is '
                                          "added for you")
        self.job_input.setMaximumHeight(90)
        self.run_job_button = QPushButton("Run job")
        self.run_job_button.setObjectName("runJob")
        self.run_job_button.clicked.connect(self._on_run_job_clicked)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._show_countdown)

        ensure_box = QGroupBox("EnsureConnection")
        ensure_layout = QVBoxLayout(ensure_box)
        ensure_layout.addWidget(self.form)
        ensure_layout.addWidget(self.ensure_button)
        connection = QHBoxLayout()
        connection.addWidget(self.status, 1)
        connection.addWidget(QLabel("Idle timeout"))
        connection.addWidget(self.idle)
        connection.addWidget(self.close_button)
        job_box = QGroupBox("Run job")
        job_form = QFormLayout(job_box)
        job_form.addRow("Job code", self.code)
        job_form.addRow("Input (JSON)", self.job_input)
        job_form.addRow("Sandbox simulation", self.simulate)
        job_form.addRow("", self.run_job_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(ensure_box)
        layout.addLayout(connection)
        layout.addWidget(job_box)
        self._set_connected(False)

    def show_account(self, entry: LibraryEntry) -> None:
        assert entry.platform is not None and isinstance(entry.platform.account, DeckAccount)
        account = entry.platform.account
        spec = ensure_connection_form(account.source_guid, self._default_webhook_url())
        self.saved.show(entry.connector_id + "#EnsureConnection", spec, self._on_saved_loaded)
        saved = QSettings().value(IDLE_KEY)
        self.idle.blockSignals(True)
        self.idle.setValue(int(str(saved)) if saved else account.connection_idle_minutes)
        self.idle.blockSignals(False)
        self._set_connected(False)

    def _on_saved_loaded(self) -> None:
        if not self.form.values().get("webhook_url"):
            self.form.set_value("webhook_url", self._default_webhook_url())
        self._show_countdown()  # a saved access token changes what the status says

    def set_busy(self, busy: bool) -> None:
        for widget in (self.form, self.ensure_button, self.run_job_button, self.code,
                       self.job_input, self.simulate):
            widget.setEnabled(not busy)
        self.close_button.setEnabled(not busy and self._has_token())

    def _default_webhook_url(self) -> str:
        url = self._pane.webhook_url()
        return url + "/deck" if url else ""

    def _has_token(self) -> bool:
        return bool(self.form.values().get("access_token", "").strip())

    # -- EnsureConnection -------------------------------------------------------------------

    def ensure(self) -> None:
        keys = self._pane.key_values()
        if keys is None:
            return
        values = self.form.values()
        if not values.get("webhook_url", "").strip():
            values["webhook_url"] = self._default_webhook_url()
            self.form.set_value("webhook_url", values["webhook_url"])
        problems = self.form.spec.problems(values)
        self.form.show_problems(problems)
        if problems:
            self._pane.banner.show_result(False, "EnsureConnection needs the fields marked.")
            return
        self._pane.arm_receiver(keys)
        self._pane.save_now()
        self._pane.run(self._ensure(keys, values), "Submitting EnsureConnection…")

    async def _ensure(self, keys: Mapping[str, str], values: Mapping[str, str]) -> None:
        outcome = await self._submit(keys, "EnsureConnection", job_input(values))
        if outcome is None:
            return
        kept = ""
        if outcome.kind == "connected":
            self.form.set_value("access_token", outcome.access_token)
            await self.saved.save_secret("access_token", outcome.access_token)
            kept = token_words(self._pane.values.secrets, in_app=True)
            self._set_connected(True)
        self._show(outcome, "EnsureConnection", kept)

    async def _submit(self, keys: Mapping[str, str], code: str, given: Mapping[str, Any],
                      simulate: str = "") -> JobOutcome | None:
        pane = self._pane
        assert pane.platform is not None
        async with create_client(pane.log, pane.settings()) as http:
            deck = platform_client(pane.platform.account, keys, http, pane.log)
            assert isinstance(deck, DeckClient)
            pane.banner.show_busy(f"{code} submitted; waiting for its webhook…")
            try:
                return await run_job(deck, pane.receiver, code, given, JOB_TIMEOUT,
                                     answer_mfa=self._answer, sandbox_outcome=simulate)
            except PlatformError as exc:
                pane.banner.show_result(False, str(exc), exc.hint)
                return None

    async def _answer(self, outcome: JobOutcome) -> str | None:
        self._pane.banner.show_busy("The source asks a security question…")
        answer = await ask_mfa(outcome.payload, self)
        if answer:
            self._pane.banner.show_busy("Answer sent; waiting for the webhook…")
        return answer

    def _show(self, outcome: JobOutcome, code: str, kept: str = "") -> None:
        summary = " ".join(filter(None, (outcome.summary(code), kept)))
        self._pane.banner.show_result(outcome.ok, summary, outcome.hint,
                                      webhook_words(outcome.delivery, outcome.via))

    # -- other jobs -------------------------------------------------------------------------

    def _on_run_job_clicked(self) -> None:
        text = self.job_input.toPlainText().strip() or "{}"
        try:
            given = json.loads(text)
        except ValueError as exc:
            self._pane.banner.show_result(False, f"The job input is not JSON: {exc}.",
                                          'Write one object, e.g. {"from_date": "2026-01-01"}.')
            return
        if not isinstance(given, dict):
            self._pane.banner.show_result(False, "The job input must be a JSON object ({…}).")
            return
        self.run_job(self.code.currentText().strip(), given, self.simulate.currentText())

    def run_job(self, code: str, given: dict[str, Any], simulate: str = "") -> None:
        keys = self._pane.key_values()
        if keys is None:
            return
        token = self.form.values().get("access_token", "").strip()
        given = {"access_token": token, **given} if token else given
        if not given.get("access_token") or not code:
            self._pane.banner.show_result(False, "Run EnsureConnection first.",
                                          "Jobs need the access_token of an open connection.")
            return
        self._pane.arm_receiver(keys)
        self._pane.run(self._job(keys, code, given, simulate), f"Submitting {code}…")

    async def _job(self, keys: Mapping[str, str], code: str, given: dict[str, Any],
                   simulate: str) -> None:
        outcome = await self._submit(keys, code, given, simulate)
        if outcome is None:
            return
        if code == "CloseConnection" and outcome.ok:
            self.form.set_value("access_token", "")
            await self.saved.save_secret("access_token", "")
            self._set_connected(False)
        elif outcome.ok:
            self._set_connected(True)  # a job keeps the connection open: the idle clock restarts
        self._show(outcome, code)

    # -- the connection's idle clock ----------------------------------------------------------

    def _set_connected(self, connected: bool) -> None:
        self._last_job = time.monotonic() if connected else None
        self.close_button.setEnabled(self._has_token())
        if connected:
            self._tick.start()
        else:
            self._tick.stop()
        self._show_countdown()

    def _show_countdown(self) -> None:
        if self._last_job is None:
            self.status.setText("Open connection: none known (a saved access token may still "
                                "work)." if self._has_token() else "No open connection.")
            return
        left = int(self._last_job + self.idle.value() * 60 - time.monotonic())
        if left <= 0:
            self._tick.stop()
            self.status.setText(f"Idle for {self.idle.value()} min: Deck has probably closed "
                                "the connection; run EnsureConnection again.")
            return
        self.status.setText(f"Connection open · closes in {left // 60}:{left % 60:02d} if idle")

    def _on_idle_value_changed(self, minutes: int) -> None:
        QSettings().setValue(IDLE_KEY, minutes)
        if self._last_job is not None:
            self._tick.start()  # a longer timeout may bring an expired clock back
            self._show_countdown()
