"""The token view: masked until revealed, a live countdown, JWT claims, Refresh and Clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from workbench.core.auth import TokenSet
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
    parts = [label.text() for label in view.findChildren(QLabel) if label.isVisible()]
    if view.claims.isVisible():
        parts.append(view.claims.toPlainText())
    return "\n".join(parts)


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
