"""`workbench authorize` against a real OpenID Provider, as a user on SSH would run it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.support.cli import ROOT, workbench
from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVICE_SETTINGS,
    Provider,
    log_in_and_consent,
    login_connector,
    running_provider,
)
from tests.support.recording_server import RecordingServer


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


async def start_authorize(connector: Path, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", "authorize", str(connector), "--browser", "none",
        "--set", f"client_id={CLIENT_ID}", *extra, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "WB_CLIENT_SECRET": CLIENT_SECRET, "HOME": "/tmp"})


async def printed_url(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        assert line, "the CLI ended without printing the authorization URL"
        if line.strip().startswith("http://"):
            return line.strip()


async def test_authorize_over_ssh_prints_the_url_and_gets_tokens(
        provider: Provider, tmp_path: Path) -> None:
    connector = tmp_path / "oidc.yaml"
    connector.write_text(login_connector(provider.issuer))
    process = await start_authorize(connector, "--json")
    url = await printed_url(process)
    assert "code_challenge_method=S256" in url and "prompt=consent" in url
    landing = await asyncio.to_thread(log_in_and_consent, url)
    async with httpx.AsyncClient() as browser:  # the user's browser lands on the loopback
        assert "close this tab" in (await browser.get(landing)).text
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["ok"] is True and report["token"]["access_token"] == "[redacted]"
    assert report["token"]["refresh_token"] == "[redacted]"
    text = out.decode() + err.decode()
    assert CLIENT_SECRET not in text
    assert "code=" not in text or "code=[redacted]" in text


async def test_a_connector_without_the_code_grant_is_a_usage_error(tmp_path: Path) -> None:
    connector = tmp_path / "bearer.yaml"
    connector.write_text("interface_parameters:\n  section:\n    source:\n"
                         "      - name: auth\n        type: authentication\n"
                         "        auth_type: bearer\nconnector:\n  name: B\n"
                         "  base_url: http://127.0.0.1:9\n")
    run = await workbench("authorize", str(connector), "--browser", "none")
    assert run.code == 2
    assert "authorization_code" in run.stdout + run.stderr


async def test_the_embedded_login_window_needs_a_display(tmp_path: Path) -> None:
    run = await workbench("authorize", "github", "--browser", "embedded",
                          env={"QT_QPA_PLATFORM": "", "DISPLAY": "", "WAYLAND_DISPLAY": ""})
    assert run.code == 2 and "login window" in run.stderr


async def test_the_embedded_login_window_catches_an_https_redirect(
        server: RecordingServer, tmp_path: Path) -> None:
    """A provider that still has a session redirects at once: no page to fill in."""
    def sign_in(seen: Any) -> web.Response:
        target = f"{seen.query['redirect_uri']}?code=c0de-from-idp&state={seen.query['state']}"
        return web.Response(status=302, headers={"Location": target})

    server.route("GET", "/auth", sign_in)
    server.json("POST", "/token", {"access_token": "at-embedded-123", "expires_in": 60})
    server.json("GET", "/me", {"sub": "alice"})
    connector = tmp_path / "embedded.yaml"
    connector.write_text(login_connector(server.url, redirect_uri="https://app.example.test/oauth/callback"))
    run = await workbench("authorize", str(connector), "--browser", "embedded", "--json",
                          "--set", f"client_id={CLIENT_ID}", "--wait", "30",
                          env={"QT_QPA_PLATFORM": "offscreen", "WB_CLIENT_SECRET": "s3cret",
                               "HOME": str(tmp_path)}, timeout=90)
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    (exchange,) = server.requests_to("/token")
    assert exchange.form["code"] == "c0de-from-idp"
    assert exchange.form["redirect_uri"] == "https://app.example.test/oauth/callback"
    assert exchange.form["code_verifier"]
    assert "c0de-from-idp" not in run.stdout + run.stderr


async def test_device_login_shows_a_code_and_a_qr_then_gets_tokens(
        provider: Provider, tmp_path: Path) -> None:
    from tests.support.oidc import PUBLIC_CLIENT_ID, confirm_device_code

    connector = tmp_path / "device.yaml"
    connector.write_text(login_connector(provider.issuer, extra=DEVICE_SETTINGS))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", "authorize", str(connector), "--device", "--json",
        "--set", f"client_id={PUBLIC_CLIENT_ID}", stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    link = await printed_url(process)
    assert "/device?user_code=" in link
    page = await asyncio.to_thread(confirm_device_code, link)
    assert "Sign-in Success" in page
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert "▀" in err.decode() or "█" in err.decode()  # the QR code, drawn in the terminal
    report = json.loads(out)
    assert report["ok"] is True and report["token"]["access_token"] == "[redacted]"
