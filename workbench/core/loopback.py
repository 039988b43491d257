"""The system-browser redirect (RFC 8252 §7.3): a one-shot listener on 127.0.0.1 that takes
exactly one redirect, answers the browser in plain words, and stops."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from aiohttp import web

from workbench.core.errors import InputError

HOST = "127.0.0.1"  # never 0.0.0.0, and not "localhost" (which may resolve elsewhere)
_PAGE = """<!doctype html><meta charset="utf-8"><title>Connection Workbench</title>
<body style="font-family: sans-serif; margin: 3em">
<h2>{title}</h2><p>{text}</p><p>You can close this tab and go back to Connection Workbench.</p>
"""


def loopback_port_and_path(redirect_uri: str) -> tuple[int, str]:
    """Port (0 = any free one) and path to listen on for a loopback `redirect_uri`."""
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in (HOST, "localhost"):
        raise InputError(
            f"{redirect_uri} is not a loopback redirect (http://127.0.0.1[:port]/path); use the "
            "embedded browser for other redirect URIs")
    return parts.port or 0, parts.path or "/"


class LoopbackRedirect:
    """Listen for one redirect; `redirect_uri` is the exact URI to put in the request."""

    def __init__(self, path: str = "/callback") -> None:
        self._path = path
        self._runner: web.AppRunner | None = None
        self._received: asyncio.Future[str] | None = None
        self.redirect_uri = ""

    async def start(self, port: int = 0) -> LoopbackRedirect:
        self._received = asyncio.get_running_loop().create_future()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._on_request)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, HOST, port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise InputError(f"cannot listen on {HOST}:{port} for the redirect "
                             f"({exc.strerror}); is another authorization running?") from None
        bound = self._runner.addresses[0][1]
        self.redirect_uri = f"http://{HOST}:{bound}{self._path}"
        return self

    async def wait(self, timeout: float) -> str:
        """The full redirect URL the browser was sent to; TimeoutError if none came."""
        assert self._received is not None, "start() first"
        return await asyncio.wait_for(asyncio.shield(self._received), timeout)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackRedirect:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _on_request(self, request: web.Request) -> web.Response:
        if request.path != self._path or request.method != "GET":
            return web.Response(status=404, text="Not the redirect this app is waiting for.")
        assert self._received is not None
        if self._received.done():
            return _page(410, "Already received",
                         "This app already took one redirect; start a new authorization.")
        self._received.set_result(f"{self.redirect_uri}?{request.query_string}")
        if "error" in request.query:
            return _page(200, "Authorization was not granted",
                         "The provider answered with an error; the app explains it.")
        return _page(200, "Authorization received", "The app is exchanging the code now.")


def _page(status: int, title: str, text: str) -> web.Response:
    return web.Response(status=status, text=_PAGE.format(title=title, text=text),
                        content_type="text/html")
