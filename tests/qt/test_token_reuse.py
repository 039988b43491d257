"""A token is reused only while every input that obtained it is unchanged, and the app says
where this run's token came from; the token pane never passes off an old token as this run's."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.qt.test_main_window import (  # noqa: F401  (fixtures)
    banner_text,
    keychain,
    type_into,
    window,
)
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.config import bundled_connectors_dir
from workbench.qt.main_window import MainWindow
from workbench.qt.sandbox_control import SandboxControl

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def sandbox(run: Any) -> Iterator[SandboxControl]:
    control = SandboxControl(port=0)
    run(control.start())
    yield control
    run(control.stop())


def open_sandbox_connector(qtbot: Any, win: MainWindow, name: str, url: str) -> None:
    path = bundled_connectors_dir() / "sandbox" / name
    assert win.library.select_path(path)
    qtbot.waitUntil(lambda: win.connection.form.editor("sandbox_url") is not None
                    and win.connection.test_button.isEnabled())
    type_into(qtbot, win, "sandbox_url", url)


def token_requests(win: MainWindow) -> list[str]:
    """The grant of every token request the app sent, oldest first."""
    from urllib.parse import parse_qs

    return [parse_qs(e.request_body.decode()).get("grant_type", [""])[0]
            for e in win.log if e.kind == "token"]


def press_f5_and_wait(qtbot: Any, win: MainWindow) -> str:
    banner = win.connection.banner
    qtbot.keyClick(win, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: banner.kind == "busy" or banner.kind in ("ok", "warn", "fail"))
    qtbot.waitUntil(lambda: banner.kind in ("ok", "warn", "fail"), timeout=10_000)
    return banner.kind


def test_a_changed_refresh_token_is_used_not_the_kept_token(
        qtbot: Any, window: MainWindow, sandbox: SandboxControl) -> None:  # noqa: F811
    open_sandbox_connector(qtbot, window, "sandbox_oauth2_refresh_token.yaml", sandbox.url)
    assert press_f5_and_wait(qtbot, window) == "ok"
    assert token_requests(window) == ["refresh_token"]

    type_into(qtbot, window, "refresh_token", "a-wrong-refresh-token")
    assert press_f5_and_wait(qtbot, window) == "fail"
    assert token_requests(window) == ["refresh_token", "refresh_token"]
    last = [e for e in window.log if e.kind == "token"][-1]
    assert b"a-wrong-refresh-token" in last.request_body
    assert "invalid_grant" in banner_text(window)


def test_the_servers_rotation_does_not_throw_a_good_token_away(
        qtbot: Any, window: MainWindow, sandbox: SandboxControl) -> None:  # noqa: F811
    """The app puts the rotated refresh token in the form: that change is ours, so the next
    run reuses the token (and says so) instead of spending the new refresh token."""
    open_sandbox_connector(qtbot, window, "sandbox_oauth2_refresh_token.yaml", sandbox.url)
    assert press_f5_and_wait(qtbot, window) == "ok"
    assert "Refreshed" in banner_text(window)
    obtained = window.token_view.token
    assert obtained is not None

    assert press_f5_and_wait(qtbot, window) == "ok"
    assert token_requests(window) == ["refresh_token"]
    text = banner_text(window)
    assert "Reused the token obtained" in text
    from datetime import datetime

    assert datetime.fromtimestamp(obtained.obtained_at).strftime("%H:%M:%S") in text
    fetch_fresh = window.connection.banner.action
    assert fetch_fresh.isVisible() and fetch_fresh.text() == "Fetch fresh"
    window.grab().save(str(SCREENSHOTS / "token_reused_banner.png"))

    qtbot.mouseClick(fetch_fresh, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(token_requests(window)) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: window.connection.banner.kind == "ok", timeout=10_000)
    assert "Refreshed" in banner_text(window)
    assert window.token_view.token is not None
    assert window.token_view.token.access_token != obtained.access_token


def test_a_failed_run_does_not_show_the_earlier_token_as_its_own(
        qtbot: Any, window: MainWindow, sandbox: SandboxControl) -> None:  # noqa: F811
    open_sandbox_connector(qtbot, window, "sandbox_oauth2_client_credentials.yaml",
                           sandbox.url)
    assert press_f5_and_wait(qtbot, window) == "ok"
    view = window.token_view
    assert view.token is not None
    assert "this run" in view.provenance.text().lower()

    type_into(qtbot, window, "client_secret", "wrong-secret")
    assert press_f5_and_wait(qtbot, window) == "fail"
    assert view.provenance.isVisible()
    assert "earlier run" in view.provenance.text()
    assert "not proven by this one" in view.provenance.text()
    view.grab().save(str(SCREENSHOTS / "token_view_stale.png"))


def test_a_token_the_api_refused_is_not_reused_and_says_so(
        qtbot: Any, window: MainWindow, qserver: RecordingServer,  # noqa: F811
        tmp_path: Path) -> None:
    """The API refuses the tokens for a while (an outage of its key cache): the pane says the
    token was refused, and the next run fetches a new one instead of reusing it."""
    import itertools

    from aiohttp import web

    numbers = itertools.count(1)
    refusing = False

    def token(_seen: Seen) -> web.Response:
        return web.json_response({"access_token": f"at-{next(numbers)}", "expires_in": 3600,
                                  "token_type": "Bearer"})

    def me(seen: Seen) -> web.Response:
        if not refusing:
            return web.json_response({"me": "ada"})
        return web.json_response({"error": "invalid_token"}, status=401,
                                 headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})

    qserver.route("POST", "/token", token)
    qserver.route("GET", "/me", me)
    path = tmp_path / "cc.yaml"
    path.write_text(textwrap.dedent(f"""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
                value: "{qserver.url}"
              - name: auth
                type: authentication
                auth_type: oauth2
                oauth2_settings:
                  grant_type: client_credentials
                  token_url: "{{url}}/token"
                fields:
                  - name: client_id
                    value: cid
                  - name: client_secret
                    is_encrypted: true
                    value: cs
        connector:
          name: Revoking API
          base_url: "{{url}}"
        pre_run_configurations:
          steps:
            - name: me
              type: rest
              endpoint: "{{{{%BASE_URL%}}}}/me"
        """))
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(window.connection.test_button.isEnabled)
    assert press_f5_and_wait(qtbot, window) == "ok"
    refusing = True

    assert press_f5_and_wait(qtbot, window) == "fail"  # the reused token, then a renewed one
    view = window.token_view
    assert "Refused by the API" in view.provenance.text()
    assert "will not be reused" in view.provenance.text()
    assert window.checks.token(window.session.entry.connector_id) is None  # type: ignore[union-attr]
    asked = len(qserver.requests_to("/token"))
    refusing = False

    assert press_f5_and_wait(qtbot, window) == "ok"
    assert len(qserver.requests_to("/token")) == asked + 1
    assert "Fetched" in banner_text(window)


def test_a_refresh_token_rotated_while_another_connector_is_shown_is_kept(
        qtbot: Any, window: MainWindow, qserver: RecordingServer,  # noqa: F811
        tmp_path: Path, keychain: Any) -> None:  # noqa: F811
    """Switching connectors during a run must not lose the server's new refresh token: the
    old one is dead, and losing the new one would strand the connection."""
    import asyncio

    from aiohttp import web

    async def token(_seen: Seen) -> web.Response:
        await asyncio.sleep(0.5)  # long enough to switch away
        return web.json_response({"access_token": "at-1", "refresh_token": "rt-rotated",
                                  "expires_in": 3600})

    qserver.route("POST", "/token", token)
    qserver.json("GET", "/me", {})
    path = tmp_path / "rt.yaml"
    path.write_text(textwrap.dedent(f"""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
                value: "{qserver.url}"
              - name: auth
                type: authentication
                auth_type: oauth2
                oauth2_settings:
                  grant_type: refresh_token
                  token_url: "{{url}}/token"
                fields:
                  - name: client_id
                    value: cid
                  - name: refresh_token
                    is_encrypted: true
        connector:
          name: Rotating API
          base_url: "{{url}}"
        pre_run_configurations:
          steps:
            - name: me
              type: rest
              endpoint: "{{{{%BASE_URL%}}}}/me"
        """))
    other = bundled_connectors_dir() / "sandbox" / "sandbox_bearer.yaml"
    window.library.open_paths([path])
    window.library.select_path(path)
    qtbot.waitUntil(lambda: window.connection.form.editor("refresh_token") is not None)
    type_into(qtbot, window, "refresh_token", "rt-seed")
    connector_id = window.session.entry.connector_id  # type: ignore[union-attr]
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.connection.banner.kind == "busy")
    assert window.library.select_path(other)
    qtbot.waitUntil(lambda: not window.checks.busy, timeout=10_000)

    service = f"connection-workbench/{connector_id}"
    qtbot.waitUntil(lambda: keychain.get_password(service, "refresh_token") == "rt-rotated")
    window.library.select_path(path)
    qtbot.waitUntil(lambda: window.connection.form.editor("refresh_token") is not None)
    assert window.connection.form.values()["refresh_token"] == "rt-rotated"
    assert press_f5_and_wait(qtbot, window) == "ok"
    assert "Reused the token" in banner_text(window)  # the rotation was ours: still reusable
