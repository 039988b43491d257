"""The main window as a support engineer uses it: open a connector, fill the form, test it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from tests.support.recording_server import RecordingServer
from workbench.core.memory_keyring import MemoryKeyring
from workbench.core.transport import TransportSettings
from workbench.qt.main_window import MainWindow

SECRET = "s3cret-bearer-7781"


def bearer_connector(folder: Path, url: str, name: str = "Local bearer",
                     extra_param: str = "") -> Path:
    """A bearer-token connector whose check calls GET {url}/me?team=…; `extra_param` is a
    parameter name to add (with the default "eu")."""
    extra = (f'      - name: "{extra_param}"\n        type: "string"\n        value: "eu"\n'
             if extra_param else "")
    path = folder / "local_bearer.yaml"
    path.write_text(
        "interface_parameters:\n"
        "  section:\n"
        "    source:\n"
        '      - name: "api_url"\n'
        '        type: "string"\n'
        f'        value: "{url}"\n'
        '        description: "Where the API lives."\n'
        '      - name: "team"\n'
        '        type: "string"\n'
        "        required: true\n"
        + extra +
        '      - name: "auth"\n'
        '        type: "authentication"\n'
        '        auth_type: "bearer"\n'
        "connector:\n"
        f'  name: "{name}"\n'
        '  base_url: "{api_url}"\n'
        "pre_run_configurations:\n"
        "  steps:\n"
        '    - name: "Who am I"\n'
        "      type: rest\n"
        '      endpoint: "{{%BASE_URL%}}/me?team={{%team%}}"\n')
    return path


@pytest.fixture
def keychain() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def window(qtbot: Any, qloop: Any, keychain: MemoryKeyring) -> Iterator[MainWindow]:
    win = MainWindow(keyring_backend=keychain, sandbox=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win


def open_connector(qtbot: Any, win: MainWindow, path: Path) -> None:
    win.library.open_paths([path])
    win.library.select_path(path)
    qtbot.waitUntil(lambda: win.connection.form.editor("team") is not None
                    or win.connection.form.editor("bearer_token") is not None, timeout=5000)
    qtbot.waitUntil(lambda: win.connection.test_button.isEnabled(), timeout=5000)


def type_into(qtbot: Any, win: MainWindow, field: str, text: str) -> None:
    editor = win.connection.form.editor(field)
    assert isinstance(editor, QLineEdit), field
    editor.clear()
    qtbot.keyClicks(editor, text)


def visible_texts(root: QWidget) -> str:
    """Everything a user can read in the window's labels, fields and buttons."""
    parts = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        plain_field = (isinstance(widget, QLineEdit)
                       and widget.echoMode() == QLineEdit.EchoMode.Normal)
        if plain_field or isinstance(widget, QLabel | QPushButton):
            parts.append(widget.text())  # type: ignore[attr-defined]
    parts.append(win_table_text(root))
    return "\n".join(parts)


def win_table_text(root: QWidget) -> str:
    if not isinstance(root, MainWindow):
        return ""
    model = root.log_pane.proxy()
    return "\n".join(
        str(model.index(r, c).data() or "")
        for r in range(model.rowCount()) for c in range(model.columnCount()))


def banner_text(win: MainWindow) -> str:
    return "\n".join(label.text() for label in win.connection.banner.findChildren(QLabel)
                     if label.isVisible())


def test_fill_the_form_and_test_a_connection(qtbot: Any, window: MainWindow,
                                            qserver: RecordingServer, tmp_path: Path,
                                            keychain: MemoryKeyring) -> None:
    qserver.json("GET", "/me", {"login": "ada"})
    path = bearer_connector(tmp_path, qserver.url)
    open_connector(qtbot, window, path)
    form = window.connection.form
    assert form.editor("api_url").text() == qserver.url  # type: ignore[union-attr]
    secret_editor = form.editor("bearer_token")
    assert isinstance(secret_editor, QLineEdit)
    assert secret_editor.echoMode() == QLineEdit.EchoMode.Password

    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: "200" in banner_text(window), timeout=10_000)
    assert qserver.requests_to("/me")[0].header("Authorization") == f"Bearer {SECRET}"
    assert qserver.requests_to("/me")[0].query == {"team": "support"}
    qtbot.waitUntil(lambda: window.log_pane.proxy().rowCount() >= 1, timeout=3000)
    shown = visible_texts(window)
    assert "/me" in shown
    assert SECRET not in shown
    # The secret went to the keychain, one entry for this connector and field.
    qtbot.waitUntil(lambda: any(user == "bearer_token" for _s, user in keychain.entries()))


