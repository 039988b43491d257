"""Starting the desktop app as a user or a packaging smoke test does: a real process."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from tests.support.cli import workbench

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the no-display check is for Linux")


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **extra}


async def test_smoke_paints_then_builds_and_exits_cleanly(tmp_path: Path) -> None:
    run = await workbench("gui", "--smoke", env=_env(tmp_path, QT_QPA_PLATFORM="offscreen"))
    assert run.code == 0, run.stderr
    paint = re.search(r"first paint after (\d+) ms", run.stdout)
    ready = re.search(r"ready after (\d+) ms", run.stdout)
    assert paint and ready, run.stdout
    assert int(paint.group(1)) <= int(ready.group(1))
    assert "Traceback" not in run.stderr


@linux_only
async def test_no_arguments_means_the_gui(tmp_path: Path) -> None:
    run = await workbench(env=_env(tmp_path, QT_QPA_PLATFORM="", DISPLAY="",
                                   WAYLAND_DISPLAY=""))
    assert run.code == 2
    assert "no display" in run.stderr and "workbench check" in run.stderr


@linux_only
async def test_without_a_display_the_gui_says_so_instead_of_aborting(tmp_path: Path) -> None:
    run = await workbench("gui", env=_env(tmp_path, QT_QPA_PLATFORM="", DISPLAY="",
                                          WAYLAND_DISPLAY=""))
    assert run.code == 2
    assert "no display" in run.stderr
    assert "xvfb-run" in run.stderr


async def test_the_built_window_has_not_loaded_qtwebengine(tmp_path: Path) -> None:
    probe = ("import sys; from PySide6.QtWidgets import QApplication; "
             "app = QApplication([]); from workbench.qt.app import configure_application; "
             "configure_application(app); from workbench.qt.aio import install_loop; "
             "install_loop(app); from workbench.qt.main_window import MainWindow; "
             "w = MainWindow(sandbox=False); assert w.ready; "
             "print(sorted(m for m in sys.modules if 'WebEngine' in m))")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**_env(tmp_path, QT_QPA_PLATFORM="offscreen"),
             "PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "[]"
