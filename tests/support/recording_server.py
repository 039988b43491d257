"""A real HTTP server on 127.0.0.1 that records every request and answers as a test says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[["Seen"], Awaitable[web.StreamResponse] | web.StreamResponse]


@dataclass
class Seen:
    """One request as the server received it, byte for byte."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class RecordingServer:
    """Route (method, path) to handlers; unrouted requests get 404."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self._routes: dict[tuple[str, str], Handler] = {}
        self._runner: web.AppRunner | None = None
        self.url = ""

    def route(self, method: str, path: str, handler: Handler) -> None:
        self._routes[(method.upper(), path)] = handler

    def json(self, method: str, path: str, body: object, status: int = 200,
             headers: dict[str, str] | None = None) -> None:
        self.route(method, path, lambda _seen: web.json_response(body, status=status,
                                                                 headers=headers))

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        seen = Seen(request.method, request.path, dict(request.query), dict(request.headers),
                    body)
        if request.content_type == "application/x-www-form-urlencoded":
            seen.form = {k: str(v) for k, v in (await request.post()).items()}
        self.seen.append(seen)
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            return web.json_response({"error": "no route"}, status=404)
        result = handler(seen)
        return await result if not isinstance(result, web.StreamResponse) else result

    async def start(self) -> RecordingServer:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
