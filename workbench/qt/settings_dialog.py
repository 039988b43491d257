"""The Settings dialog: proxy, TLS, timeouts and theme, checked before they reach the transport.

The dialog only edits widgets; on OK it builds a TransportSettings, checks it with the core's own
`ssl_context` (the same code every request runs), and saves through Preferences.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.core.errors import InputError
from workbench.core.transport import TransportSettings, ssl_context
from workbench.qt.preferences import Preferences
from workbench.qt.theme import THEMES, Theme, accent, apply_theme
from workbench.qt.webhook_control import PORT_KEY, PUBLIC_URL_KEY

PROXY_SCHEMES = ("http", "https", "socks5")
VERIFY_OFF_WARNING = ("Certificates will not be checked: anyone on the network path can read and "
                      "change traffic, including secrets.")
PEM_FILTER = "PEM files (*.pem *.crt *.cer *.key);;All files (*)"
MIN_TIMEOUT, MAX_TIMEOUT = 1.0, 600.0


def proxy_url_problem(text: str) -> str | None:
    """Why `text` is not a usable proxy URL (scheme://host:port), or None when it is."""
    url = text.strip()
    if not url:
        return "Enter the proxy URL, e.g. http://proxy.example.com:3128."
    if "://" not in url:
        return "Start with the scheme: http://, https:// or socks5://."
    parts = urlsplit(url)
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return f"Unsupported proxy scheme “{parts.scheme}”: use http, https or socks5."
    if parts.scheme.lower() == "socks5" and importlib.util.find_spec("socksio") is None:
        return "SOCKS5 needs httpx's SOCKS support (the socksio package), which is not installed."
    try:
        port = parts.port
    except ValueError:
        return "The port must be a number from 1 to 65535."
    if not parts.hostname:
        return "The proxy URL needs a host name."
    if port is None:
        return "Add the proxy's port, e.g. http://proxy.example.com:3128."
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "A proxy URL has no path: use scheme://host:port."
    return None


def public_url_problem(text: str) -> str | None:
    """Why `text` cannot be the receiver's public URL, or None (empty means none)."""
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Give the tunnel's full URL, e.g. https://abc.ngrok-free.app"
    return None


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.hide()
    return label


class _PathRow:
    """A PEM file path on a grid row — field, Browse…, Clear — with its error on the row below."""

    def __init__(self, parent: QWidget, title: str) -> None:
        self._parent, self._title = parent, title
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("none")
        self.browse_button = QPushButton("Browse…")
        self.clear_button = QPushButton("Clear")
        self.error = _message_label()
        self.browse_button.clicked.connect(self._on_browse_clicked)
        self.clear_button.clicked.connect(lambda: self.set_path(None))
        self.edit.textEdited.connect(lambda _text: self.show_error(None))

    def add_to(self, grid: QGridLayout, row: int) -> None:
        label = QLabel(f"{self._title}:")
        label.setBuddy(self.edit)
        grid.addWidget(label, row, 0)
        grid.addWidget(self.edit, row, 1)
        grid.addWidget(self.browse_button, row, 2)
        grid.addWidget(self.clear_button, row, 3)
        grid.addWidget(self.error, row + 1, 1, 1, 3)

    def path(self) -> str | None:
        return self.edit.text().strip() or None

    def set_path(self, path: str | None) -> None:
        self.edit.setText(path or "")
        self.show_error(None)

    def show_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))

    def _on_browse_clicked(self) -> None:
        current = self.path()
        start = str(Path(current).parent) if current else str(Path.home())
        chosen, _filter = QFileDialog.getOpenFileName(self._parent, self._title, start, PEM_FILTER)
        if chosen:
            self.set_path(chosen)


