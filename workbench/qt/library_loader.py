"""Loads connector files off the GUI thread, so that no file can freeze the window.

One worker thread loads files in the order asked and hands each result back as a signal. The
GUI may wait for results briefly (`wait`), painting meanwhile, so that quick loads show at once
as if they were synchronous; anything slower fills in when it is done. A load that runs past
its time budget is reported (`sig_overdue`) and the worker is replaced, so the files queued
behind it still load. While files load, a marker on disk names them (see core.load_marker).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QTimer, Signal

from workbench.core.errors import ConfigError, ConfigProblem
from workbench.core.library import Content, load_library_file
from workbench.core.load_marker import LoadMarker

LOAD_BUDGET_S = 10.0
"""How long one file may load before it is listed as taking too long."""


class LibraryLoader(QObject):
    """Loads files on a worker thread; results arrive as `sig_loaded` on the GUI thread."""

    sig_loaded = Signal(object, object)
    """A file finished loading: (path, LoadedConnector | LoadedPlatform | ConfigError)."""
    sig_overdue = Signal(object)
    """A file has been loading for longer than the budget (path); its result may still come."""

    def __init__(self, marker_folder: Path | None = None, budget_s: float = LOAD_BUDGET_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.budget_s = budget_s
        self._marker = LoadMarker(marker_folder) if marker_folder else None
        self._unsettled: dict[Path, int] = {}  # path → loads asked and not reported yet
        self._started: dict[Path, float] = {}  # written by the worker, read here (GIL-atomic)
        self._overdue: set[Path] = set()
        self._worker = _Worker(self._load)
        self._workers = [self._worker]
        # Stop the threads with the library (they hold nothing but a queue).
        self.destroyed.connect(lambda *_, workers=self._workers: [w.stop() for w in workers])
        app = QCoreApplication.instance()
        if app is not None and self._marker is not None:
            app.aboutToQuit.connect(self._marker.clear)  # only a crash or a kill leaves one
        self._watchdog = QTimer(self, interval=250)
        self._watchdog.timeout.connect(self._on_watchdog_timeout)
        self.sig_loaded.connect(self._on_loaded)

    def submit(self, paths: Iterable[Path]) -> None:
        """Load `paths`, in order, after whatever is loading now."""
        for path in paths:
            self._unsettled[path] = self._unsettled.get(path, 0) + 1
            self._worker.queue.put(path)
        if self._unsettled:
            self._watchdog.start()

    def busy(self) -> bool:
        return bool(self._unsettled)

    def wait(self, paths: Iterable[Path], timeout_ms: int) -> None:
        """Process events (painting, timers; user input waits) until `paths` are loaded or
        `timeout_ms` has passed."""
        waiting = {p for p in paths if p in self._unsettled}
        if not waiting or timeout_ms <= 0:
            return
        loop = QEventLoop()
        deadline = QTimer(singleShot=True, interval=timeout_ms)
        deadline.timeout.connect(loop.quit)

        def on_loaded(path: Path, _result: object) -> None:
            if path not in self._unsettled:
                waiting.discard(path)
            if not waiting:
                loop.quit()

        self.sig_loaded.connect(on_loaded)
        deadline.start()
        try:
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        finally:
            deadline.stop()
            self.sig_loaded.disconnect(on_loaded)

    def _load(self, path: Path) -> None:
        """On the worker thread: load `path` and report."""
        if self._marker:
            self._marker.begin(path)
        self._started[path] = time.monotonic()
        try:
            result: Content | ConfigError = load_library_file(path)
        except Exception as exc:  # a bug must still list the file, not kill the worker
            message = f"could not be loaded (internal error: {type(exc).__name__})"
            result = ConfigError([ConfigProblem(str(path), 0, 0, "", message)])
        self._started.pop(path, None)
        if self._marker:
            self._marker.end(path)
        with contextlib.suppress(RuntimeError):  # the library closed while this file loaded
            self.sig_loaded.emit(path, result)

    def _on_loaded(self, path: Path, _result: object) -> None:
        count = self._unsettled.get(path, 0) - 1
        if count > 0:
            self._unsettled[path] = count
        else:
            self._unsettled.pop(path, None)
            self._overdue.discard(path)
        if not self._unsettled:
            self._watchdog.stop()

    def _on_watchdog_timeout(self) -> None:
        now = time.monotonic()
        late = [p for p, t in list(self._started.items())
                if now - t > self.budget_s and p not in self._overdue]
        for path in late:
            self._overdue.add(path)
            self._worker = self._worker.replaced(self._load)
            self._workers.append(self._worker)
            self.sig_overdue.emit(path)


class _Worker:
    """A daemon thread working through a queue: a load that never ends cannot block exit."""

    def __init__(self, work: Callable[[Path], None]) -> None:
        self.queue: queue.SimpleQueue[Path | None] = queue.SimpleQueue()
        self._work = work
        threading.Thread(target=self._run, name="connector-loader", daemon=True).start()

    def _run(self) -> None:
        while (path := self.queue.get()) is not None:
            self._work(path)

    def replaced(self, work: Callable[[Path], None]) -> _Worker:
        """A fresh worker that takes over everything not started yet; this one stops after
        the load it is stuck in (if that ever returns)."""
        fresh = _Worker(work)
        while True:
            try:
                path = self.queue.get_nowait()
            except queue.Empty:
                break
            if path is not None:
                fresh.queue.put(path)
        self.queue.put(None)
        return fresh

    def stop(self) -> None:
        self.queue.put(None)
