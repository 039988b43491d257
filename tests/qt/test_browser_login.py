"""Logging in through the app's embedded browser against a real OpenID Provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, Provider, running_provider
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow

CONNECTOR = """\
interface_parameters:
  section:
    source:
      - name: issuer
        type: string
        value: "{issuer}"
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: authorization_code
          token_url: "{{issuer}}/token"
          authorization_url: "{{issuer}}/auth"
          is_basic_auth: true
          scopes: "openid offline_access api:read"
          prompt: consent
        fields:
          - name: client_id
            value: "{client_id}"
          - name: client_secret
            is_encrypted: true
          - name: redirect_uri
            value: "https://app.example.test/oauth/callback"
connector:
  name: Local OpenID Provider
  base_url: "{{issuer}}"
pre_run_configurations:
  steps:
    - name: userinfo
      type: rest
      endpoint: "{{{{%BASE_URL%}}}}/me"
"""


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def run_js(qtbot: Any, page: Any, script: str) -> Any:
    results: list[Any] = []
    page.runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    return results[0]


def wait_for_element(qtbot: Any, page: Any, selector: str) -> None:
    qtbot.waitUntil(lambda: run_js(qtbot, page, f"!!document.querySelector('{selector}')")
                    is True, timeout=15_000)


def test_log_in_in_the_embedded_browser_and_catch_an_https_redirect(
        qtbot: Any, qloop: Any, provider: Provider, tmp_path: Path) -> None:
    path = tmp_path / "oidc.yaml"
    path.write_text(CONNECTOR.format(issuer=provider.issuer, client_id=CLIENT_ID))
    window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(window)
    window.show()
    window.library.open_paths([path])
    window.library.select_path(path)
    pane = window.connection
    qtbot.waitUntil(lambda: pane.authorize_button.isVisible(), timeout=5000)
    secret = pane.form.editor("client_secret")
    secret.setText(CLIENT_SECRET)  # type: ignore[union-attr]

    qtbot.mouseClick(pane.authorize_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session.browser is not None
                    and window.session.browser.isVisible(), timeout=5000)
    browser = window.session.browser
    assert browser is not None
    page = browser.page
    wait_for_element(qtbot, page, "input[name=login]")
    assert browser.address.text().startswith(provider.issuer + "/interaction/")
    assert "not TLS" in browser.security.text()
    run_js(qtbot, page, "document.querySelector('input[name=login]').value='alice';"
                        "document.querySelector('input[name=password]').value='pw';"
                        "document.querySelector('form').submit(); true")
    wait_for_element(qtbot, page, "form button[autofocus], form button[type=submit]")
    qtbot.waitUntil(lambda: "consent" in run_js(qtbot, page, "document.body.innerText").lower()
                    or "authorize" in run_js(qtbot, page, "document.body.innerText").lower(),
                    timeout=10_000)
    run_js(qtbot, page, "document.querySelector('form').submit(); true")

    qtbot.waitUntil(lambda: pane.banner.kind == "ok", timeout=20_000)
    assert not browser.isVisible()
    token = window.token_view.token
    assert token is not None and token.refresh_token
    notes = [e.message for e in window.log if e.kind == "note"]
    assert any(m.startswith("Authorization URL") and "code_challenge_method = S256" in m
               for m in notes)
    caught = next(m for m in notes if m.startswith("Browser redirect caught"))
    assert "https://app.example.test/oauth/callback" in caught and "code=[redacted]" in caught
