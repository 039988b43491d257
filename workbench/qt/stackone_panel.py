"""StackOne in the app: a connect session with every field, the auth link to copy or open, the
wait for `account.created` (or the account list), and the account's verification."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer, QUrl
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
from workbench.core.platforms.claims import webhook_words
from workbench.core.platforms.keys import platform_client
from workbench.core.platforms.stackone import (
    ConnectSession,
    FieldError,
    StackOneAccount,
    StackOneClient,
    connect_session_form,
    session_request,
)
from workbench.core.platforms.stackone_link import LINK_EXPIRED_HINT, LinkResult, link_and_verify
from workbench.core.transport import create_client
from workbench.qt.form_pane import ConnectorForm
from workbench.qt.saved_form import SavedForm

if TYPE_CHECKING:
    from workbench.qt.platform_pane import PlatformPane


class StackOnePanel(QWidget):
    """Create link → hand it to the customer → account linked → account verified."""

    def __init__(self, pane: PlatformPane) -> None:
        super().__init__()
        self._pane = pane
        self.form = ConnectorForm()
        self.form.setObjectName("sessionForm")
        self.saved = SavedForm(self.form, pane.values)
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
        account = entry.platform.account
        spec = connect_session_form(account.origin_owner_id, account.origin_owner_name,
                                    tuple(account.categories))
        self.saved.show(entry.connector_id + "#connect_session", spec)
        self._set_link("")
        self.account.clear()

    def set_busy(self, busy: bool) -> None:
        self.form.setEnabled(not busy)
        self.create_button.setEnabled(not busy)

    def _set_link(self, url: str) -> None:
        self.link.setText(url)
        self.copy_button.setEnabled(bool(url))
        self.open_button.setEnabled(bool(url))

    def create_link(self) -> None:
        keys = self._pane.key_values()
        if keys is None:
            return
        values = self.form.values()
        problems = self.form.spec.problems(values)
        try:
            body = session_request(values) if not problems else {}
        except FieldError as exc:
            problems = {exc.field: str(exc)}
        self.form.show_problems(problems)
        if problems:
            self._pane.banner.show_result(False, "The connect session needs the fields marked.")
            return
        self._pane.arm_receiver(keys)
        self._pane.save_now()
        self._set_link("")
        self.account.clear()
        self._pane.run(self._link(keys, body), "Creating the connect session…")

    async def _link(self, keys: Mapping[str, str], body: dict[str, Any]) -> None:
        pane = self._pane
        assert pane.platform is not None and isinstance(pane.platform.account, StackOneAccount)
        account = pane.platform.account
        target = pane.webhook_url()
        async with create_client(pane.log, pane.settings()) as http:
            client = platform_client(account, keys, http, pane.log)
            assert isinstance(client, StackOneClient)
            try:
                result = await link_and_verify(
                    client, pane.receiver, body, float(body.get("expires_in", 1800)),
                    self._on_session, unified_path=account.unified_check,
                    register_webhook=target + "/stackone" if account.register_webhook else "")
            except TimeoutError as exc:  # the wait lasts as long as the link works
                pane.banner.show_result(False, str(exc).capitalize() + ".", LINK_EXPIRED_HINT)
                return
        self._show(result, account.unified_check)

    def _on_session(self, session: ConnectSession) -> None:
        self._set_link(session.auth_link_url)
        self._pane.scroll_area.ensureWidgetVisible(self.link)  # what the user needs next
        self._pane.banner.show_busy("Send the link to the customer; waiting for "
                                    "account.created (and polling the account list)…")

    def _show(self, result: LinkResult, unified: str) -> None:
        linked, account = result.linked, result.account or {}
        check = ""
        if linked is not None:
            event = linked.delivery.json().get("event") if linked.delivery else ""
            via = f"the {event} webhook" if linked.via == "webhook" else "polling"
            verified = linked.delivery.verification if linked.delivery else None
            signed = f" ({verified.status}, {verified.scheme})" if verified else ""
            self.account.setText(
                f"Account <b>{html.escape(linked.account_id)}</b> via {via}{signed}: provider "
                f"{html.escape(str(account.get('provider', '?')))}, status "
                f"{html.escape(str(account.get('status', '?')))}.")
            check = webhook_words(linked.delivery, linked.via)
        self._pane.banner.show_result(result.ok, result.summary(unified), result.hint, check)
        if linked is not None:  # once the banner's new height has shrunk the view
            QTimer.singleShot(0, lambda: self._pane.scroll_area.ensureWidgetVisible(
                self.account))

