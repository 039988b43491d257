"""The one way the workbench listens (browser redirect, webhook receiver, sandbox): on loopback
only, with the port it was given, and the port freed again when starting fails."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest
from aiohttp import web

from workbench.core.errors import InputError
from workbench.core.events import EventLog
from workbench.core.local_server import serve_local
from workbench.core.loopback import LoopbackRedirect
from workbench.core.webhooks import WebhookReceiver
from workbench.sandbox.server import start_sandbox


async def here(_request: web.Request) -> web.Response:
    return web.Response(text="here")


def _app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", here)
    return app


def _taken_port() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


async def test_serves_on_loopback_and_closes_twice_harmlessly() -> None:
    server = await serve_local(_app())
    assert server.url == f"http://127.0.0.1:{server.port}" and server.port > 0
    async with httpx.AsyncClient() as client:
        assert (await client.get(server.url + "/")).text == "here"
    await server.close()
    await server.close()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(server.url + "/")


async def test_refuses_any_address_but_loopback() -> None:
    with pytest.raises(ValueError, match="may be listened on"):
        await serve_local(_app(), host="0.0.0.0")


async def test_a_taken_port_is_an_oserror_and_nothing_is_left_listening() -> None:
    with _taken_port() as holder:
        port = holder.getsockname()[1]
        with pytest.raises(OSError) as raised:
            await serve_local(_app(), port)
        assert raised.value.errno == errno.EADDRINUSE


async def test_the_three_listeners_say_a_taken_port_in_their_own_words() -> None:
    with _taken_port() as holder:
        port = holder.getsockname()[1]
        with pytest.raises(InputError, match="is another authorization running"):
            await LoopbackRedirect().start(port)
        receiver = WebhookReceiver(EventLog())
        with pytest.raises(OSError):
            await receiver.start(port)
        assert receiver.url == ""
        await receiver.close()  # nothing started: closing is still fine
        with pytest.raises(OSError):
            await start_sandbox(port=port)


async def test_the_three_listeners_know_their_urls() -> None:
    async with await LoopbackRedirect("/cb").start() as redirect, \
            await WebhookReceiver(EventLog()).start() as receiver, \
            await start_sandbox() as sandbox:
        for url in (redirect.redirect_uri, receiver.url, sandbox.url):
            assert url.startswith("http://127.0.0.1:")
        assert redirect.redirect_uri.endswith("/cb")
