"""Qt test fixtures: a qasync loop on pytest-qt's QApplication, isolated QSettings, servers on it.

Qt tests are plain (sync) test functions driven with qtbot; coroutines run on the qasync loop
while qtbot waits, exactly as in the app.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, Qt
from pytestqt.qtbot import QtBot

from tests.support.recording_server import RecordingServer
from workbench.qt.aio import install_loop
from workbench.qt.app import configure_application

if os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
# As in the app: the login browser (QtWebEngine) needs it before the QApplication exists.
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

T = TypeVar("T")
Run = Callable[[Awaitable[T]], T]


@pytest.fixture(autouse=True)
def isolated_settings(qapp: Any, tmp_path: Path) -> Iterator[Path]:
    """Every test gets its own QSettings files, never the user's."""
    folder = tmp_path / "settings"
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    configure_application(qapp)  # after setPath: it reads the theme from this test's settings
    yield folder


@pytest.fixture
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    """The qasync loop, running inside Qt's event processing as in the app."""
    loop = install_loop(qapp)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


@pytest.fixture
def run(qloop: asyncio.AbstractEventLoop, qtbot: QtBot) -> Run[Any]:
    """Await a coroutine on the qasync loop from a sync test, processing Qt events meanwhile."""

    def runner(awaitable: Awaitable[T], timeout: int = 10_000) -> T:
        future = asyncio.ensure_future(awaitable)
        qtbot.waitUntil(future.done, timeout=timeout)
        return future.result()

    return runner


@pytest.fixture
def qserver(run: Run[Any]) -> Iterator[RecordingServer]:
    """A recording HTTP server on 127.0.0.1, served by the app's own loop."""
    server = run(RecordingServer().start())
    yield server
    run(server.close())
