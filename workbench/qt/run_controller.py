"""One cancellable run at a time on the Qt loop, for every pane that runs something: a
connector's check or login (`CheckController`), a platform's key check, job or link.

It ends every run, even one cancelled before it started or one that crashed, and reports the
end through signals and the run's own callback; it shows nothing itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from workbench.qt.aio import spawn


@dataclass(frozen=True)
class RunEnd:
    """How a run ended: its result, or that it was cancelled, or the exception it raised."""

    result: Any = None
    cancelled: bool = False
    error: BaseException | None = None


class RunController(QObject):
    """Starts one coroutine at a time; `cancel` stops it. `busy` lasts until the run's end
    has been reported (not merely until its task is done)."""

    sig_started = Signal(str)
    """A run started; the text says what is happening ("Checking…")."""
    sig_busy_changed = Signal(bool)
    """True while a run is in flight."""
    sig_ended = Signal(object)
    """A run ended (a RunEnd), after sig_busy_changed(False)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task[Any] | None = None
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, work: Coroutine[Any, Any, Any], doing: str = "",
              on_end: Callable[[RunEnd], None] | None = None) -> bool:
        """Run `work` unless a run is in flight (then it is closed unstarted: False).
        `on_end` hears the end first, before the signals do."""
        if self._busy:
            work.close()
            return False
        self._task = spawn(work)
        self._task.add_done_callback(lambda task: self._on_task_done(task, on_end))
        self._busy = True
        self.sig_busy_changed.emit(True)
        self.sig_started.emit(doing)
        return True

    def cancel(self) -> None:
        """Stop the run in flight, if any; it still ends (cancelled)."""
        if self._busy and self._task is not None:
            self._task.cancel()

    def _on_task_done(self, task: asyncio.Task[Any],
                      on_end: Callable[[RunEnd], None] | None) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed while the run was in flight
        if task.cancelled():
            end = RunEnd(cancelled=True)
        elif task.exception() is not None:
            end = RunEnd(error=task.exception())
        else:
            end = RunEnd(task.result())
        self._busy = False
        if on_end is not None:
            on_end(end)
        self.sig_busy_changed.emit(False)
        self.sig_ended.emit(end)
