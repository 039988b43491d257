"""Running core coroutines from Qt: the qasync loop and fire-and-forget tasks that report errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")
_LOG = logging.getLogger(__name__)
_TASKS: set[asyncio.Task[Any]] = set()  # strong references, so running tasks are not collected


def install_loop(app: QApplication) -> qasync.QEventLoop:
    """A qasync loop on `app`'s event loop, set as asyncio's current (and running) loop."""
    loop = qasync.QEventLoop(app, already_running=True)
    # Plain Python threads for blocking calls (the keychain): qasync's QThread pool aborts
    # the process if a QThread object is still alive when Python exits.
    loop.set_default_executor(ThreadPoolExecutor(max_workers=4, thread_name_prefix="workbench"))
    asyncio.set_event_loop(loop)
    return loop


def spawn(coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Run `coro` on the Qt loop; an exception it lets escape is logged, never swallowed."""
    task = asyncio.ensure_future(coro)
    _TASKS.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task: asyncio.Task[Any]) -> None:
    _TASKS.discard(task)
    if not task.cancelled() and task.exception() is not None:
        _LOG.error("background task failed", exc_info=task.exception())
