"""The one cancellable-run controller (connector checks and platform runs alike), and
signals_blocked: the small Qt helpers the controllers stand on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtWidgets import QSpinBox

from workbench.qt.run_controller import RunController, RunEnd
from workbench.qt.signals import signals_blocked


def _record(runs: RunController) -> list[Any]:
    seen: list[Any] = []
    runs.sig_busy_changed.connect(lambda busy: seen.append(("busy", busy, runs.busy)))
    runs.sig_started.connect(lambda doing: seen.append(("started", doing)))
    runs.sig_ended.connect(lambda end: seen.append(("ended", end)))
    return seen


def test_one_run_at_a_time_and_its_result_reported_after_busy_ends(
        qtbot: Any, qloop: Any) -> None:
    runs = RunController()
    seen = _record(runs)
    gate = asyncio.Event()
    heard: list[RunEnd] = []

    async def work() -> str:
        await gate.wait()
        return "done"

    async def second() -> None:  # refused while the first runs: closed, never awaited
        raise AssertionError("must not run")

    assert runs.start(work(), "Working…", heard.append)
    assert runs.busy and not runs.start(second(), "Again")
    gate.set()
    qtbot.waitUntil(lambda: not runs.busy)
    assert heard == [RunEnd("done")]
    assert seen == [("busy", True, True), ("started", "Working…"), ("busy", False, False),
                    ("ended", RunEnd("done"))]


def test_a_cancelled_run_ends_cancelled_even_before_it_started(qtbot: Any, qloop: Any) -> None:
    runs = RunController()
    seen = _record(runs)
    runs.start(asyncio.sleep(60), "Waiting…")
    runs.cancel()  # before the task ever ran
    qtbot.waitUntil(lambda: not runs.busy)
    assert seen[-1] == ("ended", RunEnd(cancelled=True))
    runs.cancel()  # nothing in flight: harmless


def test_a_crash_is_reported_not_swallowed_and_the_controller_is_usable_again(
        qtbot: Any, qloop: Any) -> None:
    runs = RunController()
    heard: list[RunEnd] = []

    async def broken() -> None:
        raise RuntimeError("a bug")

    runs.start(broken(), "", heard.append)
    qtbot.waitUntil(lambda: not runs.busy)
    assert isinstance(heard[0].error, RuntimeError) and not heard[0].cancelled
    assert runs.start(asyncio.sleep(0), "", heard.append)
    qtbot.waitUntil(lambda: not runs.busy)
    assert heard[1] == RunEnd(None)


def test_signals_blocked_restores_the_state_it_found(qtbot: Any) -> None:
    box = QSpinBox()
    qtbot.addWidget(box)
    changes: list[int] = []
    box.valueChanged.connect(changes.append)
    with signals_blocked(box):
        box.setValue(3)
    box.setValue(4)
    assert changes == [4] and not box.signalsBlocked()

    box.blockSignals(True)  # blocked by someone else: still blocked afterwards
    with signals_blocked(box):
        box.setValue(5)
    assert box.signalsBlocked()
    box.blockSignals(False)

    with pytest.raises(ValueError), signals_blocked(box):
        raise ValueError("mid-block")
    assert not box.signalsBlocked()
