"""A scripted "system browser" for login tests, and the login run it takes part in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from aiohttp import web

from tests.support.oidc import login_connector
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.authorize import authorize_and_check
from workbench.core.check import CheckOptions, CheckResult
from workbench.core.config import load_connector
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings

# (method, URL) the "browser" visits once the login page is open; {cb} is the redirect_uri,
# {state} the state of the request, {root} the listener's origin, {landing} where the provider
# redirected after `log_in`.
Visit = tuple[str, str]


@dataclass
class Browser:
    """Plays the user's browser: it visits the given URLs in order and keeps every page."""

    visits: list[Visit]
    pages: list[tuple[int, str]] = field(default_factory=list)
    # Before the visits: play the person at the provider (returns where it redirects last).
    log_in: Callable[[str], Awaitable[str]] | None = None
    landing: str = ""
    authorization_url: str = ""
    task: asyncio.Task[None] | None = None

    def open(self, url: str) -> None:
        self.authorization_url = url
        self.task = asyncio.ensure_future(self._visit(url))

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.authorization_url).query)

    async def _visit(self, url: str) -> None:
        callback = self.query["redirect_uri"][0]
        parts = urlsplit(callback)
        names = {"cb": callback, "state": self.query["state"][0],
                 "root": f"{parts.scheme}://{parts.netloc}"}
        if self.log_in is not None:
            self.landing = await self.log_in(url)
            names["landing"] = self.landing
        async with httpx.AsyncClient(timeout=10) as client:
            for method, target in self.visits:
                answer = await client.request(method, target.format(**names))
                self.pages.append((answer.status_code, answer.text))


def provider(server: RecordingServer, token: Callable[[Seen], Any] | None = None) -> None:
    """A provider that issues tokens for any code, and a userinfo endpoint."""
    server.route("POST", "/token", token or (lambda _s: web.json_response(
        {"access_token": "at-redirect-faults-1", "token_type": "Bearer", "expires_in": 300})))
    server.json("GET", "/me", {"sub": "alice"})


async def log_in(issuer: str, tmp_path: Path, browser: Browser, timeout: float = 10,
                 extra: str = "", client_id: str = "cid",
                 secret: str = "s3cret-faults") -> tuple[CheckResult, EventLog]:
    """Authorize (then check) a login connector for `issuer` with `browser` as the browser."""
    path = tmp_path / "login.yaml"
    path.write_text(login_connector(issuer, client_id, extra=extra))
    log = EventLog()
    result = await authorize_and_check(
        load_connector(path).blueprint, {"client_secret": secret}, log, browser.open,
        CheckOptions(settings=TransportSettings(timeout=10)), timeout=timeout)
    if browser.task is not None:
        await browser.task
    return result, log


def notes(log: EventLog, start: str) -> list[str]:
    return [e.message for e in log if e.kind == "note" and e.message.startswith(start)]