def test_the_reveal_eye_shows_a_masked_secret(qtbot: Any, window: MainWindow,
                                              qserver: RecordingServer, tmp_path: Path) -> None:
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "bearer_token", SECRET)
    editor = window.connection.form.editor("bearer_token")
    assert isinstance(editor, QLineEdit)
    assert SECRET not in visible_texts(window)
    reveal = window.connection.form.reveal_action("bearer_token")
    assert reveal is not None
    reveal.trigger()
    assert editor.echoMode() == QLineEdit.EchoMode.Normal
    assert SECRET in visible_texts(window)
    reveal.trigger()
    assert SECRET not in visible_texts(window)


def test_missing_values_are_named_beside_their_fields(qtbot: Any, window: MainWindow,
                                                      qserver: RecordingServer,
                                                      tmp_path: Path) -> None:
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    qtbot.keyClick(window, Qt.Key.Key_F5)
    form = window.connection.form
    qtbot.waitUntil(lambda: form.problem_text("team") != "")
    assert form.problem_text("team") == "Required."
    assert form.problem_text("bearer_token") == "Required."
    assert form.problem_text("api_url") == ""
    assert "Team" in banner_text(window)
    assert qserver.seen == []


def test_a_refused_token_shows_the_verdict_and_hint(qtbot: Any, window: MainWindow,
                                                    qserver: RecordingServer,
                                                    tmp_path: Path) -> None:
    qserver.json("GET", "/me", {"message": "Bad credentials"}, status=401)
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "401" in banner_text(window), timeout=10_000)
    text = banner_text(window)
    assert "token" in text.lower()  # the hint speaks about the bearer token
    assert SECRET not in visible_texts(window)


def test_cancel_stops_a_slow_check(qtbot: Any, window: MainWindow, qserver: RecordingServer,
                                   tmp_path: Path) -> None:
    async def slow(_seen: Any) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({})

    qserver.route("GET", "/me", slow)
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.connection.cancel_button.isVisible())
    assert not window.connection.test_button.isEnabled()
    assert window.connection.progress.isVisible()
    qtbot.mouseClick(window.connection.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in banner_text(window), timeout=3000)
    assert window.connection.test_button.isEnabled()
    assert not window.connection.cancel_button.isVisible()


def test_network_settings_apply_to_the_next_request(qtbot: Any, window: MainWindow,
                                                    qserver: RecordingServer,
                                                    tmp_path: Path) -> None:
    async def slow(_seen: Any) -> web.Response:
        await asyncio.sleep(3)
        return web.json_response({})

    qserver.route("GET", "/me", slow)
    window.preferences.set_transport_settings(TransportSettings(timeout=0.5))
    open_connector(qtbot, window, bearer_connector(tmp_path, qserver.url))
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    qtbot.mouseClick(window.connection.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "timed out" in banner_text(window).lower(), timeout=5000)

    window.preferences.set_transport_settings(TransportSettings(verify_tls=False))
    assert window.findChild(QLabel, "tlsWarning").isVisible()


def test_editing_the_file_reloads_the_form_and_keeps_typed_values(
        qtbot: Any, window: MainWindow, qserver: RecordingServer, tmp_path: Path) -> None:
    path = bearer_connector(tmp_path, qserver.url)
    open_connector(qtbot, window, path)
    type_into(qtbot, window, "team", "support")
    type_into(qtbot, window, "bearer_token", SECRET)
    with qtbot.waitSignal(window.library.sig_connector_reloaded, timeout=5000):
        bearer_connector(tmp_path, qserver.url, name="Renamed bearer", extra_param="region")
    form = window.connection.form
    qtbot.waitUntil(lambda: form.editor("region") is not None)
    assert form.values()["team"] == "support"
    assert form.values()["bearer_token"] == SECRET
    assert form.values()["region"] == "eu"
    assert "Renamed bearer" in visible_texts(window)