class SettingsDialog(QDialog):
    """Edits the network settings every request uses, and the theme; saves only valid values."""

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preferences = preferences
        self.setWindowTitle("Settings")
        self.setMinimumWidth(600)
        layout = QVBoxLayout(self)
        layout.addWidget(self._proxy_group())
        layout.addWidget(self._tls_group())
        layout.addWidget(self._requests_group())
        layout.addWidget(self._webhooks_group())
        layout.addWidget(self._appearance_group())
        self.error = _message_label()
        layout.addWidget(self.error)
        layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel
                                   | QDialogButtonBox.StandardButton.RestoreDefaults)
        self.buttons = buttons
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(self._on_restore_clicked)
        layout.addWidget(buttons)
        self._style_messages()
        self._load(preferences.transport_settings(), preferences.theme())

    # -- building ------------------------------------------------------------------------

    def _proxy_group(self) -> QGroupBox:
        box = QGroupBox("Proxy")
        self.system_proxy = QRadioButton(
            "System proxy (environment: HTTPS_PROXY/HTTP_PROXY/NO_PROXY)")
        self.no_proxy = QRadioButton("No proxy")
        self.manual_proxy = QRadioButton("Manual:")
        self._proxy_choice = QButtonGroup(box)
        for radio in (self.system_proxy, self.no_proxy, self.manual_proxy):
            self._proxy_choice.addButton(radio)
        self.proxy_url = QLineEdit()
        self.proxy_url.setPlaceholderText("http://proxy.example.com:3128")
        self.proxy_error = _message_label()
        self.proxy_note = _message_label()
        self._loopback_note = QLabel("Requests to 127.0.0.1 and localhost never use a proxy.")
        grid = QGridLayout(box)
        grid.addWidget(self.system_proxy, 0, 0, 1, 2)
        grid.addWidget(self.no_proxy, 1, 0, 1, 2)
        grid.addWidget(self.manual_proxy, 2, 0)
        grid.addWidget(self.proxy_url, 2, 1)
        grid.addWidget(self.proxy_error, 3, 1)
        grid.addWidget(self.proxy_note, 4, 1)
        grid.addWidget(self._loopback_note, 5, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.manual_proxy.toggled.connect(self._on_manual_proxy_toggled)
        self.proxy_url.textChanged.connect(self._on_proxy_url_changed)
        return box

    def _tls_group(self) -> QGroupBox:
        box = QGroupBox("TLS")
        self.verify_tls = QCheckBox("Verify TLS certificates")
        self.verify_warning = _message_label()
        self.verify_warning.setText(f"⚠ {VERIFY_OFF_WARNING}")
        self.ca_bundle = _PathRow(self, "CA bundle (PEM)")
        self.client_cert = _PathRow(self, "Client certificate")
        self.client_key = _PathRow(self, "Client key")
        self._tls_note = QLabel("The CA bundle adds to the system's trusted CAs. Leave the key "
                                "empty when the certificate file contains it.")
        self._tls_note.setWordWrap(True)
        # Wrapped labels sit in the box's column, not in the grid, which would clip them.
        column = QVBoxLayout(box)
        column.addWidget(self.verify_tls)
        column.addWidget(self.verify_warning)
        grid = QGridLayout()
        for row, path_row in enumerate((self.ca_bundle, self.client_cert, self.client_key)):
            path_row.add_to(grid, 2 * row)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        column.addWidget(self._tls_note)
        self.verify_tls.toggled.connect(self._on_verify_tls_toggled)
        return box

    def _requests_group(self) -> QGroupBox:
        box = QGroupBox("Requests")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.timeout = self._seconds("Longest wait for the server to send or accept data.")
        self.connect_timeout = self._seconds("Longest wait to open a connection.")
        self.follow_redirects = QCheckBox("Follow redirects")
        self.follow_redirects.setToolTip("Off: a 3xx answer is shown as it is, with its Location.")
        form.addRow("Request timeout:", self.timeout)
        form.addRow("Connect timeout:", self.connect_timeout)
        form.addRow(self.follow_redirects)
        return box

    def _webhooks_group(self) -> QGroupBox:
        box = QGroupBox("Webhooks")
        form = QFormLayout(box)
        self.webhook_port = QSpinBox()
        self.webhook_port.setObjectName("webhookPort")
        self.webhook_port.setRange(0, 65535)
        self.webhook_port.setSpecialValueText("any free port")
        self.webhook_port.setToolTip("Where the receiver listens on 127.0.0.1; a fixed port "
                                     "keeps a tunnel's target stable across restarts.")
        self.public_url = QLineEdit()
        self.public_url.setObjectName("webhookPublicUrl")
        self.public_url.setPlaceholderText("https://….ngrok-free.app (a tunnel to the receiver)")
        self.public_url.setToolTip("Sent as webhook_url in jobs when set; platforms on the "
                                   "internet cannot reach 127.0.0.1.")
        self.public_url_error = _message_label()
        form.addRow("Receiver port:", self.webhook_port)
        form.addRow("Public URL:", self.public_url)
        form.addRow("", self.public_url_error)
        form.addRow(QLabel("Signing secrets belong to each account (its keys form)."))
        return box

    def _appearance_group(self) -> QGroupBox:
        box = QGroupBox("Appearance")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(theme.capitalize(), theme)
        form.addRow("Theme:", self.theme)
        return box

    def _seconds(self, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(MIN_TIMEOUT, MAX_TIMEOUT)
        spin.setDecimals(1)
        spin.setSuffix(" s")
        spin.setToolTip(tip)
        spin.setMinimumWidth(110)
        return spin

    def _style_messages(self) -> None:
        fail = accent("fail")
        for label in (self.error, self.proxy_error, self.ca_bundle.error, self.client_cert.error,
                      self.client_key.error):
            label.setStyleSheet(f"color: {fail};")
        self.verify_warning.setStyleSheet(
            f"color: {fail}; background: {accent('fail_bg')}; border: 1px solid {fail};"
            " border-radius: 4px; padding: 6px 8px; font-weight: bold;")
        self.proxy_note.setStyleSheet(f"color: {accent('warn')};")
        for note in (self._loopback_note, self._tls_note):
            note.setStyleSheet(f"color: {accent('muted')};")

    # -- values ------------------------------------------------------------------------

    def _load(self, transport: TransportSettings, theme: Theme) -> None:
        radio = (self.manual_proxy if transport.proxy
                 else self.system_proxy if transport.use_env_proxy else self.no_proxy)
        radio.setChecked(True)
        self.proxy_url.setText(transport.proxy or "")
        self._on_manual_proxy_toggled(self.manual_proxy.isChecked())
        self.verify_tls.setChecked(transport.verify_tls)
        self._on_verify_tls_toggled(transport.verify_tls)
        self.ca_bundle.set_path(transport.ca_bundle)
        self.client_cert.set_path(transport.client_cert)
        self.client_key.set_path(transport.client_key)
        self.timeout.setValue(transport.timeout)
        self.connect_timeout.setValue(transport.connect_timeout)
        self.follow_redirects.setChecked(transport.follow_redirects)
        self.theme.setCurrentIndex(max(0, self.theme.findData(theme)))
        self._clear_errors()

    def _transport(self) -> TransportSettings:
        manual = self.manual_proxy.isChecked()
        return TransportSettings(
            timeout=self.timeout.value(),
            connect_timeout=self.connect_timeout.value(),
            proxy=self.proxy_url.text().strip() if manual else None,
            use_env_proxy=self.system_proxy.isChecked(),
            ca_bundle=self.ca_bundle.path(),
            client_cert=self.client_cert.path(),
            client_key=self.client_key.path(),
            verify_tls=self.verify_tls.isChecked(),
            follow_redirects=self.follow_redirects.isChecked(),
        )

    def _selected_theme(self) -> Theme:
        data = self.theme.currentData()
        return next((t for t in THEMES if t == data), "system")

    def _validated(self) -> TransportSettings | None:
        """The settings, or None after showing every problem beside its field."""
        self._clear_errors()
        transport = self._transport()
        ok = True
        if self.manual_proxy.isChecked():
            problem = proxy_url_problem(self.proxy_url.text())
            self._show(self.proxy_error, problem)
            ok = problem is None
        checks = [(self.ca_bundle, TransportSettings(ca_bundle=transport.ca_bundle))]
        checks.append((self.client_key, TransportSettings(client_key=transport.client_key)))
        for row, trial in checks:
            ok = self._passes(row, trial) and ok
        if transport.client_key and not transport.client_cert:
            self.client_key.show_error("A client key needs a client certificate.")
            ok = False
        elif not self.client_key.error.text():  # the pair can only load once the key exists
            ok = self._passes(self.client_cert, TransportSettings(
                client_cert=transport.client_cert, client_key=transport.client_key)) and ok
        if ok:
            try:
                ssl_context(transport)
            except InputError as exc:
                self._show(self.error, str(exc))
                ok = False
        return transport if ok else None

    def _passes(self, row: _PathRow, trial: TransportSettings) -> bool:
        try:
            ssl_context(trial)
        except InputError as exc:
            row.show_error(str(exc))
            return False
        return True

    def _show(self, label: QLabel, message: str | None) -> None:
        label.setText(message or "")
        label.setVisible(bool(message))
        self._fit()

    def _clear_errors(self) -> None:
        for label in (self.error, self.proxy_error):
            self._show(label, None)
        for row in (self.ca_bundle, self.client_cert, self.client_key):
            row.show_error(None)

    # -- events ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not event.spontaneous():  # reopened: show what is saved now, in today's colours
            settings = QSettings()
            self.webhook_port.setValue(int(str(settings.value(PORT_KEY, 0) or 0)))
            self.public_url.setText(str(settings.value(PUBLIC_URL_KEY, "") or ""))
            self._style_messages()
            self._load(self._preferences.transport_settings(), self._preferences.theme())
        super().showEvent(event)

    def _on_buttons_accepted(self) -> None:
        transport = self._validated()
        public = self.public_url.text().strip()
        problem = public_url_problem(public)
        self._show(self.public_url_error, problem)
        if transport is None or problem:
            self._fit()
            return
        settings = QSettings()
        settings.setValue(PORT_KEY, self.webhook_port.value())
        settings.setValue(PUBLIC_URL_KEY, public)
        theme, previous = self._selected_theme(), self._preferences.theme()
        self._preferences.save(transport, theme)
        app = QApplication.instance()
        if theme != previous and isinstance(app, QApplication):
            apply_theme(app, theme)
        self.accept()

    def _on_restore_clicked(self) -> None:
        self._load(TransportSettings(), "system")

    def _on_manual_proxy_toggled(self, checked: bool) -> None:
        self.proxy_url.setEnabled(checked)
        if checked:
            self.proxy_url.setFocus()
        else:
            self._show(self.proxy_error, None)

    def _on_proxy_url_changed(self, text: str) -> None:
        self._show(self.proxy_error, None)
        has_password = "://" in text and urlsplit(text.strip()).password is not None
        self._show(self.proxy_note, "The proxy password is saved unencrypted in the settings file."
                   if has_password else None)

    def _on_verify_tls_toggled(self, checked: bool) -> None:
        self.verify_warning.setVisible(not checked)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """Keep wrapped messages whole: Qt's minimum size ignores height-for-width."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
            self.setMinimumHeight(layout.totalHeightForWidth(self.width()))
