"""The Deck and StackOne panels against rude stand-ins, with the app's one receiver for every
run: left-over deliveries, copies of the security question, a silent sender, no keychain.
What the user sees in the banner, the MFA dialog and the linked-account line is asserted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from workbench.core.config import bundled_connectors_dir
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow
from workbench.qt.mfa_dialog import MfaDialog
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox.customer import complete_link
from workbench.sandbox.server import SandboxServer, start_sandbox

SANDBOX = bundled_connectors_dir() / "sandbox"
SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS",
                            Path(__file__).parents[2] / "artifacts" / "screenshots"))
DECK_KEYS = {"x-deck-client-id": deck_stand_in.CLIENT_ID,
             "x-deck-secret": deck_stand_in.SECRET}


@pytest.fixture
def sandbox(run: Any) -> Iterator[SandboxServer]:
    server = run(start_sandbox())
    yield server
    run(server.close())


def open_window(qtbot: Any, backend: KeyringBackend) -> MainWindow:
    win = MainWindow(keyring_backend=backend, sandbox=False)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: bool(win.webhooks.receiver.url), timeout=5000)
    return win


@pytest.fixture
def window(qtbot: Any, qloop: Any) -> MainWindow:
    return open_window(qtbot, MemoryKeyring())


def deliveries(run: Any, url: str, mode: str, **request: Any) -> None:
    """Tell a stand-in how to deliver its next webhooks (its control route)."""
    async def put() -> int:
        async with httpx.AsyncClient() as client:
            answer = await client.put(url + "/sandbox/deliveries", json={"mode": mode},
                                      **request)
            return answer.status_code

    assert run(put()) == 200


def select(qtbot: Any, win: MainWindow, name: str, base_url: str) -> None:
    assert win.library.select_path(SANDBOX / name)
    qtbot.waitUntil(lambda: win.platform.isVisible() and win.platform.values_loaded)
    fill(qtbot, win.platform.keys, "base_url", base_url)


def fill(qtbot: Any, form: Any, field: str, text: str) -> None:
    editor = form.editor(field)
    assert isinstance(editor, QLineEdit)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(editor, text)


def settled(win: MainWindow, kind: str) -> bool:
    return win.platform.banner.kind == kind and not win.platform.runner.busy


def banner(win: MainWindow) -> str:
    return win.platform.banner.accessibleDescription()


def answer_dialog(qtbot: Any, win: MainWindow, code: str) -> str:
    """Wait for the security question, type `code`, send it; the question that was asked."""
    qtbot.waitUntil(lambda: (dialog := win.findChild(MfaDialog)) is not None
                    and dialog.isVisible(), timeout=10_000)
    dialog = win.findChild(MfaDialog)
    assert dialog is not None
    question = dialog.question.text()
    qtbot.keyClicks(dialog.answer, code)
    qtbot.keyClick(dialog.answer, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.findChild(MfaDialog) is None
                    or not win.findChild(MfaDialog).isVisible(), timeout=5000)
    return question


def test_a_second_link_does_not_show_the_first_links_account(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, run: Any) -> None:
    """Issue 13: Create link, complete it; Create link again for the same owner without
    opening it — "Account linked and verified" appeared at once, with the old account."""
    select(qtbot, window, "sandbox_stackone.yaml", sandbox.url + "/stackone")
    panel = window.platform.panel
    fill(qtbot, panel.form, "origin_owner_id", "customer-gui-again")
    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "token=" in panel.link.text(), timeout=10_000)
    run(complete_link(panel.link.text(), "customer-provider-key"))
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    first_link, first_account = panel.link.text(), panel.account.text()
    assert "Account linked and verified" in banner(window)

    qtbot.mouseClick(panel.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "token=" in panel.link.text() and panel.link.text() != first_link,
                    timeout=10_000)
    qtbot.wait(2500)  # the account list is polled every 2 s: at least one poll has answered
    assert window.platform.runner.busy and window.platform.banner.kind == "busy"
    assert "waiting for account.created" in banner(window)
    assert panel.account.text() == "" and first_account
    qtbot.mouseClick(window.platform.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "info"), timeout=5000)
    assert banner(window) == "Information: Cancelled."


def test_copies_of_the_security_question_ask_it_once(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, run: Any) -> None:
    """Deck v1 retries without an id: the question's copy must not come back as a new
    question after a wrong answer; the next dialog says the answer was wrong."""
    deck_api = sandbox.url + "/deck/api/v1"
    deliveries(run, deck_api, "twice,no-id", headers=DECK_KEYS)
    select(qtbot, window, "sandbox_deck.yaml", deck_api)
    deck = window.platform.panel
    fill(qtbot, deck.form, "username", "mfa")
    fill(qtbot, deck.form, "password", "customer-pass-2")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    first = answer_dialog(qtbot, window, "000000")
    second = answer_dialog(qtbot, window, deck_stand_in.MFA_ANSWER)
    assert "Enter the 6-digit code" in first
    assert "not right" in second and "2 tries left" in second
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "Connected: Deck returned an access token." in banner(window)
    assert "Webhook unverified (Standard Webhooks): no webhook-id" in banner(window)
    duplicates = [e for e in window.log if e.kind == "webhook" and "duplicate" in e.message]
    assert len(duplicates) >= 2
    qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 6)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "deck-mfa-copies.png"))


def test_a_silent_deck_is_told_from_the_jobs_status(
        qtbot: Any, window: MainWindow, sandbox: SandboxServer, run: Any) -> None:
    deck_api = sandbox.url + "/deck/api/v1"
    deliveries(run, deck_api, "silent", headers=DECK_KEYS)
    select(qtbot, window, "sandbox_deck.yaml", deck_api)
    deck = window.platform.panel
    fill(qtbot, deck.form, "username", "quiet")
    fill(qtbot, deck.form, "password", "pw")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=15_000)
    assert "Connected: Deck returned an access token (from the job's status: no webhook " \
        "came)." in banner(window)
    assert "No webhook came: the result is the job's status" in banner(window)
    assert deck.form.values()["access_token"].startswith("access-sandbox-")


def test_without_a_keychain_the_banner_says_where_the_token_really_went(
        qtbot: Any, qloop: Any, sandbox: SandboxServer) -> None:
    """Issue 13: "Connected: the access token is saved in the keychain" while the app ran
    with no keychain ("Secrets: memory")."""
    window = open_window(qtbot, fail.Keyring())
    assert "Secrets: memory" in window._keychain_label.text()
    select(qtbot, window, "sandbox_deck.yaml", sandbox.url + "/deck/api/v1")
    deck = window.platform.panel
    fill(qtbot, deck.form, "username", "ada")
    fill(qtbot, deck.form, "password", "pw")
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "ok"), timeout=10_000)
    assert "keychain for later jobs" not in banner(window)
    assert "kept in memory for this session only" in banner(window)
    assert "gone when the app closes" in banner(window)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / "deck-connected-no-keychain.png"))
