"""A real forwarding HTTP proxy on 127.0.0.1 that wants Basic credentials, and is rude about them.

It answers 407 with a Proxy-Authenticate challenge, echoing the Proxy-Authorization it got in the
error page; with the right credentials it forwards the request to `upstream` (keeping the Host the
client asked for) and echoes the Proxy-Authorization back in an `X-Proxy-Echo` response header.
Plain http only (no CONNECT), which is what a proxied http:// request uses.
"""

from __future__ import annotations

import base64

from aiohttp import ClientSession, web

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "te",
               "trailer", "transfer-encoding", "upgrade", "content-length", "content-encoding"}


class AuthProxy:
    """`await AuthProxy(user, password, upstream).start()`; `url` then has no credentials."""

    def __init__(self, username: str, password: str, upstream: str) -> None:
        pair = f"{username}:{password}".encode()
        self.expected = "Basic " + base64.b64encode(pair).decode()
        self.upstream = upstream
        self.seen: list[str | None] = []  # the Proxy-Authorization of each request
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> AuthProxy:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get("Proxy-Authorization")
        self.seen.append(given)
        if given != self.expected:
            return web.Response(status=407, text=f"Proxy authentication failed for {given!r}",
                                headers={"Proxy-Authenticate": 'Basic realm="workbench-test"'})
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with ClientSession(auto_decompress=False) as session, session.request(
                request.method, self.upstream + request.path_qs, headers=headers,
                data=await request.read(), allow_redirects=False) as answer:
            body = await answer.read()
            forwarded = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP}
        forwarded["Via"] = "1.1 workbench-test-proxy"
        forwarded["X-Proxy-Echo"] = given
        return web.Response(status=answer.status, body=body, headers=forwarded)
