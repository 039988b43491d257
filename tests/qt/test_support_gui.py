"""The rest of a support ticket in the app: the Network tab of an event, a support bundle
exported from the File menu, and the connector held against its provider's metadata."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget

from tests.integration.test_discovery import RUDE
from tests.qt.test_har_view import window  # noqa: F401 - the fixture
from tests.qt.test_main_window import bearer_connector, type_into
from tests.support.recording_server import RecordingServer, Seen
from tests.support.tls_chains import make_chain, tls_server
from workbench.core.events import EventLog
from workbench.core.network_settings import TransportSettings
from workbench.core.transport import create_client
from workbench.qt.discovery_view import DiscoveryView
from workbench.qt.log_pane import LogPane
from workbench.qt.main_window import MainWindow

SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"
                            / "screenshots"))


def test_the_network_tab_lays_the_connection_bare(qtbot: Any, qloop: Any, run: Any,
                                                  tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "z", "Zscaler Root CA", organisation="Zscaler Inc.",
                       intermediate_cn="Zscaler Intermediate Root CA")
    log = EventLog()
    pane = LogPane(log)
    qtbot.addWidget(pane)
    pane.resize(1200, 560)
    pane.show()

    async def fetch() -> None:
        settings = TransportSettings(ca_bundle=str(chain.root))
        async with tls_server(chain) as url, create_client(log, settings) as client:
            await client.get(url + "/me")

    run(fetch())
    event = next(e for e in log if e.method)
    assert pane.select_event(event)
    tabs = pane.detail().findChild(QTabWidget, "exchangeTabs")
    tabs.setCurrentWidget(pane.detail().network)
    view = pane.detail().network
    qtbot.waitUntil(lambda: view.pending is not None and view.pending.done(), timeout=10_000)
    text = view.toPlainText()
    assert "TLS TLSv1." in text and "DNS 127.0.0.1" in text
    assert "cert #1: Zscaler Intermediate Root CA — issued by Zscaler Root CA" in text
    assert f"trusted by the CA bundle {chain.root}" in text
    assert "TLS-inspection proxy" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    pane.grab().save(str(SHOTS / "network-tab.png"))


@pytest.fixture
def api(qserver: RecordingServer) -> RecordingServer:
    def me(seen: Seen) -> web.Response:
        return web.json_response({"login": "support", "echo": seen.header("authorization")})

    qserver.route("GET", "/me", me)
    return qserver


def test_export_a_support_bundle_from_the_file_menu(
        qtbot: Any, window: MainWindow, api: RecordingServer, tmp_path: Path) -> None:  # noqa: F811
    path = bearer_connector(tmp_path, api.url)
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(window.connection.test_button.isEnabled)
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", "gui-bearer-secret-5566")
    qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.connection.banner.kind == "ok", timeout=10_000)
    qtbot.waitUntil(lambda: window.support.last_result is not None)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    entry = next(a for a in menu.actions() if a.text() == "Export support &bundle…")
    assert entry.isEnabled()
    bundle = tmp_path / "ticket.zip"
    manifest = window.support.export_bundle(bundle)
    assert manifest is not None
    with zipfile.ZipFile(bundle) as archive:
        files = {n: archive.read(n).decode() for n in archive.namelist()}
    assert "connector/local_bearer.yaml" in files
    assert json.loads(files["verdicts.json"])[0]["outcome"] == "ok"
    for text in files.values():
        assert "gui-bearer-secret-5566" not in text
    assert ("Authorization header", "header") in {(r["field"], r["kind"])
                                                  for r in manifest["redactions"]}


def test_the_connector_held_against_its_providers_metadata(
        qtbot: Any, window: MainWindow, qserver: RecordingServer, tmp_path: Path) -> None:  # noqa: F811
    issuer = f"{qserver.url}/realms/acme"
    qserver.json("GET", "/realms/acme/.well-known/openid-configuration", {
        "issuer": issuer, "token_endpoint": f"{issuer}/protocol/openid-connect/token",
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "grant_types_supported": ["authorization_code"]})
    connector = tmp_path / "rude.yaml"
    connector.write_text(RUDE)
    window.library.open_paths([connector])
    window.library.select_path(connector)
    qtbot.waitUntil(window.connection.test_button.isEnabled)
    type_into(qtbot, window, "url", qserver.url)
    type_into(qtbot, window, "client_id", "wb")
    type_into(qtbot, window, "client_secret", "gui-client-secret-8812")
    task = window.support.check_discovery()
    qtbot.waitUntil(task.done, timeout=10_000)
    view = task.result()
    assert isinstance(view, DiscoveryView)
    qtbot.addWidget(view)
    titles = view.titles()
    assert any("as client_secret_post" in t for t in titles), titles
    assert any("client_credentials grant" in t for t in titles)
    assert "2 disagreements" in view.summary.text()
    view.grab().save(str(SHOTS / "discovery.png"))
