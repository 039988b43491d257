"""Deck and StackOne accounts in the app, against the local sandbox and the app's own webhook
receiver: the user clicks, answers the MFA question, copies the link; the customer is played
by an HTTP client on the hosted page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from workbench.core.config import bundled_connectors_dir
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow
from workbench.qt.mfa_dialog import MfaDialog
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox import stackone as stackone_stand_in
from workbench.sandbox.customer import complete_link
from workbench.sandbox.server import SandboxServer, start_sandbox

SANDBOX = bundled_connectors_dir() / "sandbox"
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS",
                            Path(__file__).parents[2] / "artifacts" / "screenshots"))


@pytest.fixture
def keychain() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def sandbox(run: Any) -> Iterator[SandboxServer]:
    server = run(start_sandbox())
    yield server
    run(server.close())


@pytest.fixture
def window(qtbot: Any, qloop: Any, keychain: MemoryKeyring) -> Iterator[MainWindow]:
    win = MainWindow(keyring_backend=keychain, sandbox=False)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: bool(win.webhooks.receiver.url), timeout=5000)
    yield win


def select(qtbot: Any, win: MainWindow, name: str, base_url: str) -> None:
    assert win.library.select_path(SANDBOX / name)
    qtbot.waitUntil(lambda: win.platform.isVisible() and win.platform.values_loaded)
    editor = win.platform.keys.editor("base_url")
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, base_url)


def fill(qtbot: Any, form: Any, field: str, text: str) -> None:
    editor = form.editor(field)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(editor, text)


def settled(win: MainWindow, kind: str) -> bool:
    """The run ended (buttons usable again) with the banner showing `kind`."""
    return win.platform.banner.kind == kind and not win.platform.runner.busy


def banner(win: MainWindow) -> str:
    return win.platform.banner.accessibleDescription()


def test_check_keys_passes_and_a_wrong_secret_is_explained(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer) -> None:
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "Deck accepted the keys" in banner(window)
    fill(qtbot, window.platform.keys, "secret", "not-it")
    qtbot.mouseClick(window.platform.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "fail"), timeout=10_000)
    assert "sandbox keys only work against sandbox" in banner(window)
    assert "not-it" not in str(window.log.rendered())


def test_ensure_connection_with_mfa_stores_the_token_and_runs_jobs(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, keychain: MemoryKeyring) -> None:
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    deck = window.platform.panel
    assert deck.form.values()["webhook_url"] == window.webhooks.receiver.url + "/deck"
    assert deck.form.values()["source_guid"] == "src-bank-of-sandbox"
    fill(qtbot, deck.form, "username", "mfa")
    fill(qtbot, deck.form, "password", "customer-pass-1")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(MfaDialog) is not None
                    and window.findChild(MfaDialog).isVisible(), timeout=10_000)
    dialog = window.findChild(MfaDialog)
    assert "6-digit code" in dialog.question.text()
    qtbot.keyClicks(dialog.answer, "12ab3456789")  # the validator keeps six digits
    assert dialog.answer.text() == "123456"
    qtbot.keyClick(dialog.answer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "Connected" in banner(window)
    assert "Webhook verified (Standard Webhooks)" in banner(window)
    token = deck.form.values()["access_token"]
    assert token.startswith("access-sandbox-")
    assert keychain.get_password(
        "connection-workbench/bundled/sandbox/sandbox_deck.yaml#EnsureConnection",
        "access_token") == token
    assert "closes in 9:5" in deck.status.text() or "closes in 10:00" in deck.status.text()
    rendered = str(window.log.rendered())
    assert token not in rendered and "customer-pass-1" not in rendered
    assert deck_stand_in.MFA_ANSWER not in rendered
    SHOTS.mkdir(parents=True, exist_ok=True)
    qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 4)  # batched into the view
    assert window.grab().save(str(SHOTS / "deck-connected.png"))

    deck.job_input.setPlainText('{"from_date": "2026-01-01"}')
    qtbot.mouseClick(deck.run_job_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "FetchDocuments completed" in banner(window)
    qtbot.mouseClick(deck.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "CloseConnection completed" in banner(window), timeout=10_000)
    assert deck.form.values()["access_token"] == "" and deck.status.text() == "No open connection."


def test_wrong_password_and_bad_job_input_are_explained(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer) -> None:
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    deck = window.platform.panel
    fill(qtbot, deck.form, "username", "bob")
    fill(qtbot, deck.form, "password", "wrong")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "fail"), timeout=10_000)
    assert "InvalidCredentials" in banner(window) and "username or password" in banner(window)
    deck.job_input.setPlainText("{not json")
    qtbot.mouseClick(deck.run_job_button, Qt.MouseButton.LeftButton)
    assert "not JSON" in banner(window)
    fill(qtbot, deck.form, "source_guid", "")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    assert deck.form.problem_text("source_guid") == "Required."


def test_stackone_link_account_created_and_verified(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, run: Any) -> None:
    select(qtbot, window, "sandbox_stackone.yaml", sandbox.url + "/stackone")
    panel = window.platform.panel
    assert panel.form.values()["origin_owner_id"] == "customer-42"
    fill(qtbot, panel.form, "origin_owner_id", "customer-gui-1")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "/embedded/integrations?token=" in panel.link.text(),
                    timeout=10_000)
    assert panel.copy_button.isEnabled()
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == panel.link.text()
    run(complete_link(panel.link.text(), "customer-provider-key"))
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "hris/employees answered (2 records)" in banner(window)
    viewport = window.platform.scroll_area.viewport()
    top_left = panel.account.mapTo(viewport, panel.account.rect().topLeft())
    placed = panel.account.rect().translated(top_left)
    assert placed.height() > 0 and viewport.rect().contains(placed)  # in view, not cut off
    assert "via the account.created webhook (verified, StackOne signature)" in \
        panel.account.text()
    assert stackone_stand_in.API_KEY not in str(window.log.rendered())
    qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 6)
    assert window.grab().save(str(SHOTS / "stackone-linked.png"))


def test_stackone_expired_account_is_a_412_with_a_hint(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, run: Any) -> None:
    select(qtbot, window, "sandbox_stackone.yaml", sandbox.url + "/stackone")
    panel = window.platform.panel
    fill(qtbot, panel.form, "origin_owner_id", "customer-gui-2")
    durations = panel.form.editor("expires_in")
    assert isinstance(durations, QComboBox) and durations.isEditable()
    assert durations.currentText() == "30 minutes" and durations.findText("5 days") >= 0
    durations.lineEdit().selectAll()
    qtbot.keyClicks(durations.lineEdit(), "soon")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    assert "not a duration" in panel.form.problem_text("expires_in")
    panel.form.set_value("expires_in", "5 days")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "token=" in panel.link.text(), timeout=10_000)
    run(complete_link(panel.link.text(), "expired"))
    qtbot.waitUntil(lambda: settled(window, "fail"), timeout=10_000)
    assert "suspended or expired" in banner(window)
    assert "status expired" in panel.account.text()


def test_webhook_settings_move_the_receiver_and_name_the_public_url(
        qtbot: Any, window: MainWindow) -> None:
    import socket

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialogButtonBox

    from workbench.qt.settings_dialog import SettingsDialog

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    seen: list[str] = []

    def fill_in() -> None:
        dialog = window.findChild(SettingsDialog)
        assert dialog is not None
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        dialog.public_url.setText("tunnel without scheme")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen.append(dialog.public_url_error.text())  # refused: the dialog stays open
        dialog.public_url.setText("https://tunnel.example.test")
        dialog.webhook_port.setValue(port)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    QTimer.singleShot(100, fill_in)
    window._on_settings()
    assert "full URL" in seen[0]
    qtbot.waitUntil(lambda: window.webhooks.receiver.url == f"http://127.0.0.1:{port}",
                    timeout=5000)
    assert window.webhooks.webhook_url == "https://tunnel.example.test"
    assert "https://tunnel.example.test → http://127.0.0.1:" in window.webhooks.label.text()


def test_values_are_kept_across_accounts_but_never_the_customer_password(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, keychain: MemoryKeyring) -> None:
    select(qtbot, window, "sandbox_stackone.yaml", sandbox.url + "/stackone")
    fill(qtbot, window.platform.panel.form, "origin_owner_id", "kept-owner-7")
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    fill(qtbot, window.platform.panel.form, "username", "kept-user")
    fill(qtbot, window.platform.panel.form, "password", "never-kept-pw")
    select(qtbot, window, "sandbox_stackone.yaml", sandbox.url + "/stackone")
    assert window.platform.panel.form.values()["origin_owner_id"] == "kept-owner-7"
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    assert window.platform.panel.form.values()["username"] == "kept-user"
    assert window.platform.panel.form.values()["password"] == ""
    assert "never-kept-pw" not in str(keychain._passwords)  # type: ignore[attr-defined]
