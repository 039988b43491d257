"""StackOne in the app: a connect session with every field, the auth link to copy or open, the
wait for `account.created` (or the account list), and the account's verification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.library import LibraryEntry
from workbench.core.platforms.registry import Platform
from workbench.core.platforms.stackone import (
    ConnectSession,
    FieldError,
    StackOneAccount,
    connect_session_form,
    session_request,
)
from workbench.core.platforms.stackone_link import LINK_EXPIRED_HINT, LinkResult, link_and_verify
from workbench.core.transport import create_client
from workbench.qt.platform_panel import PanelContext, PanelRun, PlatformPanel, fitted_form
from workbench.qt.saved_form import SavedForm


class StackOnePanel(PlatformPanel):
    """Create link → hand it to the customer → account linked → account verified."""

    def __init__(self, context: PanelContext, platform: Platform,
                 parent: QWidget | None = None) -> None:
        super().__init__(context, platform, parent)
        self._account: StackOneAccount | None = None
        self.form = fitted_form("sessionForm")
        self.saved = SavedForm(self.form, context.values)
        self.create_button = QPushButton("Create link")
        self.create_button.setObjectName("createLink")
        self.create_button.setToolTip("Create a connect session and wait for the customer")
        self.create_button.clicked.connect(self.create_link)
        self.link = QLineEdit()
        self.link.setObjectName("authLink")
        self.link.setReadOnly(True)
        self.link.setPlaceholderText("The auth link appears here")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copyLink")
        self.copy_button.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.link.text()))
        self.open_button = QPushButton("Open in browser")
        self.open_button.setObjectName("openLink")
        self.open_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl(self.link.text())))
        self.account = QLabel()
        self.account.setObjectName("linkedAccount")
        self.account.setWordWrap(True)
        self.account.setTextFormat(Qt.TextFormat.PlainText)  # the platform's words, as sent

        box = QGroupBox("Connect session")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.form)
        box_layout.addWidget(self.create_button)
        link_row = QHBoxLayout()
        link_row.addWidget(QLabel("Auth link"))
        link_row.addWidget(self.link, 1)
        link_row.addWidget(self.copy_button)
        link_row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(box)
        layout.addLayout(link_row)
        layout.addWidget(self.account)
        self._set_link("")

    def show_account(self, entry: LibraryEntry) -> None:
        assert entry.platform is not None and isinstance(entry.platform.account, StackOneAccount)
        self._account = account = entry.platform.account
        spec = connect_session_form(account.origin_owner_id, account.origin_owner_name,
                                    tuple(account.categories))
        self.saved.show(entry.connector_id + "#connect_session", spec)
        self._set_link("")
        self.account.clear()

    @property
    def values_loaded(self) -> bool:
        return self.saved.loaded

    def save_now(self) -> None:
        self.saved.save_now()

    def set_busy(self, busy: bool) -> None:
        self.form.setEnabled(not busy)
        self.create_button.setEnabled(not busy)

    def _set_link(self, url: str) -> None:
        self.link.setText(url)
        self.copy_button.setEnabled(bool(url))
        self.open_button.setEnabled(bool(url))

    def create_link(self) -> None:
        """Create a connect session (once the key and the session's fields are complete)."""
        self.sig_run_requested.emit(self._start_link)

    def _start_link(self, keys: Mapping[str, str]) -> PanelRun | None:
        values = self.form.values()
        problems = self.form.spec.problems(values)
        try:
            body = session_request(values) if not problems else {}
        except FieldError as exc:
            problems = {exc.field: str(exc)}
        self.form.show_problems(problems)
        if problems:
            self.show_problem("The connect session needs the fields marked.")
            return None
        self._set_link("")
        self.account.clear()
        return PanelRun(self._link(keys, body), "Creating the connect session…")

    async def _link(self, keys: Mapping[str, str], body: dict[str, Any]) -> None:
        account, context = self._account, self.context
        assert account is not None, "an account is shown"
        target = self.platform.webhook_url(context.webhook_url())
        async with create_client(context.log, context.settings()) as http:
            client = self.platform.client(account, keys, http, context.log.redactor)
            try:
                result = await link_and_verify(
                    client, context.receiver, body, float(body.get("expires_in", 1800)),
                    self._on_session, unified_path=account.unified_check,
                    register_webhook=target if account.register_webhook else "")
            except TimeoutError as exc:  # the wait lasts as long as the link works
                self.show_problem(str(exc).capitalize() + ".", LINK_EXPIRED_HINT)
                return
        self._show(result, account.unified_check)

    def _on_session(self, session: ConnectSession) -> None:
        self._set_link(session.auth_link_url)
        self.sig_reveal.emit(self.link)  # what the user needs next
        self.sig_progress.emit("Send the link to the customer; waiting for account.created "
                               "(and polling the account list)…")

    def _show(self, result: LinkResult, unified: str) -> None:
        if result.linked is not None:
            self.account.setText(result.account_sentence())
        self.show_report(result.report(unified))
        if result.linked is not None:  # once the banner's new height has shrunk the view
            QTimer.singleShot(0, lambda: self.sig_reveal.emit(self.account))
