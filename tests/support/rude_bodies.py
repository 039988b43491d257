"""A real HTTP server on 127.0.0.1 that answers with bodies no client should hold whole.

Bodies are generated on the fly, so a 3 GiB answer costs the server nothing: sizes given with
a Content-Length or chunked, endless streams, headers then silence, a connection closed
mid-body, a gzip bomb, a token endpoint that never stops, a gzip header on plain text.
It counts what it sent and what it received.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from dataclasses import dataclass, field

from aiohttp import web

CHUNK = 64 * 1024
_BLOCK = b"x" * CHUNK


@dataclass
class RudeBodies:
    """Start with `await RudeBodies().start()`; `url` is then http://127.0.0.1:<port>."""

    url: str = ""
    sent: dict[str, int] = field(default_factory=dict)  # path -> body bytes written
    received: dict[str, int] = field(default_factory=dict)  # path -> body bytes read
    _runner: web.AppRunner | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> RudeBodies:
        app = web.Application(client_max_size=1024**3)
        app.router.add_get("/bytes/{size}", self._bytes)
        app.router.add_get("/endless", self._endless)
        app.router.add_get("/stall", self._stall)
        app.router.add_get("/cut", self._cut)
        app.router.add_get("/gzip-bomb", self._gzip_bomb)
        app.router.add_get("/gzip-lie", self._gzip_lie)
        app.router.add_get("/gzip-small", self._gzip_small)
        app.router.add_post("/token", self._endless_token)
        app.router.add_get("/json/{size}", self._json)
        app.router.add_post("/upload", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def close(self) -> None:
        self._closing.set()  # handlers that stall give up (aiohttp does not cancel them)
        if self._runner is not None:
            await self._runner.cleanup()

    async def _stream(self, request: web.Request, response: web.StreamResponse,
                      size: int | None, block: bytes = _BLOCK, head: bytes = b"") -> None:
        """Write `head`, then `block` until `size` bytes (forever when None) or the client
        goes away; count what went."""
        await response.prepare(request)
        path = request.path
        self.sent[path] = 0
        try:
            if head:
                await response.write(head)
                self.sent[path] += len(head)
            while size is None or self.sent[path] < size:
                piece = block if size is None else block[: size - self.sent[path]]
                await response.write(piece)
                self.sent[path] += len(piece)
        except (ConnectionResetError, ConnectionError, asyncio.CancelledError):
            return

    async def _bytes(self, request: web.Request) -> web.StreamResponse:
        size = int(request.match_info["size"])
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        if request.query.get("chunked"):
            response.enable_chunked_encoding()
        else:
            response.content_length = size
        await self._stream(request, response, size)
        return response

    async def _endless(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await self._stream(request, response, None)
        return response

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 100
        await response.prepare(request)
        await response.write(b'{"partial": ')
        await self._closing.wait()  # silence until the server shuts down
        return response

    async def _cut(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 1024 * 1024
        await response.prepare(request)
        await response.write(b"[" + b"1," * (50 * 1024))  # ~100 KiB of a 1 MiB promise
        assert request.transport is not None
        request.transport.close()  # the server dies mid-body
        return response

    async def _gzip_bomb(self, request: web.Request) -> web.StreamResponse:
        # With a full flush the deflate state resets, so one compressed megabyte of zeros can
        # be sent again and again: ~1 KiB on the wire per MiB inflated, endlessly.
        deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
        head = deflate.compress(b"\0" * 2**20) + deflate.flush(zlib.Z_FULL_FLUSH)
        block = deflate.compress(b"\0" * 2**20) + deflate.flush(zlib.Z_FULL_FLUSH)
        response = web.StreamResponse(headers={"Content-Type": "text/plain",
                                               "Content-Encoding": "gzip"})
        response.enable_chunked_encoding()
        await self._stream(request, response, None, block=block, head=head)
        return response

    async def _gzip_lie(self, request: web.Request) -> web.Response:
        return web.Response(body=b'{"not": "gzip at all"}', headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})

    async def _gzip_small(self, request: web.Request) -> web.Response:
        body = zlib.compress(json.dumps({"hello": "world"}).encode(), wbits=31)
        return web.Response(body=body, headers={"Content-Type": "application/json",
                                                "Content-Encoding": "gzip"})

    async def _endless_token(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await self._stream(request, response, None,
                           head=b'{"access_token": "tok", "token_type": "Bearer", "pad": "')
        return response

    async def _json(self, request: web.Request) -> web.StreamResponse:
        size = int(request.match_info["size"])
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = size
        head = b'{"items": "'
        await self._stream(request, response, size, head=head)
        return response

    async def _upload(self, request: web.Request) -> web.Response:
        count = 0
        async for chunk in request.content.iter_any():
            count += len(chunk)
        self.received[request.path] = count
        return web.json_response({"received": count})
