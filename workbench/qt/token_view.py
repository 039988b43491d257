"""The current token: masked values with a reveal, a live expiry countdown, scopes, JWT claims,
and where it came from (this run, or an earlier one that the last run did not prove)."""

from __future__ import annotations

import html
import time
from typing import Literal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.auth import TokenSet
from workbench.core.jwt import decode_jwt, utc_text
from workbench.core.token_reuse import clock_time
from workbench.qt.json_highlighter import JsonHighlighter
from workbench.qt.theme import accent

EMPTY_TEXT = "No token yet — run Test connection on an OAuth2 connector."
Tone = Literal["", "warn", "fail"]


def mask(value: str) -> str:
    """Enough to tell two tokens apart, never enough to use one."""
    return f"{value[:4]}… ({len(value)} characters)" if len(value) > 12 else "••••••"


def countdown(seconds_left: float | None) -> str:
    if seconds_left is None:
        return "no expiry given"
    whole = int(abs(seconds_left))
    hours, rest = divmod(whole, 3600)
    clock = (f"{hours}:" if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"
    return f"expires in {clock}" if seconds_left > 0 else f"expired {clock} ago"


class _SecretRow(QWidget):
    """A masked token value with a Reveal toggle and Copy."""

    def __init__(self, name: str, what: str) -> None:
        super().__init__()
        self._value = ""
        self._what = what
        # A line edit, not a label: a revealed token is one long word that a label cannot
        # wrap, and would widen the whole pane to thousands of pixels.
        self.value = QLineEdit(readOnly=True)
        self.value.setObjectName(f"{name}Value")
        self.value.setAccessibleName(what.capitalize())
        self.value.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.reveal = QToolButton()
        self.reveal.setCheckable(True)
        self.reveal.setObjectName(f"{name}Reveal")
        self.reveal.setAccessibleName(f"Reveal {what}")
        self.reveal.toggled.connect(self._on_reveal_toggled)
        self.reveal.setText("Reveal")  # the longer label: Hide must not shift the field
        self.reveal.setMinimumWidth(self.reveal.sizeHint().width())
        self.copy = QToolButton()
        self.copy.setText("Copy")
        self.copy.setObjectName(f"{name}Copy")
        self.copy.setToolTip(f"Copy the full {what} to the clipboard")
        self.copy.setAccessibleName(f"Copy {what}")
        self.copy.clicked.connect(self._on_copy_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.value, 1)
        row.addWidget(self.reveal)
        row.addWidget(self.copy)

    def set_value(self, value: str | None) -> None:
        self._value = value or ""
        self.reveal.setChecked(False)
        self.reveal.setEnabled(bool(value))
        self.copy.setEnabled(bool(value))
        self._on_reveal_toggled(False)

    def _on_reveal_toggled(self, revealed: bool) -> None:
        self.reveal.setText("Hide" if revealed else "Reveal")
        self.reveal.setToolTip(f"{'Hide' if revealed else 'Show'} the full {self._what}")
        if not self._value:
            self.value.setText("none")
        else:
            self.value.setText(self._value if revealed else mask(self._value))
            self.value.setCursorPosition(0)

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self._value)