def test_a_broken_connector_shows_where_it_is_broken(qtbot: Any, window: MainWindow,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("connector:\n  name: Broken\n  base_url: [unclosed\n")
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(lambda: "broken.yaml" in banner_text(window), timeout=3000)
    assert f"{path}:" in banner_text(window) or "broken.yaml:" in banner_text(window)
    assert not window.connection.test_button.isEnabled()


def test_without_a_keychain_the_app_says_so_once_and_keeps_secrets_in_memory(
        qtbot: Any, qloop: Any, qserver: RecordingServer, tmp_path: Path,
        isolated_settings: Path) -> None:
    win = MainWindow(keyring_backend=fail.Keyring(), sandbox=False)
    qtbot.addWidget(win)
    win.show()
    notice = win.connection.notice
    assert notice.isVisible()
    assert "No system keychain" in notice.label.text()
    assert "memory" in notice.label.text()
    assert "memory" in win.findChild(QLabel, "keychainStatus").text()
    path = bearer_connector(tmp_path, qserver.url)
    open_connector(qtbot, win, path)
    secret_field = win.connection.form.editor("bearer_token")
    assert isinstance(secret_field, QLineEdit)
    assert secret_field.placeholderText() == "kept in memory for this session only"
    type_into(qtbot, win, "bearer_token", SECRET)
    type_into(qtbot, win, "team", "support")
    win.session.save_now()
    qtbot.wait(200)
    win.close()
    # Nothing secret was written to a settings file, but the plain value was.
    written = "".join(p.read_text() for p in isolated_settings.rglob("*") if p.is_file())
    assert "support" in written
    assert SECRET not in written


def test_values_persist_plain_in_settings_and_secrets_in_the_keychain(
        qtbot: Any, qloop: Any, qserver: RecordingServer, tmp_path: Path,
        isolated_settings: Path) -> None:
    keychain = MemoryKeyring()
    path = bearer_connector(tmp_path, qserver.url)
    first = MainWindow(keyring_backend=keychain, sandbox=False)
    qtbot.addWidget(first)
    open_connector(qtbot, first, path)
    type_into(qtbot, first, "team", "support")
    type_into(qtbot, first, "bearer_token", SECRET)
    first.close()
    qtbot.waitUntil(lambda: len(keychain.entries()) == 1)
    written = "".join(p.read_text() for p in isolated_settings.rglob("*") if p.is_file())
    assert SECRET not in written

    second = MainWindow(keyring_backend=keychain, sandbox=False)
    qtbot.addWidget(second)
    open_connector(qtbot, second, path)
    qtbot.waitUntil(lambda: second.connection.form.values().get("bearer_token") == SECRET)
    assert second.connection.form.values()["team"] == "support"


def test_layout_is_remembered(qtbot: Any, qloop: Any) -> None:
    first = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(first)
    first.resize(760, 560)  # the offscreen screen is 800x600
    first.show()
    first._top.setSizes([150, 400, 200])
    sizes = first._top.sizes()
    first.close()
    second = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(second)
    second.show()
    assert second.size().width() == 760
    assert second._top.sizes() == sizes


def test_oauth_against_the_in_app_sandbox_fills_the_token_view(
        qtbot: Any, window: MainWindow, run: Any) -> None:
    from workbench.core.config import bundled_connectors_dir
    from workbench.qt.sandbox_control import SandboxControl

    sandbox = SandboxControl(port=0)
    with qtbot.waitSignal(sandbox.sig_state_changed) as state:
        run(sandbox.start())
    assert state.args[0] is True and sandbox.url in state.args[1]
    try:
        path = bundled_connectors_dir() / "sandbox" / "sandbox_oauth2_client_credentials.yaml"
        window.library.select_path(path)
        qtbot.waitUntil(lambda: window.connection.form.editor("sandbox_url") is not None)
        qtbot.waitUntil(window.connection.test_button.isEnabled)
        type_into(qtbot, window, "sandbox_url", sandbox.url)
        qtbot.keyClick(window, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: window.connection.banner.kind == "ok", timeout=10_000)
        view = window.token_view
        assert view.token is not None and view.expiry.text().startswith("expires in")
        first = view.token.access_token
        assert first not in visible_texts(window)
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
        assert view.token is None
        qtbot.keyClick(window, Qt.Key.Key_F5)  # a cleared token means a new one is fetched
        qtbot.waitUntil(lambda: view.token is not None, timeout=10_000)
        assert view.token.access_token != first
    finally:
        run(sandbox.stop())


def test_every_bundled_sandbox_connector_passes_in_the_app(
        qtbot: Any, window: MainWindow, run: Any) -> None:
    """What a new user gets from the README's first command: every Sandbox connector passes."""
    from workbench.core.config import bundled_connectors_dir, discover_connectors
    from workbench.qt.sandbox_control import SandboxControl

    sandbox = SandboxControl(port=0)
    run(sandbox.start())
    try:
        from workbench.core.connector_files import is_platform_text

        paths = [p for p in discover_connectors(bundled_connectors_dir() / "sandbox")
                 if not is_platform_text(p.read_text())]  # accounts: test_platform_pane
        assert len(paths) >= 7
        for path in paths:
            assert window.library.select_path(path), path
            qtbot.waitUntil(lambda: window.connection.form.editor("sandbox_url") is not None
                            and window.connection.test_button.isEnabled())
            type_into(qtbot, window, "sandbox_url", sandbox.url)
            qtbot.keyClick(window, Qt.Key.Key_F5)
            qtbot.waitUntil(lambda: window.connection.banner.kind in ("ok", "warn", "fail"),
                            timeout=10_000)
            assert window.connection.banner.kind == "ok", (path.name, banner_text(window))
    finally:
        run(sandbox.stop())


def test_refresh_in_the_token_view_rotates_and_keeps_the_new_refresh_token(
        qtbot: Any, window: MainWindow, run: Any, keychain: MemoryKeyring) -> None:
    from workbench.core.config import bundled_connectors_dir
    from workbench.qt.sandbox_control import SandboxControl

    sandbox = SandboxControl(port=0)
    run(sandbox.start())
    try:
        path = bundled_connectors_dir() / "sandbox" / "sandbox_oauth2_refresh_token.yaml"
        window.library.select_path(path)
        qtbot.waitUntil(lambda: window.connection.form.editor("sandbox_url") is not None
                        and window.connection.test_button.isEnabled())
        type_into(qtbot, window, "sandbox_url", sandbox.url)
        seed = window.connection.form.values()["refresh_token"]
        qtbot.keyClick(window, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: window.connection.banner.kind == "ok", timeout=10_000)
        view = window.token_view
        assert view.token is not None and view.refresh_button.isEnabled()
        first_access = view.token.access_token
        rotated = window.connection.form.values()["refresh_token"]
        assert rotated != seed  # the spent seed was replaced by the server's new one

        qtbot.mouseClick(view.refresh_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: view.token is not None
                        and view.token.access_token != first_access, timeout=10_000)
        # The new token reaches the pane before the run's end reaches the banner.
        qtbot.waitUntil(lambda: "refreshed" in banner_text(window), timeout=10_000)
        newest = window.connection.form.values()["refresh_token"]
        assert newest != rotated
        service = "connection-workbench/" + window.session.entry.connector_id  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: keychain.get_password(service, "refresh_token") == newest)
    finally:
        run(sandbox.stop())


def test_the_webhook_receiver_runs_with_the_app_and_deliveries_reach_the_log(
        qtbot: Any, window: MainWindow, run: Any) -> None:
    import httpx
    from PySide6.QtGui import QGuiApplication

    qtbot.waitUntil(lambda: window.webhooks.copy.isEnabled(), timeout=5000)
    url = window.webhooks.webhook_url
    assert url.startswith("http://127.0.0.1:") and url in window.webhooks.label.text()
    qtbot.mouseClick(window.webhooks.copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == url

    async def deliver() -> int:
        async with httpx.AsyncClient() as sender:
            answer = await sender.post(url + "/deck", json={"job_guid": "j-1",
                                                            "webhook_code": "EnsureConnection"})
            return answer.status_code

    assert run(deliver()) == 200
    qtbot.waitUntil(lambda: "/deck" in win_table_text(window), timeout=3000)
    assert "webhook" in win_table_text(window)
    run(window.webhooks.stop())
