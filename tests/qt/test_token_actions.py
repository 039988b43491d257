"""The token pane's Introspect and Revoke, against the real oidc-provider: what the provider
says is shown under the token, and a revoked token leaves the pane."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.qt.test_main_window import (  # noqa: F401  (fixtures)
    banner_text,
    keychain,
    type_into,
    window,
)
from tests.support.oidc import Provider, running_provider
from workbench.qt.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def connector(provider: Provider, folder: Path) -> Path:
    path = folder / "provider_machine.yaml"
    path.write_text(f"""
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: client_credentials
          token_url: "{provider.token_url}"
          is_basic_auth: true
          scopes: "api:read"
        fields:
          - name: client_id
            value: workbench
connector:
  name: Provider machine client
  base_url: "{provider.issuer}/.well-known/openid-configuration"
""")
    return path


def wait_idle(qtbot: Any, win: MainWindow) -> str:
    banner = win.connection.banner
    qtbot.waitUntil(lambda: banner.kind in ("ok", "warn", "fail"), timeout=10_000)
    qtbot.waitUntil(lambda: win.connection.test_button.isEnabled(), timeout=10_000)
    return banner.kind


def test_introspect_then_revoke_from_the_token_pane(
        qtbot: Any, window: MainWindow, provider: Provider, tmp_path: Path) -> None:  # noqa: F811
    path = connector(provider, tmp_path)
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(lambda: window.connection.form.editor("client_secret") is not None)
    type_into(qtbot, window, "client_secret", "workbench-secret")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert wait_idle(qtbot, window) == "ok", banner_text(window)
    view = window.token_view
    token = view.token
    assert token is not None

    qtbot.mouseClick(view.introspect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.introspection.isVisible(), timeout=10_000)
    wait_idle(qtbot, window)
    shown = view.introspection.text()
    assert "The provider says" in shown and "active: true" in shown
    assert "client_id: workbench" in shown and "scope: api:read" in shown
    assert token.access_token not in shown
    assert "is active" in banner_text(window)
    assert view.token is token, "introspection used the kept token, fetched none"
    assert [e.step for e in window.log if e.kind == "token"] == ["client credentials",
                                                                 "introspection"]
    qtbot.wait(200)  # the pane lays out the new lines
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "token-introspected.png"))

    qtbot.mouseClick(view.revoke_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.token is None, timeout=10_000)
    assert wait_idle(qtbot, window) == "ok"
    assert "Revoked the access token" in banner_text(window)
    assert "not active" in banner_text(window)
