"""A platform's panel lives on its PanelContext and its signals alone: here the test is the
container, and a Deck panel with no pane around it runs EnsureConnection and a job against the
sandbox. The access token is the connection's (core), the form field only its view."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from workbench.core.config import bundled_connectors_dir
from workbench.core.connector_files import load_file
from workbench.core.events import EventLog
from workbench.core.library import LibraryEntry
from workbench.core.memory_keyring import MemoryKeyring
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.registry import load_target, platform
from workbench.core.secrets import SecretStore
from workbench.core.transport import TransportSettings
from workbench.core.webhooks import WebhookReceiver
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.platform_panel import PanelContext, PanelRun, PlatformPanel
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox.server import SandboxServer, start_sandbox

ACCOUNT = bundled_connectors_dir() / "sandbox" / "sandbox_deck.yaml"


@pytest.fixture
def sandbox(run: Any) -> Iterator[SandboxServer]:
    server = run(start_sandbox())
    yield server
    run(server.close())


@pytest.fixture
def receiver(run: Any) -> Iterator[WebhookReceiver]:
    started = run(WebhookReceiver(EventLog()).start())
    yield started
    run(started.close())


class Container:
    """What the platform pane does with a panel's signals, and nothing else."""

    def __init__(self, panel: PlatformPanel, keys: dict[str, str], run: Any) -> None:
        self.results: list[tuple[bool, str, str, str]] = []
        self.progress: list[str] = []
        self._keys, self._run = keys, run
        panel.sig_result.connect(lambda *shown: self.results.append(shown))
        panel.sig_progress.connect(self.progress.append)
        panel.sig_run_requested.connect(self._on_run_requested)

    def _on_run_requested(self, start: Any) -> None:
        started = start(self._keys)
        if started is not None:
            assert isinstance(started, PanelRun)
            self._run(started.work, timeout=20_000)


def _entry() -> LibraryEntry:
    loaded = load_file(ACCOUNT)
    assert isinstance(loaded, LoadedPlatform)
    return LibraryEntry(ACCOUNT, "opened", platform=loaded)


def test_a_deck_panel_needs_only_its_context(qtbot: Any, run: Any, sandbox: SandboxServer,
                                             receiver: WebhookReceiver) -> None:
    deck = platform("deck")
    assert deck is not None
    log = EventLog()
    context = PanelContext(log, TransportSettings, receiver, lambda: receiver.url,
                           ConnectorValues(SecretStore(MemoryKeyring())))
    panel = load_target(deck.panel)(context, deck)
    qtbot.addWidget(panel)
    receiver.checks = deck.webhook_checks(deck_stand_in.WEBHOOK_SECRET)
    keys = {"environment": "sandbox", "base_url": sandbox.url + "/deck/api/v1",
            "client_id": deck_stand_in.CLIENT_ID, "secret": deck_stand_in.SECRET,
            "webhook_secret": deck_stand_in.WEBHOOK_SECRET}
    container = Container(panel, keys, run)
    panel.show_account(_entry())
    qtbot.waitUntil(lambda: panel.values_loaded)
    assert panel.form.values()["webhook_url"] == receiver.url + "/deck"

    panel.form.set_value("username", "carol")
    panel.form.set_value("password", "customer-pass")
    qtbot.mouseClick(panel.ensure_button, Qt.MouseButton.LeftButton)
    ok, summary, _hint, arrival = container.results[-1]
    assert ok and summary.startswith("Connected") and "Webhook verified" in arrival
    assert "waiting for its webhook" in container.progress[0]
    token = panel.connection.access_token
    assert token.startswith("access-sandbox-") and panel.form.values()["access_token"] == token
    assert panel.parent() is None  # no pane around it: nothing to reach into

    # The field is a view: the job takes the connection's token, not what a field shows.
    panel.form.set_value("access_token", "a stale view")
    panel.run_job("FetchDocuments", {})
    assert container.results[-1][:2] == (True, "FetchDocuments completed.")

    # What the user types in the field is what the connection holds from then on.
    editor = panel.form.editor("access_token")
    assert isinstance(editor, QLineEdit)
    editor.clear()
    qtbot.keyClicks(editor, "typed-token")
    assert panel.connection.access_token == "typed-token"
    panel.run_job("FetchDocuments", {})
    ok, summary, hint, _ = container.results[-1]
    assert not ok and "access_token" in summary and "EnsureConnection again" in hint
    assert token not in str(log.rendered())
