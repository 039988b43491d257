"""Logging in through the app's embedded browser against a real OpenID Provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICE_SETTINGS,
    Provider,
    login_connector,
    running_provider,
)
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def open_login_connector(qtbot: Any, tmp_path: Path, issuer: str, *,
                         client_id: str = CLIENT_ID,
                         redirect_uri: str = "http://127.0.0.1/callback",
                         extra: str = "          prompt: consent\n",
                         secret: str | None = CLIENT_SECRET) -> MainWindow:
    """A main window showing an authorization-code connector for `issuer`, secret typed in."""
    path = tmp_path / "login.yaml"
    path.write_text(login_connector(issuer, client_id, redirect_uri, extra))
    window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(window)
    window.show()
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(lambda: window.connection.authorize_button.isVisible(), timeout=5000)
    if secret is not None:
        window.connection.form.editor("client_secret").setText(secret)  # type: ignore[union-attr]
    return window


def run_js(qtbot: Any, page: Any, script: str) -> Any:
    results: list[Any] = []
    page.runJavaScript(script, 0, results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10_000)
    return results[0]


def wait_for_element(qtbot: Any, page: Any, selector: str) -> None:
    """Until the page has `selector`; asks again when a navigation swallowed the answer."""
    def found() -> bool:
        results: list[Any] = []
        page.runJavaScript(f"!!document.querySelector('{selector}')", 0, results.append)
        try:
            qtbot.waitUntil(lambda: bool(results), timeout=1000)
        except qtbot.TimeoutError:
            return False
        return results[0] is True

    qtbot.waitUntil(found, timeout=15_000)


def test_log_in_in_the_embedded_browser_and_catch_an_https_redirect(
        qtbot: Any, qloop: Any, provider: Provider, tmp_path: Path) -> None:
    window = open_login_connector(qtbot, tmp_path, provider.issuer,
                                  redirect_uri="https://app.example.test/oauth/callback")
    pane = window.connection

    qtbot.mouseClick(pane.authorize_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login.browser is not None
                    and window.login.browser.isVisible(), timeout=5000)
    browser = window.login.browser
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
    steps = [(e.flow, e.step) for e in window.log]
    assert {flow for flow, _ in steps} == {"authorize"}  # browser, exchange and check: one flow
    assert ("authorize", "code exchange") in steps and ("authorize", "userinfo") in steps


def test_the_system_browser_path_logs_in_through_the_loopback(
        qtbot: Any, qloop: Any, provider: Provider, tmp_path: Path, monkeypatch: Any) -> None:
    """The system browser is played by an HTTP client that logs in as a person would."""
    import threading

    import httpx

    from tests.support.oidc import log_in_and_consent

    def browser(url: str) -> None:
        def visit() -> None:
            landing = log_in_and_consent(url)
            httpx.get(landing, timeout=10)  # the browser lands on the app's loopback
        threading.Thread(target=visit, daemon=True).start()

    monkeypatch.setattr("workbench.qt.login_controller._open_in_system_browser", browser)
    window = open_login_connector(qtbot, tmp_path, provider.issuer)
    pane = window.connection
    pane.system_action.trigger()
    qtbot.waitUntil(lambda: pane.banner.kind == "ok", timeout=20_000)
    assert window.token_view.token is not None
    assert window.login.browser is None  # no embedded browser was involved


def test_a_provider_that_refuses_embedded_browsers_is_recognised(
        qtbot: Any, qloop: Any, qserver: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from aiohttp import web

    qserver.route("GET", "/auth", lambda _s: web.Response(
        text="<h1>Access blocked</h1><p>Error 403: disallowed_useragent</p>",
        content_type="text/html", status=403))
    opened: list[str] = []
    monkeypatch.setattr("workbench.qt.login_controller._open_in_system_browser", opened.append)
    window = open_login_connector(qtbot, tmp_path, qserver.url)
    pane = window.connection
    qtbot.mouseClick(pane.authorize_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login.browser is not None, timeout=5000)
    browser = window.login.browser
    assert browser is not None
    qtbot.waitUntil(browser.use_system.isVisible, timeout=15_000)
    assert "disallowed_useragent" in browser.refusal.text()
    qtbot.mouseClick(browser.use_system, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened[0].startswith(qserver.url + "/auth?")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in opened[0]  # a loopback port now
    window.checks.cancel()
    qtbot.waitUntil(lambda: not window.checks.busy, timeout=5000)


def test_log_in_on_another_device_with_the_code_or_the_qr(
        qtbot: Any, qloop: Any, provider: Provider, tmp_path: Path) -> None:
    import threading

    from tests.support.oidc import PUBLIC_CLIENT_ID, confirm_device_code

    window = open_login_connector(
        qtbot, tmp_path, provider.issuer, client_id=PUBLIC_CLIENT_ID, secret=None,
        extra=DEVICE_SETTINGS)
    pane = window.connection
    pane.device_action.trigger()
    qtbot.waitUntil(lambda: window.login.device_dialog is not None
                    and window.login.device_dialog.isVisible(), timeout=10_000)
    dialog = window.login.device_dialog
    assert dialog is not None
    code = dialog.code.text()
    assert len(code) >= 8 and "-" in code
    assert not dialog.qr.pixmap().isNull() and "user_code=" in dialog.qr.toolTip()
    assert "expires in" in dialog.status.text()
    threading.Thread(target=confirm_device_code, args=(dialog.qr.toolTip(),),
                     daemon=True).start()
    qtbot.waitUntil(lambda: pane.banner.kind == "ok", timeout=20_000)
    assert not dialog.isVisible()
    assert window.token_view.token is not None


@pytest.mark.parametrize("verify", ["on", "off", "with the CA bundle"])
def test_the_login_browser_follows_the_apps_tls_setting(
        qtbot: Any, run: Any, tmp_path: Path, verify: str) -> None:
    import ssl

    from aiohttp import web

    from tests.support.certs import make_pki
    from workbench.core.events import EventLog
    from workbench.core.network_settings import TransportSettings
    from workbench.qt.browser_dialog import BrowserDialog

    pki = make_pki(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)

    async def login_page(_request: web.Request) -> web.Response:
        return web.Response(text="<p id=x>Login here</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/auth", login_page)
    runner = web.AppRunner(app)
    run(runner.setup())
    run(web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start())
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/auth"
    log = EventLog()
    settings = TransportSettings(verify_tls=verify != "off",
                                 ca_bundle=str(pki.ca) if verify == "with the CA bundle" else None)
    dialog = BrowserDialog("http://127.0.0.1/callback", log, settings)
    qtbot.addWidget(dialog)
    try:
        dialog.open_url(url)
        qtbot.waitUntil(lambda: any(word in e.message for e in log
                                    for word in ("certificate", "refused", "trusted")),
                        timeout=15_000)
        notes = " ".join(e.message for e in log)
        if verify == "on":
            assert "refused" in notes
            return
        expected = ("accepted an untrusted certificate" if verify == "off"
                    else "trusted through the CA bundle")
        assert expected in notes
        wait_for_element(qtbot, dialog.page, "#x")
        assert "🔒" in dialog.security.text()
    finally:
        dialog.reject()
        run(runner.cleanup())


def test_clear_browser_session_starts_the_login_afresh(
        qtbot: Any, qloop: Any, provider: Provider) -> None:
    from workbench.core.auth.authorization import authorization_request
    from workbench.core.events import EventLog
    from workbench.core.network_settings import TransportSettings
    from workbench.qt.browser_dialog import BrowserDialog

    log = EventLog()
    dialog = BrowserDialog("http://127.0.0.1/callback", log, TransportSettings())
    qtbot.addWidget(dialog)
    request = authorization_request(provider.authorization_url, CLIENT_ID,
                                    "http://127.0.0.1/callback", "openid")
    dialog.open_url(request.url)
    wait_for_element(qtbot, dialog.page, "input[name=login]")
    qtbot.waitUntil(lambda: bool(dialog.cookies), timeout=5000)  # the provider's session
    first = dialog.address.text()
    qtbot.mouseClick(dialog.clear_session, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.address.text() != first
                    and "/interaction/" in dialog.address.text(), timeout=10_000)
    assert any("session cleared" in e.message for e in log)
    dialog.reject()


def test_a_dead_code_or_refresh_token_offers_to_authorize_again(
        qtbot: Any, qloop: Any, qserver: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from aiohttp import web
    from PySide6.QtWidgets import QPushButton

    qserver.route("POST", "/token", lambda _s: web.json_response(
        {"error": "invalid_grant", "error_description": "code expired"}, status=400))
    opened: list[str] = []
    monkeypatch.setattr("workbench.qt.login_controller._open_in_system_browser", opened.append)
    window = open_login_connector(qtbot, tmp_path, qserver.url)
    pane = window.connection
    pane.form.editor("code").setText("an-old-pasted-code")  # type: ignore[union-attr]
    qtbot.mouseClick(pane.test_button, Qt.MouseButton.LeftButton)
    again = pane.banner.findChild(QPushButton, "verdictAction")
    qtbot.waitUntil(lambda: again.isVisible(), timeout=10_000)
    assert again.text() == "Authorize again"
    assert "invalid_grant" in pane.banner.accessibleDescription()
    pane.authorize_default = "system"
    qtbot.mouseClick(again, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    assert opened[0].startswith(qserver.url + "/auth?")
    window.checks.cancel()
    qtbot.waitUntil(lambda: not window.checks.busy, timeout=5000)


def test_the_login_browser_uses_the_proxy_from_settings(qtbot: Any, qloop: Any) -> None:
    from PySide6.QtNetwork import QNetworkProxy

    from workbench.core.events import EventLog
    from workbench.core.network_settings import TransportSettings
    from workbench.qt.browser_dialog import BrowserDialog

    try:
        manual = TransportSettings(proxy="http://user:pw@127.0.0.1:3128")
        dialog = BrowserDialog("http://127.0.0.1/callback", EventLog(), manual)
        qtbot.addWidget(dialog)
        proxy = QNetworkProxy.applicationProxy()
        assert (proxy.type(), proxy.hostName(), proxy.port(), proxy.user()) == (
            QNetworkProxy.ProxyType.HttpProxy, "127.0.0.1", 3128, "user")
        dialog.done(0)
        direct = BrowserDialog("http://127.0.0.1/callback", EventLog(),
                               TransportSettings(use_env_proxy=False))
        qtbot.addWidget(direct)
        assert QNetworkProxy.applicationProxy().type() == QNetworkProxy.ProxyType.NoProxy
        direct.done(0)
    finally:
        QNetworkProxy.setApplicationProxy(QNetworkProxy(QNetworkProxy.ProxyType.DefaultProxy))



EMBEDDED_REDIRECT = "https://app.example.test/oauth/callback"


def serve_metadata(qserver: Any) -> None:
    """The stand-in provider publishes metadata that promises `iss` (as oidc-provider does)."""
    qserver.json("GET", "/.well-known/openid-configuration", {
        "issuer": qserver.url, "authorization_endpoint": f"{qserver.url}/auth",
        "token_endpoint": f"{qserver.url}/token",
        "authorization_response_iss_parameter_supported": True})


def test_the_embedded_login_refuses_a_redirect_from_another_issuer(
        qtbot: Any, qloop: Any, qserver: Any, tmp_path: Path) -> None:
    """A mix-up: the provider (or something posing as it) answers with another issuer's iss."""
    from urllib.parse import quote

    from aiohttp import web

    serve_metadata(qserver)

    def forged(seen: Any) -> web.Response:
        target = (f"{seen.query['redirect_uri']}?code=code-for-evil&state={seen.query['state']}"
                  f"&iss={quote('https://evil.example', safe='')}")
        return web.Response(status=302, headers={"Location": target})

    qserver.route("GET", "/auth", forged)
    window = open_login_connector(qtbot, tmp_path, qserver.url, redirect_uri=EMBEDDED_REDIRECT)
    pane = window.connection
    qtbot.mouseClick(pane.authorize_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pane.banner.kind == "fail", timeout=20_000)
    seen_text = pane.banner.accessibleDescription()
    assert "https://evil.example" in seen_text and qserver.url in seen_text
    assert "mix-up" in seen_text and "Nothing was exchanged" in seen_text
    assert "code-for-evil" not in seen_text
    assert not qserver.requests_to("/token")
    browser = window.login.browser
    assert browser is not None and not browser.isVisible()
    Path("artifacts/screenshots").mkdir(parents=True, exist_ok=True)
    window.grab().save("artifacts/screenshots/embedded_login_issuer_mismatch.png")


