"""The system-browser redirect (RFC 8252 §7.3): a listener on 127.0.0.1 that waits for the one
redirect answering this login and tells the browser the truth about what the app does with it.

Stray requests (favicon, scanners, HEAD, other paths) get a 404 and change nothing. A redirect
that is not this login's answer (wrong, missing or duplicated state) is refused on the page and
does not end the wait, so a stale tab or a forged link cannot take the genuine answer's place.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from workbench.core.auth.authorization import AuthorizationError, UnrelatedRedirect
from workbench.core.errors import InputError
from workbench.core.local_server import HOST, LocalServer, serve_local

# Reads a redirect URL: the code, or AuthorizationError (UnrelatedRedirect: keep waiting).
Judge = Callable[[str], str]
_PAGE = """<!doctype html><meta charset="utf-8"><title>Connection Workbench</title>
<body style="font-family: sans-serif; margin: 3em">
<h2>{title}</h2><p>{text}</p><p>{after}</p>
"""
_CLOSE = "You can close this tab and go back to Connection Workbench."


def loopback_port_and_path(redirect_uri: str) -> tuple[int, str]:
    """Port (0 = any free one) and path to listen on for a loopback `redirect_uri`."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in (HOST, "localhost"):
        raise InputError(
            f"{redirect_uri} is not a loopback redirect (http://127.0.0.1[:port]/path); use the "
            "embedded browser for other redirect URIs")
    return parts.port or 0, parts.path or "/"


class LoopbackRedirect:
    """Listen for this login's redirect; `redirect_uri` is the exact URI to put in the request.
    Without `expect`, the first GET to the path is taken as it is."""

    def __init__(self, path: str = "/callback") -> None:
        self._path = path
        self._server: LocalServer | None = None
        self._received: asyncio.Future[str] | None = None
        self._judge: Judge | None = None
        self.redirect_uri = ""

    async def start(self, port: int = 0) -> LoopbackRedirect:
        self._received = asyncio.get_running_loop().create_future()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._on_request)
        try:
            self._server = await serve_local(app, port)
        except OSError as exc:
            raise InputError(f"cannot listen on {HOST}:{port} for the redirect "
                             f"({exc.strerror}); is another authorization running?") from None
        self.redirect_uri = self._server.url + self._path
        return self

    def expect(self, judge: Judge) -> None:
        """How to tell this login's answer from any other redirect (before the browser opens)."""
        self._judge = judge

    async def wait(self, timeout: float) -> str:
        """The full URL of this login's redirect; TimeoutError if none came."""
        assert self._received is not None, "start() first"
        return await asyncio.wait_for(asyncio.shield(self._received), timeout)

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def __aenter__(self) -> LoopbackRedirect:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _on_request(self, request: web.Request) -> web.Response:
        if request.path != self._path or request.method != "GET":
            return web.Response(status=404, text="Not the redirect this app is waiting for.")
        assert self._received is not None
        if self._received.done():
            return _page(410, "Already answered",
                         "Connection Workbench already took the answer to this login, and a "
                         "code works only once, so this request was not used. To log in "
                         "again, start a new authorization in the app.")
        # The query as sent: decoded, an escaped "&" in a value would split it.
        url = f"{self.redirect_uri}?{request.rel_url.raw_query_string}"
        try:
            if self._judge is not None:
                self._judge(url)
        except UnrelatedRedirect as refused:
            return _page(400, "Not the answer to this login",
                         f"{refused} Nothing was exchanged.",
                         "Connection Workbench keeps waiting for the answer to the login it "
                         "started: finish that login, or start a new one in the app.")
        except AuthorizationError as failed:
            self._received.set_result(url)
            ours = failed.error in _REFUSALS
            return _page(400 if ours else 200,
                         "Refused" if ours else "Authorization was not granted",
                         f"{failed} The app shows this and exchanges nothing.")
        self._received.set_result(url)
        return _page(200, "Authorization received",
                     "Connection Workbench took this answer and is exchanging the code for "
                     "tokens now; the result appears in the app.")


# Our own refusals, as opposed to the provider's errors.
_REFUSALS = frozenset({"duplicate_parameter", "issuer_mismatch", "issuer_missing", "no_code"})


def _page(status: int, title: str, text: str, after: str = _CLOSE) -> web.Response:
    """A page in plain words; every text is escaped (it may quote the provider)."""
    return web.Response(status=status, content_type="text/html", text=_PAGE.format(
        title=escape(title), text=escape(text), after=escape(after)))
