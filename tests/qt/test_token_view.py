"""The token view: masked until revealed, a live countdown, JWT claims, Refresh and Clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton

from workbench.core.auth import TokenSet
from workbench.qt.theme import accent
from workbench.qt.token_view import TokenView, countdown


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict[str, Any]) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(b"key", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


@pytest.fixture
def view(qtbot: Any) -> TokenView:
    widget = TokenView()
    qtbot.addWidget(widget)
    widget.resize(420, 600)
    widget.show()
    return widget


def seen(view: TokenView) -> str:
    """Every text a user can read in the view: labels, fields, buttons, tooltips, claims."""
    parts = [label.text() for label in view.findChildren(QLabel) if label.isVisible()]
    parts += [field.text() for field in view.findChildren(QLineEdit) if field.isVisible()]
    parts += [button.text() for button in view.findChildren(QToolButton) if button.isVisible()]
    parts += [widget.toolTip() for widget in view.findChildren(QToolButton)]
    if view.claims.isVisible():
        parts.append(view.claims.toPlainText())
    return "\n".join(parts)


W = TypeVar("W", bound=QObject)


def child(view: TokenView, kind: type[W], name: str) -> W:
    found = view.findChild(kind, name)
    assert found is not None, f"no {kind.__name__} named {name}"
    return found


def test_empty_until_a_token_arrives(view: TokenView) -> None:
    assert "No token yet" in seen(view)
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 600))
    assert "No token yet" not in seen(view)


def test_values_are_masked_until_revealed(qtbot: Any, view: TokenView) -> None:
    token = TokenSet("opaque-access-token-123456", refresh_token="refresh-secret-98765",
                     expires_at=time.time() + 600, scope="read write")
    view.set_token(token)
    assert token.access_token not in seen(view)
    assert token.refresh_token not in seen(view)  # type: ignore[operator]
    assert "read write" in seen(view)
    assert not view.claims_box.isVisible()  # an opaque token has no claims
    qtbot.mouseClick(view.access.reveal, Qt.MouseButton.LeftButton)
    assert token.access_token in seen(view)
    assert token.refresh_token not in seen(view)  # type: ignore[operator]
    qtbot.mouseClick(view.access.reveal, Qt.MouseButton.LeftButton)
    assert token.access_token not in seen(view)
    view.set_token(TokenSet("another-opaque-token-000000"))
    assert not view.access.reveal.isChecked()  # a new token starts hidden


def test_the_countdown_runs_and_says_when_it_expired(qtbot: Any, view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 2.5))
    first = view.expiry.text()
    assert first.startswith("expires in 00:0")
    qtbot.waitUntil(lambda: view.expiry.text() != first, timeout=2500)
    qtbot.waitUntil(lambda: view.expiry.text().startswith("expired"), timeout=4000)
    assert countdown(None) == "no expiry given"
    assert countdown(3725) == "expires in 1:02:05"


def test_jwt_claims_are_decoded_with_readable_times(view: TokenView) -> None:
    exp = int(time.time()) + 3600
    jwt = make_jwt({"sub": "user-4711", "exp": exp, "scope": "openid"})
    view.set_token(TokenSet(jwt, expires_at=float(exp)))
    text = seen(view)
    assert "user-4711" in text
    assert time.strftime("%Y-%m-%d", time.gmtime(exp)) in text
    assert "signature not verified" in text.lower()
    assert jwt not in text


def test_refresh_and_clear_are_requests_to_the_owner(qtbot: Any, view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", refresh_token="r-123456789012"))
    view.set_can_refresh(False)
    assert not view.refresh_button.isEnabled()
    view.set_can_refresh(True)
    with qtbot.waitSignal(view.sig_refresh_requested):
        qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.sig_clear_requested):
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)


def test_the_reveal_button_says_what_it_will_do_and_a_long_token_stays_in_the_pane(
        qtbot: Any, view: TokenView) -> None:
    jwt = make_jwt({"sub": "user-4711", "padding": "x" * 2000})
    view.set_token(TokenSet(jwt, expires_at=time.time() + 600))
    reveal = child(view, QToolButton, "accessReveal")
    assert reveal.text() == "Reveal" and jwt not in seen(view)
    qtbot.mouseClick(reveal, Qt.MouseButton.LeftButton)
    assert reveal.text() == "Hide" and jwt in seen(view)
    # a revealed token is one unbreakable word: it scrolls in its field, the pane keeps its width
    assert view.minimumSizeHint().width() < 600
    qtbot.mouseClick(reveal, Qt.MouseButton.LeftButton)
    assert reveal.text() == "Reveal" and jwt not in seen(view)


def test_copy_puts_the_real_value_on_the_clipboard_without_showing_it(
        qtbot: Any, view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", refresh_token="refresh-secret-98765"))
    qtbot.mouseClick(child(view, QToolButton, "refreshCopy"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "refresh-secret-98765"
    assert "refresh-secret-98765" not in seen(view)


def test_no_refresh_token_reads_none_and_cannot_be_revealed(view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456"))
    assert child(view, QLineEdit, "refreshValue").text() == "none"
    assert not child(view, QToolButton, "refreshReveal").isEnabled()
    assert not child(view, QToolButton, "refreshCopy").isEnabled()


def test_an_expired_token_says_how_long_ago_in_the_failure_colour(view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() - 3.2))
    assert view.expiry.text() in ("expired 00:03 ago", "expired 00:04 ago")
    assert accent("fail") in view.expiry.styleSheet()
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 3600))
    assert accent("fail") not in view.expiry.styleSheet()


def test_the_countdown_timer_runs_only_while_there_is_something_to_count(
        view: TokenView) -> None:
    timer = child(view, QTimer, "countdownTimer")
    assert not timer.isActive()  # empty state
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 60))
    assert timer.isActive()
    view.hide()
    assert not timer.isActive()
    view.show()
    assert timer.isActive()
    view.set_token(TokenSet("opaque-access-token-123456"))
    assert view.expiry.text() == "no expiry given" and not timer.isActive()
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 60))
    view.set_token(None)
    assert not timer.isActive()
    assert "No token yet" in seen(view)


def test_without_expires_in_the_expiry_comes_from_the_jwt_exp(view: TokenView) -> None:
    jwt = make_jwt({"sub": "user-4711", "exp": int(time.time()) + 125})
    view.set_token(TokenSet(jwt))
    assert view.expiry.text().startswith("expires in 02:0")
    assert "exp claim" in view.expiry.text()


def test_an_encrypted_jwt_shows_its_header_and_says_the_claims_are_unreadable(
        view: TokenView) -> None:
    header = b64(json.dumps({"alg": "RSA-OAEP", "enc": "A256GCM"}).encode())
    jwe = ".".join([header, b64(b"k" * 32), b64(b"iv"), b64(b"ciphertext"), b64(b"tag")])
    view.set_token(TokenSet(jwe))
    assert view.claims_box.isVisible()
    assert "A256GCM" in view.claims.toPlainText()
    assert "payload is encrypted" in view.claims.toPlainText()


def test_clear_is_only_a_request_the_owner_answers_with_set_token_none(
        qtbot: Any, view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 600))
    view.sig_clear_requested.connect(lambda: view.set_token(None))  # what the session does
    with qtbot.waitSignal(view.sig_clear_requested):
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.token is None
    assert "No token yet" in seen(view)
    assert not view.clear_button.isVisible()


def test_clear_alone_changes_nothing_in_the_view(qtbot: Any, view: TokenView) -> None:
    view.set_token(TokenSet("opaque-access-token-123456", expires_at=time.time() + 600))
    with qtbot.waitSignal(view.sig_clear_requested):
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.token is not None and "expires in" in view.expiry.text()