def test_the_embedded_login_ignores_a_stale_redirect_and_keeps_waiting(
        qtbot: Any, qloop: Any, qserver: Any, tmp_path: Path) -> None:
    """A page navigates to the redirect URI with another login's state: the window stays,
    says so, and the genuine redirect that follows still logs in."""
    from aiohttp import web

    def login_page(seen: Any) -> web.Response:
        stale = f"{seen.query['redirect_uri']}?code=stale-code&state=from-an-old-tab"
        return web.Response(content_type="text/html", text=(
            f'<a id="stale" href="{stale}">old link</a>'
            f'<a id="go" href="/approve?state={seen.query["state"]}">Approve</a>'))

    def approve(seen: Any) -> web.Response:
        target = f"{EMBEDDED_REDIRECT}?code=genuine-code&state={seen.query['state']}"
        return web.Response(status=302, headers={"Location": target})

    qserver.route("GET", "/auth", login_page)
    qserver.route("GET", "/approve", approve)
    qserver.json("POST", "/token", {"access_token": "at-after-a-stale-one", "expires_in": 60})
    qserver.json("GET", "/me", {"sub": "alice"})
    window = open_login_connector(qtbot, tmp_path, qserver.url, redirect_uri=EMBEDDED_REDIRECT)
    pane = window.connection
    qtbot.mouseClick(pane.authorize_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.login.browser is not None
                    and window.login.browser.isVisible(), timeout=5000)
    browser = window.login.browser
    assert browser is not None
    wait_for_element(qtbot, browser.page, "#stale")
    run_js(qtbot, browser.page, "document.getElementById('stale').click(); true")
    qtbot.waitUntil(browser.notice.isVisible, timeout=10_000)
    assert browser.notice.text().startswith("Ignored: ")
    assert "not the answer to this login" in browser.notice.text()
    assert browser.isVisible() and pane.banner.kind == "busy"
    # Back on the login page, not on the blank page the blocked redirect leaves.
    qtbot.waitUntil(lambda: browser.address.text().startswith(qserver.url + "/auth?"),
                    timeout=10_000)
    wait_for_element(qtbot, browser.page, "#go")
    Path("artifacts/screenshots").mkdir(parents=True, exist_ok=True)
    browser.grab().save("artifacts/screenshots/embedded_login_stale_redirect.png")
    # No answer to wait for: the redirect it leads to closes the window and its page.
    browser.page.runJavaScript("document.getElementById('go').click()")
    qtbot.waitUntil(lambda: pane.banner.kind == "ok", timeout=20_000)
    (exchange,) = qserver.requests_to("/token")
    assert exchange.form["code"] == "genuine-code"