class TokenView(QWidget):
    """Shows one TokenSet; Refresh and Clear are requests to the owner, not actions here."""

    sig_refresh_requested = Signal()
    """The user asked for a fresh token now."""
    sig_clear_requested = Signal()
    """The user asked to drop the token; the owner forgets it and calls `set_token(None)`."""
    sig_introspect_requested = Signal()
    """The user asked the provider about the token (RFC 7662)."""
    sig_revoke_requested = Signal()
    """The user asked the provider to revoke the token (RFC 7009)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._token: TokenSet | None = None
        self._expires_at: float | None = None
        self._tick = QTimer(self, interval=1000)
        self._tick.setObjectName("countdownTimer")
        self._tick.timeout.connect(self._on_tick_timeout)

        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setObjectName("tokenEmpty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.provenance = QLabel()
        self.provenance.setObjectName("tokenProvenance")
        self.provenance.setWordWrap(True)
        self.provenance.setAccessibleName("Where this token came from")
        self.provenance.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._tone: Tone = ""
        self.type_label = QLabel()
        self.access = _SecretRow("access", "access token")
        self.refresh = _SecretRow("refresh", "refresh token")
        self.expiry = QLabel()
        self.expiry.setObjectName("tokenExpiry")
        self.scope = QLabel()
        self.scope.setWordWrap(True)
        self.scope.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Get a fresh access token now with the refresh token")
        self.refresh_button.setEnabled(False)
        self.refresh_button.clicked.connect(self.sig_refresh_requested)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget this token; the next check obtains a new one")
        self.clear_button.clicked.connect(self.sig_clear_requested)
        self.introspect_button = QPushButton("Introspect")
        self.introspect_button.setToolTip("Ask the provider whether this token is active, for "
                                          "which client, scope and expiry (RFC 7662)")
        self.introspect_button.clicked.connect(self.sig_introspect_requested)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setToolTip("Revoke this token at the provider (RFC 7009), then "
                                      "check that it is dead")
        self.revoke_button.clicked.connect(self.sig_revoke_requested)
        self.introspection = QLabel()
        self.introspection.setObjectName("tokenIntrospection")
        self.introspection.setWordWrap(True)
        self.introspection.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.introspection.setAccessibleName("What the provider says about the token")
        self.introspection.setVisible(False)

        facts = QFormLayout()
        facts.addRow("Type", self.type_label)
        facts.addRow("Access token", self.access)
        facts.addRow("Refresh token", self.refresh)
        facts.addRow("Expiry", self.expiry)
        facts.addRow("Scope", self.scope)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.introspect_button)
        buttons.addWidget(self.revoke_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.clear_button)

        self.claims_box = QGroupBox("JWT (signature not verified)")
        self.claims = QPlainTextEdit(readOnly=True)
        self.claims.setObjectName("tokenClaims")
        self.claims.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._highlighter = JsonHighlighter(self.claims.document())
        claims_layout = QVBoxLayout(self.claims_box)
        claims_layout.addWidget(self.claims)

        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.provenance)
        details.addLayout(facts)
        details.addLayout(buttons)
        details.addWidget(self.introspection)
        details.addWidget(self.claims_box, 1)
        details.addStretch(0)  # without claims, spare room goes below, not between the rows

        title = QLabel("<b>Token</b>")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.details, 1)
        self.set_token(None)

    @property
    def token(self) -> TokenSet | None:
        return self._token

    def set_token(self, token: TokenSet | None) -> None:
        """Show `token` (masked), or the empty state for None."""
        if token is not self._token:
            self.set_introspection(None)
        self._token = token
        self.empty.setVisible(token is None)
        self.details.setVisible(token is not None)
        self._expires_at = None
        if token is None:
            self.access.set_value(None)
            self.refresh.set_value(None)
            self.claims.clear()
            self._update_tick()
            return
        self.set_provenance(f"Obtained {clock_time(token.obtained_at)}.")
        self.type_label.setText(token.scheme)
        self.access.set_value(token.access_token)
        self.refresh.set_value(token.refresh_token)
        self.scope.setText(token.scope or "not stated by the server")
        self._expires_at = self._show_claims(token)
        self._on_tick_timeout()
        self._update_tick()

    def set_introspection(self, lines: list[str] | None, when: float | None = None) -> None:
        """Show what the provider said about the shown token (None hides it)."""
        if not lines:
            self.introspection.clear()
            self.introspection.setVisible(False)
            return
        stamp = f" at {clock_time(when)}" if when is not None else ""
        active = lines[0].startswith("active: true")
        colour = accent("ok") if active else accent("fail")
        rows = "<br>".join(html.escape(line) for line in lines)
        self.introspection.setText(f"<b style='color: {colour}'>The provider says{stamp}:</b>"
                                   f"<br>{rows}")
        self.introspection.setVisible(True)

    def set_provenance(self, text: str, tone: Tone = "") -> None:
        """Say where the shown token came from; `warn` for one this run did not prove, `fail`
        for one the API refused."""
        self._tone = tone
        self.provenance.setText(text)
        self._paint_provenance()

    def _paint_provenance(self) -> None:
        colour = accent(self._tone) if self._tone else accent("muted")
        weight = "font-weight: bold;" if self._tone else ""
        self.provenance.setStyleSheet(f"color: {colour}; {weight}")

    def set_can_refresh(self, can: bool) -> None:
        """Enable Refresh only when a refresh_token grant is possible."""
        self.refresh_button.setEnabled(can)
        self.refresh_button.setToolTip(
            "Get a fresh access token now with the refresh token" if can
            else "Nothing to refresh with: there is no refresh token")

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._on_tick_timeout()
        self._update_tick()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_tick()

    def _update_tick(self) -> None:
        # Tick only while a countdown is on screen; nothing else changes by the second.
        if self._token is not None and self._expires_at is not None and self.isVisible():
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()

    def _show_claims(self, token: TokenSet) -> float | None:
        """Show what JWTs say; the expiry, from the access token's exp if the server gave none."""
        decoded = [(name, decode_jwt(value)) for name, value in
                   (("access token", token.access_token), ("id token", token.id_token or ""))]
        shown = [(name, jwt) for name, jwt in decoded if jwt is not None]
        self.claims_box.setVisible(bool(shown))
        self.claims.setPlainText("\n\n".join(
            f"// {name}: {jwt.note}\n{jwt.pretty()}" for name, jwt in shown))
        access_jwt = decoded[0][1]
        if token.expires_at is None and access_jwt is not None:
            return access_jwt.expires_at
        return token.expires_at

    def _on_tick_timeout(self) -> None:
        if self._token is None:
            return
        left = None if self._expires_at is None else self._expires_at - time.time()
        text = countdown(left)
        when = None if self._expires_at is None else utc_text(self._expires_at)
        if when and self._token.expires_at is None:
            text += " (from the JWT's exp claim)"
        if self.expiry.text() != text:
            self.expiry.setText(text)
        self.expiry.setToolTip(f"At {when}" if when else "The server did not say")
        colour = accent("fail") if left is not None and left <= 0 else (
            accent("warn") if left is not None and left < 60 else "")
        style = f"color: {colour};" if colour else ""
        if self.expiry.styleSheet() != style:  # a new sheet repolishes: not every second
            self.expiry.setStyleSheet(style)
