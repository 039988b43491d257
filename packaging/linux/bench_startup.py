"""Start-up of the bundled app against the source install: `workbench gui --smoke`, offscreen.

    python packaging/linux/bench_startup.py [--bundle build/dist/workbench] [--runs 7]

Prints, for each, the median (min–max) of the app's own "first paint" and "ready" times (from
process start) and of the whole run as the caller sees it (start to exit). One warm-up run each
first, so both read from a warm file cache. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(command: list[str], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"first paint": [], "ready": [], "process": []}
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen",
               "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
        for run in range(runs + 1):
            started = time.perf_counter()
            done = subprocess.run([*command, "gui", "--smoke"], env=env, capture_output=True,
                                  text=True, timeout=120, cwd=home)
            elapsed = (time.perf_counter() - started) * 1000
            if done.returncode != 0:
                raise SystemExit(f"{command} failed:\n{done.stderr}")
            if run == 0:
                continue  # warm-up
            paint = re.search(r"first paint after (\d+) ms", done.stdout)
            ready = re.search(r"ready after (\d+) ms", done.stdout)
            assert paint and ready, done.stdout
            times["first paint"].append(float(paint.group(1)))
            times["ready"].append(float(ready.group(1)))
            times["process"].append(elapsed)
    return times


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "build/dist/workbench")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    candidates = {
        "bundle": [str(args.bundle / "workbench")],
        "source": [sys.executable, "-m", "workbench"],  # this venv's (editable) install
    }
    print(f"{'':8} {'first paint':>22} {'ready':>22} {'start to exit':>22}")
    for name, command in candidates.items():
        times = measure(command, args.runs)
        print(f"{name:8} " + " ".join(f"{summary(times[k]):>22}"
                                     for k in ("first paint", "ready", "process")))


if __name__ == "__main__":
    main()
