"""The Settings dialog: what the user sets is saved, checked first, and used by the next request."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QLineEdit,
)
from pytestqt.qtbot import QtBot

from tests.support.certs import Pki, make_pki
from tests.support.recording_server import RecordingServer
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings, classify, create_client
from workbench.qt.preferences import Preferences
from workbench.qt.settings_dialog import VERIFY_OFF_WARNING, SettingsDialog, proxy_url_problem
from workbench.qt.theme import apply_theme, current_is_dark

Button = QDialogButtonBox.StandardButton


@pytest.fixture
def preferences() -> Preferences:
    return Preferences()


@pytest.fixture
def dialog(qtbot: QtBot, preferences: Preferences) -> SettingsDialog:
    shown = SettingsDialog(preferences)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    folder = tmp_path / "pki"
    folder.mkdir()
    return make_pki(folder)


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[None]:
    yield
    apply_theme(qapp, "system")


def click(qtbot: QtBot, button: QAbstractButton) -> None:
    """Click where a user would: on the indicator or label, not in the row's empty tail."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def press(qtbot: QtBot, dialog: SettingsDialog, which: Button) -> None:
    click(qtbot, dialog.buttons.button(which))


def retype(qtbot: QtBot, field: QLineEdit | QDoubleSpinBox, text: str) -> None:
    """Select what is there and type over it."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)


def choose_theme(qtbot: QtBot, dialog: SettingsDialog, label: str) -> None:
    dialog.theme.setFocus()
    qtbot.keyClicks(dialog.theme, label)


async def fetch(url: str, settings: TransportSettings) -> int:
    async with create_client(EventLog(), settings) as client:
        return (await client.get(url)).status_code


def test_everything_set_is_shown_again_when_reopened(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences, pki: Pki,
        restore_theme: None) -> None:
    click(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, "http://proxy.corp:3128")
    qtbot.keyClicks(dialog.ca_bundle.edit, str(pki.ca))
    qtbot.keyClicks(dialog.client_cert.edit, str(pki.client_cert))
    qtbot.keyClicks(dialog.client_key.edit, str(pki.client_key))
    retype(qtbot, dialog.timeout, "12.5")
    retype(qtbot, dialog.connect_timeout, "3")
    click(qtbot, dialog.follow_redirects)
    choose_theme(qtbot, dialog, "Light")
    with qtbot.waitSignal(preferences.sig_changed, timeout=1000):
        press(qtbot, dialog, Button.Ok)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()

    expected = TransportSettings(timeout=12.5, connect_timeout=3.0, proxy="http://proxy.corp:3128",
                                 use_env_proxy=False, ca_bundle=str(pki.ca),
                                 client_cert=str(pki.client_cert),
                                 client_key=str(pki.client_key), follow_redirects=False)
    assert Preferences().transport_settings() == expected
    reopened = SettingsDialog(Preferences())
    qtbot.addWidget(reopened)
    assert reopened.manual_proxy.isChecked()
    assert reopened.proxy_url.text() == "http://proxy.corp:3128"
    assert reopened.ca_bundle.edit.text() == str(pki.ca)
    assert reopened.client_key.edit.text() == str(pki.client_key)
    assert reopened.timeout.value() == 12.5
    assert reopened.connect_timeout.value() == 3.0
    assert not reopened.follow_redirects.isChecked()
    assert reopened.verify_tls.isChecked()
    assert reopened.theme.currentText() == "Light"


def test_no_proxy_is_remembered_as_no_proxy(qtbot: QtBot, dialog: SettingsDialog) -> None:
    assert dialog.system_proxy.isChecked()
    click(qtbot, dialog.no_proxy)
    press(qtbot, dialog, Button.Ok)
    saved = Preferences().transport_settings()
    assert (saved.proxy, saved.use_env_proxy) == (None, False)
    reopened = SettingsDialog(Preferences())
    qtbot.addWidget(reopened)
    assert reopened.no_proxy.isChecked()
    assert not reopened.proxy_url.isEnabled()


def test_unchecking_verify_warns_at_once_and_saves_verify_off(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences) -> None:
    assert not dialog.verify_warning.isVisible()
    click(qtbot, dialog.verify_tls)
    assert dialog.verify_warning.isVisible()
    assert VERIFY_OFF_WARNING in dialog.verify_warning.text()
    assert "anyone on the network path can read and change traffic" in VERIFY_OFF_WARNING
    with qtbot.waitSignal(preferences.sig_changed, timeout=1000):
        press(qtbot, dialog, Button.Ok)
    assert preferences.transport_settings().verify_tls is False
    assert preferences.tls_verification_off()


def test_checking_verify_again_hides_the_warning(qtbot: QtBot, dialog: SettingsDialog) -> None:
    click(qtbot, dialog.verify_tls)
    click(qtbot, dialog.verify_tls)
    assert dialog.verify_tls.isChecked()
    assert not dialog.verify_warning.isVisible()


@pytest.mark.parametrize(("content", "message"), [
    (None, "CA bundle not found"),
    (b"this is not a certificate\n", "could not be loaded"),
])
def test_a_bad_ca_bundle_keeps_the_dialog_open_and_saves_nothing(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences, tmp_path: Path,
        content: bytes | None, message: str) -> None:
    bundle = tmp_path / "corp-ca.pem"
    if content is not None:
        bundle.write_bytes(content)
    qtbot.keyClicks(dialog.ca_bundle.edit, str(bundle))
    retype(qtbot, dialog.timeout, "7")
    click(qtbot, dialog.verify_tls)
    with qtbot.assertNotEmitted(preferences.sig_changed):
        press(qtbot, dialog, Button.Ok)
    assert dialog.isVisible()
    assert dialog.ca_bundle.error.isVisible()
    assert message in dialog.ca_bundle.error.text()
    if content is None:
        assert str(bundle) in dialog.ca_bundle.error.text()
    assert dialog.ca_bundle.edit.text() == str(bundle)  # nothing the user typed is lost
    assert dialog.timeout.value() == 7.0
    assert not dialog.verify_tls.isChecked()
    assert QSettings().allKeys() == []
    qtbot.keyClicks(dialog.ca_bundle.edit, "x")
    assert not dialog.ca_bundle.error.isVisible()  # editing the field clears its error


def test_a_client_key_needs_a_certificate(qtbot: QtBot, dialog: SettingsDialog,
                                          pki: Pki) -> None:
    qtbot.keyClicks(dialog.client_key.edit, str(pki.client_key))
    press(qtbot, dialog, Button.Ok)
    assert dialog.isVisible()
    assert "needs a client certificate" in dialog.client_key.error.text()
    assert QSettings().allKeys() == []


def test_a_certificate_that_does_not_match_its_key_is_refused(
        qtbot: QtBot, dialog: SettingsDialog, pki: Pki) -> None:
    qtbot.keyClicks(dialog.client_cert.edit, str(pki.client_cert))
    qtbot.keyClicks(dialog.client_key.edit, str(pki.server_key))
    press(qtbot, dialog, Button.Ok)
    assert dialog.isVisible()
    assert "could not be loaded" in dialog.client_cert.error.text()
    assert QSettings().allKeys() == []


@pytest.mark.parametrize(("url", "message"), [
    ("proxy.corp:3128", "Start with the scheme"),
    ("ftp://proxy.corp:21", "Unsupported proxy scheme"),
    ("http://proxy.corp", "Add the proxy's port"),
    ("http://:3128", "needs a host name"),
    ("http://proxy.corp:99999", "port must be a number"),
    ("http://proxy.corp:3128/path", "has no path"),
])
def test_an_invalid_proxy_url_is_named_beside_the_field(
        qtbot: QtBot, dialog: SettingsDialog, url: str, message: str) -> None:
    click(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, url)
    press(qtbot, dialog, Button.Ok)
    assert dialog.isVisible()
    assert dialog.proxy_error.isVisible()
    assert message in dialog.proxy_error.text()
    assert dialog.proxy_url.text() == url
    assert QSettings().allKeys() == []


def test_valid_proxy_urls_pass() -> None:
    for url in ("http://proxy.corp:3128", " https://user:pw@proxy.corp:8443 ",
                "http://[::1]:3128"):
        assert proxy_url_problem(url) is None, url
    socks = proxy_url_problem("socks5://proxy.corp:1080")
    assert socks is None or "socksio" in socks


def test_a_proxy_password_is_said_to_be_stored_in_plain_text(
        qtbot: QtBot, dialog: SettingsDialog) -> None:
    click(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, "http://ada:s3cret@proxy.corp:3128")
    assert dialog.proxy_note.isVisible()
    assert "unencrypted" in dialog.proxy_note.text()


def test_cancel_discards(qtbot: QtBot, dialog: SettingsDialog,
                         preferences: Preferences) -> None:
    click(qtbot, dialog.no_proxy)
    click(qtbot, dialog.verify_tls)
    with qtbot.assertNotEmitted(preferences.sig_changed):
        press(qtbot, dialog, Button.Cancel)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert preferences.transport_settings() == TransportSettings()


def test_reopening_after_cancel_shows_what_is_saved(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences) -> None:
    click(qtbot, dialog.no_proxy)
    press(qtbot, dialog, Button.Cancel)
    preferences.set_transport_settings(TransportSettings(verify_tls=False))
    dialog.show()
    assert dialog.system_proxy.isChecked()
    assert not dialog.verify_tls.isChecked() and dialog.verify_warning.isVisible()


def test_restore_defaults_resets_the_widgets_and_saves_on_ok(
        qtbot: QtBot, preferences: Preferences, restore_theme: None) -> None:
    preferences.save(TransportSettings(timeout=5, connect_timeout=2, proxy="http://p.corp:1",
                                       use_env_proxy=False, ca_bundle="/ca.pem",
                                       verify_tls=False, follow_redirects=False), "dark")
    dialog = SettingsDialog(preferences)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.manual_proxy.isChecked() and dialog.verify_warning.isVisible()
    press(qtbot, dialog, Button.RestoreDefaults)
    assert dialog.system_proxy.isChecked()
    assert dialog.proxy_url.text() == "" and not dialog.proxy_url.isEnabled()
    assert dialog.verify_tls.isChecked() and not dialog.verify_warning.isVisible()
    assert dialog.ca_bundle.edit.text() == ""
    assert dialog.timeout.value() == 30.0 and dialog.connect_timeout.value() == 10.0
    assert dialog.follow_redirects.isChecked()
    assert dialog.theme.currentText() == "System"
    assert preferences.transport_settings().timeout == 5  # not saved until OK
    press(qtbot, dialog, Button.Ok)
    assert preferences.transport_settings() == TransportSettings()
    assert preferences.theme() == "system"


def test_browse_fills_the_field_and_clear_empties_it(
        qtbot: QtBot, dialog: SettingsDialog, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *_args, **_kw: (str(pki.ca), "PEM files"))
    click(qtbot, dialog.ca_bundle.browse_button)
    assert dialog.ca_bundle.edit.text() == str(pki.ca)
    click(qtbot, dialog.ca_bundle.clear_button)
    assert dialog.ca_bundle.edit.text() == ""


def test_the_theme_applies_to_the_running_app_on_ok(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences,
        restore_theme: None) -> None:
    choose_theme(qtbot, dialog, "Dark")
    press(qtbot, dialog, Button.Ok)
    assert preferences.theme() == "dark"
    assert current_is_dark()


# -- the next request uses what was saved ---------------------------------------------------

@pytest.fixture
def tls_server(pki: Pki, run: Any) -> Iterator[str]:
    async def start() -> web.AppRunner:
        async def me(_request: web.Request) -> web.Response:
            return web.json_response({"tls": True})

        app = web.Application()
        app.router.add_get("/me", me)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(pki.server_cert, pki.server_key)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
        return runner

    runner = run(start())
    yield f"https://127.0.0.1:{runner.addresses[0][1]}/me"
    run(runner.cleanup())


def test_a_saved_ca_bundle_is_trusted_by_the_next_request(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences, pki: Pki,
        tls_server: str, run: Any) -> None:
    with pytest.raises(httpx.ConnectError) as untrusted:
        run(fetch(tls_server, preferences.transport_settings()))
    assert classify(untrusted.value).kind == "tls"
    qtbot.keyClicks(dialog.ca_bundle.edit, str(pki.ca))
    press(qtbot, dialog, Button.Ok)
    assert run(fetch(tls_server, preferences.transport_settings())) == 200


def test_verify_off_reaches_the_next_request(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences,
        tls_server: str, run: Any) -> None:
    click(qtbot, dialog.verify_tls)
    press(qtbot, dialog, Button.Ok)
    assert run(fetch(tls_server, preferences.transport_settings())) == 200


def test_a_saved_timeout_ends_the_next_slow_request(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences,
        qserver: RecordingServer, run: Any) -> None:
    release = asyncio.Event()

    async def slow(_seen: Any) -> web.Response:
        await asyncio.wait_for(release.wait(), 10)
        return web.json_response({})

    qserver.route("GET", "/slow", slow)
    retype(qtbot, dialog.timeout, "1")
    press(qtbot, dialog, Button.Ok)
    assert preferences.transport_settings().timeout == 1.0
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        run(fetch(qserver.url + "/slow", preferences.transport_settings()))
    assert time.monotonic() - started < 5
    release.set()


def test_a_saved_manual_proxy_carries_the_next_request(
        qtbot: QtBot, dialog: SettingsDialog, preferences: Preferences,
        qserver: RecordingServer, run: Any) -> None:
    qserver.json("GET", "/me", {"via": "proxy"})
    click(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, qserver.url)
    press(qtbot, dialog, Button.Ok)
    # Never resolved: with a proxy, the whole URL goes to the proxy on 127.0.0.1.
    assert run(fetch("http://api.workbench-test.invalid/me",
                     preferences.transport_settings())) == 200
    assert qserver.seen[0].header("Host") == "api.workbench-test.invalid"
