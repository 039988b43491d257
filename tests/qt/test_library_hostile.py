"""Hostile connector files in the GUI: the window keeps painting, every file is listed (loaded or
marked broken with its problems), and no file can stop the app from starting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer

from tests.qt.test_library_pane import click_name, shown_names
from workbench.core.errors import ConfigError
from workbench.core.library import LibraryEntry
from workbench.core.memory_keyring import MemoryKeyring
from workbench.qt import library_loader
from workbench.qt.library_model import DETAIL_ROLE
from workbench.qt.library_pane import OPENED_KEY, LibraryPane
from workbench.qt.main_window import MainWindow

SCREENSHOTS = Path(os.environ.get("WORKBENCH_SCREENSHOTS", Path(__file__).parents[2]
                                  / "artifacts" / "screenshots"))
GOOD = """\
connector:
  name: "{name}"
  base_url: "http://127.0.0.1:9"
"""
LAUGHS = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 9) + "]\n"
                 for i in range(9))
WORST = {  # file → words its problem must hold
    "alias-bomb.yaml": (LAUGHS + GOOD.format(name="Bomb"), "alias"),
    "long-line.yaml": (GOOD.format(name="Long") + "x: " + "y" * (20 * 1024 * 1024) + "\n",
                       "MiB"),
    "deep.yaml": ("connector: " + "[" * 10_000 + "]" * 10_000 + "\n", "levels deep"),
    "huge-int.yaml": (GOOD.format(name="Int") + "n: " + "9" * 5_000 + "\n", "a number"),
    "nul.yaml": (GOOD.format(name="N\x00ul"), "NUL"),
    "keys.yaml": (GOOD.format(name="Keys") + "x:\n" + "".join(f"  k{i}: {i}\n"
                                                            for i in range(100_000)), "keys"),
}


def write_worst(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (text, _words) in WORST.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "wide.yaml").write_bytes(GOOD.format(name="Wide").encode("utf-16"))
    (folder / "good.yaml").write_text(GOOD.format(name="Good one"))
    return folder


class Ticks:
    """A timer on the GUI thread; its largest gap says how long the window was frozen."""

    def __init__(self, interval_ms: int = 20) -> None:
        self.times: list[float] = []
        self.timer = QTimer(interval=interval_ms)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))
        self.timer.start()

    def largest_gap(self) -> float:
        self.times.append(time.perf_counter())
        return max(b - a for a, b in zip(self.times, self.times[1:], strict=False))


@pytest.fixture
def pane(qtbot: Any, qloop: Any) -> LibraryPane:
    widget = LibraryPane()
    qtbot.addWidget(widget)
    widget.resize(420, 560)
    widget.show()
    return widget


def entry_named(pane: LibraryPane, stem: str) -> LibraryEntry:
    return next(e for e in pane.entries() if e.path.stem == stem)


def test_the_worst_files_are_listed_broken_while_the_window_keeps_painting(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    folder = write_worst(tmp_path / "hostile")
    ticks = Ticks()
    pane.open_paths([folder])
    qtbot.waitUntil(lambda: not pane.loading(), timeout=30_000)
    assert ticks.largest_gap() < 0.5, "the GUI thread was blocked"
    assert set(shown_names(pane)) == {*(Path(n).stem for n in WORST), "wide", "Good one"}
    for name, (_text, words) in WORST.items():
        entry = entry_named(pane, Path(name).stem)
        assert not entry.ok and words in str(entry.error), (name, str(entry.error)[:300])
        assert entry.problems[0].line >= 1
    assert "UTF-16" in str(entry_named(pane, "wide").error)
    assert entry_named(pane, "good").ok

    assert pane.selected_entry() == entry_named(pane, "alias-bomb")  # the first one opened
    assert pane.problems.isVisible() and "alias" in pane.problems.toPlainText()
    with qtbot.waitSignal(pane.sig_connector_selected):
        click_name(qtbot, pane, "nul")
    assert "control character NUL" in pane.problems.toPlainText()
    model = pane.view.model()
    [row] = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, "deep", 1,
                        Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
    assert row.data(DETAIL_ROLE) == "1 problem"
    assert "levels deep" in row.data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: pane.problems.height() > 40)  # the splitter has laid it out
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pane.grab().save(str(SCREENSHOTS / "library-hostile-files.png"))


def test_a_slow_file_loads_while_the_window_keeps_painting(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    """A file just inside every limit takes a while to load; the GUI never waits on it."""
    path = tmp_path / "big.yaml"
    path.write_text(GOOD.format(name="Big") + "x:\n" + "".join(
        f"  k{i}: [" + ", ".join(["1"] * 4) + "]\n" for i in range(7_000)))
    ticks = Ticks()
    started = time.perf_counter()
    pane.open_paths([path])
    qtbot.waitUntil(lambda: not pane.loading(), timeout=30_000)
    took = time.perf_counter() - started
    assert entry_named(pane, "big").ok
    assert ticks.largest_gap() < min(0.25, took / 2), (ticks.largest_gap(), took)


def test_a_file_turned_hostile_on_disk_reloads_without_freezing(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    path = tmp_path / "edited.yaml"
    path.write_text(GOOD.format(name="Edited"))
    pane.open_paths([path])
    reloads: list[LibraryEntry] = []
    pane.sig_connector_reloaded.connect(reloads.append)
    ticks = Ticks()
    path.write_text(LAUGHS + GOOD.format(name="Edited"))
    qtbot.waitUntil(lambda: len(reloads) == 1, timeout=5_000)
    assert not reloads[0].ok and "alias" in str(reloads[0].error)
    assert ticks.largest_gap() < 0.5


def test_a_restart_with_the_worst_files_in_the_reopen_list_gets_ready(
        qtbot: Any, qloop: Any, tmp_path: Path) -> None:
    folder = write_worst(tmp_path / "hostile")
    singles = [folder / name for name in WORST]
    QSettings().setValue(OPENED_KEY, [str(p) for p in [*singles, folder]])
    started = time.perf_counter()
    window = MainWindow(keyring_backend=MemoryKeyring(), sandbox=False)
    qtbot.addWidget(window)
    assert window.ready and time.perf_counter() - started < 15
    qtbot.waitUntil(lambda: not window.library.loading(), timeout=30_000)
    listed = {e.path: e for e in window.library.entries()}
    assert set(singles) <= set(listed)
    assert all(not listed[p].ok and listed[p].problems for p in singles)
    window.resize(1280, 760)
    window.show()
    assert window.library.select_path(folder / "deep.yaml")
    banner = window.connection.banner
    qtbot.waitUntil(lambda: "levels deep" in banner.accessibleDescription())
    qtbot.waitUntil(lambda: window.library.problems.height() > 40)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "main-window-hostile-files.png"))


def test_a_file_that_was_loading_when_the_app_died_is_not_reopened(
        qtbot: Any, qloop: Any, tmp_path: Path, isolated_settings: Path) -> None:
    culprit = tmp_path / "culprit.yaml"
    culprit.write_text(GOOD.format(name="Culprit"))
    innocent = tmp_path / "innocent.yaml"
    innocent.write_text(GOOD.format(name="Innocent"))
    QSettings().setValue(OPENED_KEY, [str(culprit), str(innocent)])
    # A process that loaded the culprit and died: its marker is left behind.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    folder = Path(QSettings().fileName()).parent
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"loading-{dead.stdout.strip()}-1.txt").write_text(str(culprit))
    pane = LibraryPane()
    qtbot.addWidget(pane)
    pane.restore_opened()
    qtbot.waitUntil(lambda: not pane.loading(), timeout=10_000)
    entry = entry_named(pane, "culprit")
    assert not entry.ok and "not reopened" in str(entry.error)
    assert entry_named(pane, "innocent").ok
    assert not list(folder.glob("loading-*.txt")), "the markers are cleared once read"
    pane.restore_opened()  # once listed, it is not skipped again by other reloads…
    assert "not reopened" in str(entry_named(pane, "culprit").error)
    [reopened] = pane.open_paths([culprit])  # …and when the user asks for it, it is tried
    qtbot.waitUntil(lambda: entry_named(pane, "culprit").ok, timeout=5_000)
    assert reopened.path == culprit


def test_a_load_over_its_budget_is_listed_broken_and_the_rest_still_load(
        qtbot: Any, pane: LibraryPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget is the last line of defence for a load the limits did not foresee: here a
    loader stuck for seconds stands in for it (a unit test of the watchdog)."""
    stuck, after = tmp_path / "stuck.yaml", tmp_path / "after.yaml"
    stuck.write_text(GOOD.format(name="Stuck"))
    after.write_text(GOOD.format(name="After"))
    real = library_loader.load_library_file

    def slow(path: Path) -> object:
        if path.name == "stuck.yaml":
            time.sleep(3)
        return real(path)

    monkeypatch.setattr(library_loader, "load_library_file", slow)
    pane._loader.budget_s = 0.5
    ticks = Ticks()
    pane.open_paths([stuck, after])
    qtbot.waitUntil(lambda: entry_named(pane, "after").ok, timeout=5_000)
    late = entry_named(pane, "stuck")
    assert not late.ok and "still loading after" in str(late.error)
    assert ticks.largest_gap() < 0.5
    qtbot.waitUntil(lambda: entry_named(pane, "stuck").ok, timeout=10_000)  # it did finish


def test_a_loader_that_raises_still_lists_the_file(
        qtbot: Any, pane: LibraryPane, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bug.yaml"
    path.write_text(GOOD.format(name="Bug"))

    def broken(_path: Path) -> object:
        raise ValueError("a bug nobody foresaw")

    monkeypatch.setattr(library_loader, "load_library_file", broken)
    pane.open_paths([path])
    qtbot.waitUntil(lambda: not pane.loading(), timeout=5_000)
    entry = entry_named(pane, "bug")
    assert isinstance(entry.error, ConfigError) and "internal error" in str(entry.error)
