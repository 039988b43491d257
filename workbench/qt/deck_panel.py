"""Deck jobs in the app: EnsureConnection with every input, the MFA question, the connection's
idle countdown, CloseConnection, and any other job with a JSON input.

The open connection (its access token and idle clock) is a `DeckConnection`: the form's
access_token field shows it and edits it, and jobs take the token from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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
from workbench.core.platforms.claims import token_words
from workbench.core.platforms.deck import (
    DeckAccount,
    JobOutcome,
    ensure_connection_form,
    job_input,
    run_job,
)
from workbench.core.platforms.deck_connection import DeckConnection
from workbench.core.platforms.registry import Platform
from workbench.core.transport import create_client
from workbench.qt.mfa_dialog import ask_mfa
from workbench.qt.platform_panel import PanelContext, PanelRun, PlatformPanel, fitted_form
from workbench.qt.saved_form import SavedForm
from workbench.qt.signals import signals_blocked

JOB_TIMEOUT = 120.0
IDLE_KEY = "deck/idle_minutes"
ACCESS_TOKEN = "access_token"
JOB_CODES = ("FetchDocuments", "FetchBalance", "FetchPaymentMethods", "MakePayment",
             "CloseConnection")
SIMULATIONS = ("", "job-failed", "error-input-values", "error-not-found", "error-system-error",
               "error-action-rejected", "error-unexpected-error")


class DeckPanel(PlatformPanel):
    """What Deck's headless guide describes, one button per step."""

    def __init__(self, context: PanelContext, platform: Platform,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, platform, parent)
        self.connection = DeckConnection()
        self._account: DeckAccount | None = None
        self.form = fitted_form("ensureForm")
        self.form.sig_edited.connect(self._on_form_edited)
        self.saved = SavedForm(self.form, context.values, not_kept=("password",))
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
        self._account = account = entry.platform.account
        spec = ensure_connection_form(account.source_guid, self._default_webhook_url())
        self.connection = DeckConnection()  # the saved token, once loaded, is this account's
        self.saved.show(entry.connector_id + "#EnsureConnection", spec, self._on_saved_loaded)
        saved = QSettings().value(IDLE_KEY)
        with signals_blocked(self.idle):
            self.idle.setValue(int(str(saved)) if saved else account.connection_idle_minutes)
        self.connection.idle_minutes = self.idle.value()
        self._set_connected(False)

    @property
    def values_loaded(self) -> bool:
        return self.saved.loaded

    def save_now(self) -> None:
        self.saved.save_now()

    def _on_saved_loaded(self) -> None:
        if not self.form.values().get("webhook_url"):
            self.form.set_value("webhook_url", self._default_webhook_url())
        self.connection.access_token = self.form.values().get(ACCESS_TOKEN, "")
        self._show_countdown()  # a saved access token changes what the status says

    def _on_form_edited(self, name: str) -> None:
        if name == ACCESS_TOKEN:  # a token from an earlier connection, typed or pasted
            self.connection.access_token = self.form.values().get(ACCESS_TOKEN, "")

    def _show_token(self) -> None:
        """The field shows the connection's token (the view; the connection holds it)."""
        self.form.set_value(ACCESS_TOKEN, self.connection.access_token)

    def set_busy(self, busy: bool) -> None:
        for widget in (self.form, self.ensure_button, self.run_job_button, self.code,
                       self.job_input, self.simulate):
            widget.setEnabled(not busy)
        self.close_button.setEnabled(not busy and self.connection.has_token)

    def _default_webhook_url(self) -> str:
        return self.platform.webhook_url(self.context.webhook_url())

    # -- EnsureConnection -------------------------------------------------------------------

    def ensure(self) -> None:
        """Submit EnsureConnection (once the account's keys and the fields are complete)."""
        self.sig_run_requested.emit(self._start_ensure)

    def _start_ensure(self, keys: Mapping[str, str]) -> PanelRun | None:
        values = {**self.form.values(), ACCESS_TOKEN: self.connection.access_token}
        if not values.get("webhook_url", "").strip():
            values["webhook_url"] = self._default_webhook_url()
            self.form.set_value("webhook_url", values["webhook_url"])
        problems = self.form.spec.problems(values)
        self.form.show_problems(problems)
        if problems:
            self.show_problem("EnsureConnection needs the fields marked.")
            return None
        return PanelRun(self._ensure(keys, values), "Submitting EnsureConnection…")

    async def _ensure(self, keys: Mapping[str, str], values: Mapping[str, str]) -> None:
        outcome = await self._submit(keys, "EnsureConnection", job_input(values))
        if outcome is None:
            return
        kept = ""
        if outcome.kind == "connected":
            self.connection.opened(outcome.access_token)
            self._show_token()
            await self.saved.save_secret(ACCESS_TOKEN, outcome.access_token)
            kept = token_words(self.context.values.secrets, in_app=True)
            self._set_connected(True)
        self.show_report(outcome.report("EnsureConnection"), kept)

    async def _submit(self, keys: Mapping[str, str], code: str, given: Mapping[str, Any],
                      simulate: str = "") -> JobOutcome | None:
        context = self.context
        assert self._account is not None, "an account is shown"
        async with create_client(context.log, context.settings()) as http:
            deck = self.platform.client(self._account, keys, http, context.log.redactor)
            self.sig_progress.emit(f"{code} submitted; waiting for its webhook…")
            try:
                return await run_job(deck, context.receiver, code, given, JOB_TIMEOUT,
                                     answer_mfa=self._answer, sandbox_outcome=simulate)
            except PlatformError as exc:
                self.show_problem(str(exc), exc.hint)
                return None

    async def _answer(self, outcome: JobOutcome) -> str | None:
        self.sig_progress.emit("The source asks a security question…")
        answer = await ask_mfa(outcome.payload, self)
        if answer:
            self.sig_progress.emit("Answer sent; waiting for the webhook…")
        return answer

    # -- other jobs -------------------------------------------------------------------------

    def _on_run_job_clicked(self) -> None:
        text = self.job_input.toPlainText().strip() or "{}"
        try:
            given = json.loads(text)
        except ValueError as exc:
            self.show_problem(f"The job input is not JSON: {exc}.",
                              'Write one object, e.g. {"from_date": "2026-01-01"}.')
            return
        if not isinstance(given, dict):
            self.show_problem("The job input must be a JSON object ({…}).")
            return
        self.run_job(self.code.currentText().strip(), given, self.simulate.currentText())

    def run_job(self, code: str, given: dict[str, Any], simulate: str = "") -> None:
        """Submit job `code` on the open connection (its access token added)."""

        def start(keys: Mapping[str, str]) -> PanelRun | None:
            token = self.connection.access_token.strip()
            job = {ACCESS_TOKEN: token, **given} if token else given
            if not job.get(ACCESS_TOKEN) or not code:
                self.show_problem("Run EnsureConnection first.",
                                  "Jobs need the access_token of an open connection.")
                return None
            return PanelRun(self._job(keys, code, job, simulate), f"Submitting {code}…",
                            save=False)

        self.sig_run_requested.emit(start)

    async def _job(self, keys: Mapping[str, str], code: str, given: dict[str, Any],
                   simulate: str) -> None:
        outcome = await self._submit(keys, code, given, simulate)
        if outcome is None:
            return
        if code == "CloseConnection" and outcome.ok:
            self.connection.closed()
            self._show_token()
            await self.saved.save_secret(ACCESS_TOKEN, "")
            self._set_connected(False)
        elif outcome.ok:
            self._set_connected(True)  # a job keeps the connection open: the idle clock restarts
        self.show_report(outcome.report(code))

    # -- the connection's idle clock ----------------------------------------------------------

    def _set_connected(self, connected: bool) -> None:
        if connected:
            self.connection.used()
            self._tick.start()
        else:
            self.connection.stop_clock()
            self._tick.stop()
        self.close_button.setEnabled(self.connection.has_token)
        self._show_countdown()

    def _show_countdown(self) -> None:
        self.status.setText(self.connection.status())
        left = self.connection.seconds_left()
        if left is not None and left <= 0:
            self._tick.stop()

    def _on_idle_value_changed(self, minutes: int) -> None:
        QSettings().setValue(IDLE_KEY, minutes)
        self.connection.idle_minutes = minutes
        if self.connection.known_open:
            self._tick.start()  # a longer timeout may bring an expired clock back
            self._show_countdown()
