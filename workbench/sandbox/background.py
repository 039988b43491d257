"""What a stand-in does after it has answered (webhook deliveries), cancelled when it stops."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from aiohttp import web


class Background:
    """Tasks started after a response; the app's cleanup cancels those still running."""

    def __init__(self, app: web.Application) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        app.on_cleanup.append(self._cancel)

    def later(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _cancel(self, _app: web.Application) -> None:
        for task in list(self._tasks):
            task.cancel()
