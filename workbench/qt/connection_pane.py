"""The centre of the window: the connector's form, the actions, and the verdict of the last run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.qt.form_pane import ConnectorForm
from workbench.qt.received_view import ReceivedView
from workbench.qt.theme import accent
from workbench.qt.verdict_banner import VerdictBanner


class ConnectionPane(QWidget):
    """Form, Test connection / Cancel with a busy indicator, and the verdict banner."""

    sig_test_requested = Signal()
    """The user asked to test the connection."""
    sig_negative_control_requested = Signal()
    """The user asked to check, then prove that a wrong secret fails."""
    sig_cancel_requested = Signal()
    """The user asked to stop the run in flight."""
    sig_authorize_requested = Signal(str)
    """The user asked to log in: "embedded" or "system" browser, or "device"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notice = _NoticeBar()
        self.form = ConnectorForm()
        self.banner = VerdictBanner()
        self.received = ReceivedView()
        self.can_test = False
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.setToolTip("Authenticate and run the connector's validation steps "
                                    "(F5 or Ctrl+R)")
        self.test_button.setDefault(True)
        self.test_button.setEnabled(False)
        self.test_button.clicked.connect(self.sig_test_requested)
        self.control_button = QPushButton("Prove it fails with a wrong secret")
        self.control_button.setObjectName("negativeControl")
        self.control_button.setToolTip(
            "Test the connection, then run it again with the main secret replaced by a wrong "
            "value: if that passes too, the endpoint does not check credentials (Shift+F5)")
        self.control_button.setEnabled(False)
        self.control_button.clicked.connect(self.sig_negative_control_requested)
        self.authorize_button = QToolButton()
        self.authorize_button.setObjectName("authorize")
        self.authorize_button.setText("Authorize…")
        self.authorize_button.setToolTip("Log in at the provider, then test the connection")
        self.authorize_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.authorize_button)
        self.embedded_action = menu.addAction("In the app's browser")
        self.system_action = menu.addAction("In the system browser")
        self.device_action = menu.addAction("On another device (code / QR)")
        ask = self.sig_authorize_requested.emit
        self.embedded_action.triggered.connect(lambda: ask("embedded"))
        self.system_action.triggered.connect(lambda: ask("system"))
        self.device_action.triggered.connect(lambda: ask("device"))
        self.authorize_button.setMenu(menu)
        self.authorize_default = "embedded"  # what a plain click on the button does
        self.authorize_button.clicked.connect(lambda: ask(self.authorize_default))
        self.authorize_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelRun")
        self.cancel_button.setToolTip("Stop the run in flight (Esc)")
        self.cancel_button.clicked.connect(self.sig_cancel_requested)
        self.cancel_button.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # indeterminate: a run has no known length
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()

        actions = QHBoxLayout()
        actions.addWidget(self.authorize_button)
        actions.addWidget(self.test_button)
        actions.addWidget(self.control_button)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.progress)
        actions.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.notice)
        layout.addWidget(self.form, 1)
        layout.addLayout(actions)
        layout.addWidget(self.banner)
        layout.addWidget(self.received)

    def set_busy(self, busy: bool) -> None:
        """Show that a run is in flight; the rest of the window stays usable."""
        self.test_button.setEnabled(not busy and self.can_test)
        self.control_button.setEnabled(not busy and self.can_test)
        self.control_button.setVisible(not busy)  # Cancel takes its place: the row stays narrow
        self.authorize_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.progress.setVisible(busy)
        self.form.set_busy(busy)

    def show_login_modes(self, *, code_grant: bool, device: bool) -> None:
        """Offer Authorize… with the ways the connector allows: a browser for the
        authorization code grant, another device for the device grant; none hides it."""
        self.authorize_button.setVisible(code_grant or device)
        self.device_action.setVisible(device)
        self.embedded_action.setVisible(code_grant)
        self.system_action.setVisible(code_grant)
        self.authorize_default = "embedded" if code_grant else "device"

    @property
    def can_authorize(self) -> bool:
        """Authorize… is on offer (and shown)."""
        return self.authorize_button.isVisible()

    def request_authorize(self) -> None:
        """As if Authorize… was clicked: log in the default way."""
        self.sig_authorize_requested.emit(self.authorize_default)

    def set_can_test(self, can: bool) -> None:
        """Whether the shown connector can be tested at all (loaded, values rendered)."""
        self.can_test = can
        self.test_button.setEnabled(can and not self.cancel_button.isVisible())
        self.control_button.setEnabled(self.test_button.isEnabled())


class _NoticeBar(QWidget):
    """A one-line notice the user can dismiss (the no-keychain message)."""

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setAutoFillBackground(True)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.label.setText(text)
        self.setStyleSheet(f"background: {accent('warn_bg')}; color: {accent('warn')};")
        self.label.setStyleSheet(f"color: {accent('warn')};")
        self.show()
