"""The planted-secret search in the app: after runs against servers that echo every secret,
no form of any secret is in the window's visible text (banner, form, log table, the detail of
every event, tooltips) nor in the files the app wrote (settings)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from tests.integration.test_planted_secrets import assert_no_secret, basic_blobs
from tests.qt.test_main_window import type_into
from tests.support.echo_server import EchoServer
from workbench.core.config import bundled_connectors_dir
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt.main_window import MainWindow

SHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS",
                            Path(__file__).parents[2] / "artifacts" / "screenshots"))
CLIENT_SECRET = "GUI-CLIENT-SECRET-pp13/+&"


@pytest.fixture
def echo(run: Any) -> Iterator[EchoServer]:
    server = run(EchoServer().start())
    yield server
    run(server.close())


@pytest.fixture
def window(qtbot: Any, qloop: Any) -> Iterator[MainWindow]:
    win = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win


def everything_shown(qtbot: Any, win: MainWindow) -> str:
    """All text a user can see: every visible widget's text and tooltip, every row of every
    item view, and the log's detail view (both tabs) for each event in turn."""
    qtbot.waitUntil(lambda: win.log_pane.proxy().rowCount() == len(win.log), timeout=5000)
    parts: list[str] = [win.windowTitle()]
    for widget in win.findChildren(QWidget):
        if not widget.isVisible():
            continue
        parts.append(widget.toolTip())
        if isinstance(widget, QLineEdit):
            parts.append(widget.displayText())  # dots for a password field
        elif isinstance(widget, QLabel | QAbstractButton):
            parts.append(widget.text())
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            parts += [str(model.index(r, c).data() or "") for r in range(model.rowCount())
                      for c in range(model.columnCount())]
    table = win.log_pane._table
    tabs = win.log_pane.findChild(QTabWidget, "exchangeTabs")
    assert table.model().rowCount() > 0 and tabs is not None
    for row in range(table.model().rowCount()):
        table.setCurrentIndex(table.model().index(row, 0))
        for tab in range(tabs.count()):
            tabs.setCurrentIndex(tab)
            parts += _texts(win.log_pane)
    return "\n".join(parts)


def _texts(root: QWidget) -> list[str]:
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLineEdit | QLabel):
            found.append(widget.text())
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            found.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            found += [str(model.index(r, c).data() or "") for r in range(model.rowCount())
                      for c in range(model.columnCount())]
    return found


def oauth_connector(folder: Path, url: str) -> Path:
    path = folder / "echo_oauth.yaml"
    path.write_text(
        "interface_parameters:\n  section:\n    source:\n"
        f'      - name: url\n        type: string\n        value: "{url}"\n'
        "      - name: auth\n        type: authentication\n        auth_type: oauth2\n"
        "        oauth2_settings:\n          grant_type: client_credentials\n"
        '          token_url: "{url}/token"\n          is_basic_auth: true\n'
        "        fields:\n          - name: client_id\n          - name: client_secret\n"
        "            is_encrypted: true\n"
        'connector:\n  name: "Echoing OAuth"\n  base_url: "{url}"\n'
        "pre_run_configurations:\n  steps:\n    - name: api\n      type: rest\n"
        '      endpoint: "{{%BASE_URL%}}/api"\n')
    return path


@pytest.mark.parametrize("answer", ["error", "no-error", "ok"])
def test_the_banner_and_the_log_show_no_echoed_secret(
        answer: str, qtbot: Any, window: MainWindow, echo: EchoServer, tmp_path: Path,
        isolated_settings: Path) -> None:
    echo.token_answer = answer
    path = oauth_connector(tmp_path, echo.url)
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(lambda: window.connection.form.editor("client_secret") is not None
                    and window.connection.test_button.isEnabled(), timeout=5000)
    type_into(qtbot, window, "client_id", "gui-client")
    type_into(qtbot, window, "client_secret", CLIENT_SECRET)
    qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
    banner = window.connection.banner
    qtbot.waitUntil(lambda: banner.kind == "fail", timeout=15_000)
    shown = everything_shown(qtbot, window) + "\n" + banner.accessibleDescription()
    assert "[redacted]" in shown
    if answer == "error":
        assert "client not accepted" in banner.accessibleDescription()  # the echo is shown...
    secrets = [CLIENT_SECRET, *basic_blobs("gui-client", CLIENT_SECRET), *echo.issued]
    assert_no_secret(shown, secrets, f"the window ({answer})")  # ...without the secrets
    window.session.save_now()
    qtbot.wait(200)
    written = "\n".join(p.read_text(errors="replace") for p in isolated_settings.rglob("*")
                        if p.is_file())
    assert written, "the app wrote its settings"
    assert_no_secret(written, secrets, "the settings files")
    SHOTS.mkdir(parents=True, exist_ok=True)
    banner.grab().save(str(SHOTS / f"planted-secrets-banner-{answer}.png"))


def test_a_platform_refusal_quoting_the_keys_and_the_password(
        qtbot: Any, window: MainWindow, echo: EchoServer) -> None:
    from tests.qt.test_platform_pane import fill, select, settled

    deck_secret, password = "GUI-DECK-SECRET-qq14/+", "GUI-DECK-PW-qq15 &"
    select(qtbot, window, "sandbox_deck.yaml", echo.url + "/deck-refuse")
    fill(qtbot, window.platform.keys, "secret", deck_secret)
    qtbot.mouseClick(window.platform.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "fail"), timeout=10_000)
    assert "refused" in window.platform.banner.accessibleDescription()
    assert_no_secret(everything_shown(qtbot, window), [deck_secret], "the platform pane")
    deck = window.platform.panel
    fill(qtbot, deck.form, "username", "ada")
    fill(qtbot, deck.form, "password", password)
    qtbot.mouseClick(deck.ensure_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window, "fail")
                    and "refused" in window.platform.banner.accessibleDescription()
                    and len(echo.requests_to("/deck-refuse/jobs/submit")) == 1, timeout=10_000)
    shown = everything_shown(qtbot, window) + window.platform.banner.accessibleDescription()
    assert_no_secret(shown, [deck_secret, password], "the Deck panel")
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.platform.banner.grab().save(str(SHOTS / "planted-secrets-deck-banner.png"))


assert bundled_connectors_dir().is_dir()
