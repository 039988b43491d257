"""The Settings dialog: what the user picks is what the next request uses."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QDialogButtonBox

from tests.support.certs import make_pki
from workbench.core.events import EventLog
from workbench.core.transport import create_client
from workbench.qt.preferences import Preferences
from workbench.qt.settings_dialog import SettingsDialog


@pytest.fixture
def dialog(qtbot: Any, qloop: Any) -> SettingsDialog:
    widget = SettingsDialog(Preferences())
    qtbot.addWidget(widget)
    widget.show()
    return widget


def press(qtbot: Any, dialog: SettingsDialog, which: QDialogButtonBox.StandardButton) -> None:
    qtbot.mouseClick(dialog.buttons.button(which), Qt.MouseButton.LeftButton)


OK = QDialogButtonBox.StandardButton.Ok


def tick(qtbot: Any, button: QAbstractButton) -> None:
    """Click a check box or radio button on its indicator, as a user would."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def test_choices_round_trip_and_announce_themselves(qtbot: Any, dialog: SettingsDialog) -> None:
    tick(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, "http://127.0.0.1:3128")
    dialog.timeout.setValue(12)
    tick(qtbot, dialog.verify_tls)
    assert dialog.verify_warning.isVisible()
    assert "not be checked" in dialog.verify_warning.text()
    with qtbot.waitSignal(dialog._preferences.sig_changed):
        press(qtbot, dialog, OK)
    saved = Preferences().transport_settings()
    assert saved.proxy == "http://127.0.0.1:3128"
    assert saved.timeout == 12
    assert saved.verify_tls is False

    again = SettingsDialog(Preferences())
    qtbot.addWidget(again)
    assert again.manual_proxy.isChecked() and again.proxy_url.text() == "http://127.0.0.1:3128"
    assert not again.verify_tls.isChecked()
    qtbot.mouseClick(again.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults),
                     Qt.MouseButton.LeftButton)
    assert again.verify_tls.isChecked() and again.system_proxy.isChecked()


def test_no_proxy_is_remembered_as_no_proxy(qtbot: Any, dialog: SettingsDialog) -> None:
    tick(qtbot, dialog.no_proxy)
    press(qtbot, dialog, OK)
    saved = Preferences().transport_settings()
    assert saved.proxy is None and saved.use_env_proxy is False


def test_bad_values_keep_the_dialog_open_and_lose_nothing(qtbot: Any, dialog: SettingsDialog,
                                                          tmp_path: Path) -> None:
    tick(qtbot, dialog.manual_proxy)
    qtbot.keyClicks(dialog.proxy_url, "not a url")
    press(qtbot, dialog, OK)
    assert dialog.isVisible()
    assert dialog.proxy_error.isVisible() and dialog.proxy_error.text()
    dialog.proxy_url.clear()
    qtbot.keyClicks(dialog.proxy_url, "http://127.0.0.1:3128")
    missing = tmp_path / "nowhere.pem"
    dialog.ca_bundle.set_path(str(missing))
    press(qtbot, dialog, OK)
    assert dialog.isVisible()
    assert "nowhere.pem" in dialog.ca_bundle.error.text()
    assert dialog.proxy_url.text() == "http://127.0.0.1:3128"  # nothing typed was lost
    assert Preferences().transport_settings().proxy is None  # and nothing saved


def test_a_saved_ca_bundle_is_used_by_the_next_request(qtbot: Any, dialog: SettingsDialog,
                                                       run: Any, tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    app = web.Application()
    async def hello(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/", hello)
    runner = web.AppRunner(app)
    run(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    run(site.start())
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/"

    async def status() -> int | str:
        try:
            async with create_client(EventLog(), Preferences().transport_settings()) as client:
                return (await client.get(url)).status_code
        except httpx.ConnectError as exc:
            return type(exc).__name__

    try:
        assert run(status()) == "ConnectError"  # an unknown CA is refused by default
        dialog.ca_bundle.set_path(str(pki.ca))
        press(qtbot, dialog, OK)
        assert not dialog.isVisible()
        assert run(status()) == 200
    finally:
        run(runner.cleanup())
