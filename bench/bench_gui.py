"""Start-up and idle memory of the desktop app, measured from outside as a user would feel them.

    .venv/bin/python bench/bench_gui.py [--runs 7]

Prints: time from process start to the main window's first paint (`workbench gui --smoke`;
the frame paints first, then the panes are built and the connectors loaded: "ready")
against a bare QMainWindow doing the same, their ratio (target ≤ 1.5×), and the resident memory
of the app idling on the bundled connectors (target < 150 MB). Offscreen, so no screen needed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKBENCH = [sys.executable, "-m", "workbench"]

BARE_WINDOW = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
from workbench.qt.app import process_start_time

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"first paint after {(time.time() - process_start_time()) * 1000:.0f} ms")
            QTimer.singleShot(0, QApplication.quit)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
window.installEventFilter(FirstPaint(window))
window.show()
app.exec()
"""


def _env(settings_dir: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings_dir,
               HOME=settings_dir, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    env.pop("DISPLAY", None)
    return env


def first_paint_ms(command: list[str], env: dict[str, str], what: str = "first paint") -> float:
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=60, check=True).stdout
    match = re.search(what + r" after (\d+) ms", out)
    if not match:
        raise SystemExit(f"no {what!r} line in: {out!r}")
    return float(match.group(1))


def idle_rss_mb(env: dict[str, str], settle: float = 4.0) -> float:
    process = subprocess.Popen([*WORKBENCH, "gui"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(settle)
        status = Path(f"/proc/{process.pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(10)
    return kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as settings_dir:
        env = _env(settings_dir)
        first_paint_ms([*WORKBENCH, "gui", "--smoke"], env)  # warm the file cache
        first_paint_ms([sys.executable, "-c", BARE_WINDOW], env)
        app = [first_paint_ms([*WORKBENCH, "gui", "--smoke"], env) for _ in range(args.runs)]
        ready = [first_paint_ms([*WORKBENCH, "gui", "--smoke"], env, "ready")
                 for _ in range(args.runs)]
        bare = [first_paint_ms([sys.executable, "-c", BARE_WINDOW], env)
                for _ in range(args.runs)]
        rss = idle_rss_mb(env)
    app_ms, bare_ms = statistics.median(app), statistics.median(bare)
    print(f"runs: {args.runs} each, offscreen, warm cache; medians")
    print(f"workbench gui --smoke, process start to first paint: {app_ms:.0f} ms "
          f"(min {min(app):.0f}, max {max(app):.0f})")
    print(f"bare QMainWindow, process start to first paint:       {bare_ms:.0f} ms "
          f"(min {min(bare):.0f}, max {max(bare):.0f})")
    print(f"ratio: {app_ms / bare_ms:.2f}x (target <= 1.5x)")
    print(f"workbench ready (panes built, connectors loaded):    {statistics.median(ready):.0f} ms")
    print(f"idle RSS on the bundled connectors: {rss:.0f} MB (target < 150 MB)")
    print("QtWebEngine imported at start-up:", _webengine_loaded(env))


def _webengine_loaded(env: dict[str, str]) -> str:
    probe = ("import sys; from workbench.qt import app; "
             "import workbench.qt.main_window; "
             "print(any(m.startswith('PySide6.QtWebEngine') for m in sys.modules))")
    return subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout.strip()


if __name__ == "__main__":
    main()
