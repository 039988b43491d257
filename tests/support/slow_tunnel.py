"""A slow tunnel on 127.0.0.1 (a congested ngrok, say): requests reach the receiver at once,
its answers reach the sender only after `delay` seconds — so a sender that gives up early
retries a delivery that did arrive."""

from __future__ import annotations

import asyncio
import contextlib


class SlowTunnel:
    """TCP relay to `target_port`; every answer is held back for `delay` seconds."""

    def __init__(self, target_port: int, delay: float) -> None:
        self._target_port, self._delay = target_port, delay
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""

    async def start(self) -> SlowTunnel:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> SlowTunnel:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _relay(self, client_reader: asyncio.StreamReader,
                     client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self._target_port)
            forward = asyncio.ensure_future(_pipe(client_reader, upstream_writer, 0))
            await _pipe(upstream_reader, client_writer, self._delay)
            forward.cancel()
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                client_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                delay: float) -> None:
    first = True
    try:
        while data := await reader.read(65536):
            if first and delay:
                await asyncio.sleep(delay)
            first = False
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
