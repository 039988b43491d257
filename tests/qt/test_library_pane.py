"""The connector library as a user works it: search, open, drop, broken files, edits on disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from workbench.core.config import bundled_connectors_dir, discover_connectors
from workbench.core.connector_files import load_file
from workbench.qt.library_model import DETAIL_ROLE
from workbench.qt.library_pane import LibraryPane
from workbench.qt.theme import accent

GOOD = """\
connector:
  name: "{name}"
  base_url: "http://127.0.0.1:9"
"""
BROKEN = """\
connector:
  name: "Broken one"
  base_url: [unclosed
"""


@pytest.fixture
def pane(qtbot: Any, qloop: Any) -> LibraryPane:
    widget = LibraryPane()
    qtbot.addWidget(widget)
    widget.resize(320, 600)
    widget.show()
    return widget


def shown_names(pane: LibraryPane) -> list[str]:
    """Every connector row the view shows now (group rows have children)."""
    model, names = pane.view.model(), []

    def walk(parent: Any) -> None:
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            if model.rowCount(index):
                walk(index)
            else:
                names.append(str(index.data()))
    walk(pane.view.rootIndex())
    return names


def click_name(qtbot: Any, pane: LibraryPane, name: str) -> None:
    model = pane.view.model()
    matches = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, name, 1,
                          Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
    assert matches, f"{name} not shown"
    pane.view.scrollTo(matches[0])
    rect = pane.view.visualRect(matches[0])
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_bundled_connectors_are_listed_and_searchable(qtbot: Any, pane: LibraryPane) -> None:
    pane.load_bundled()
    expected = {load_file(p).name for p in discover_connectors(bundled_connectors_dir())}
    assert expected <= set(shown_names(pane))
    qtbot.keyClicks(pane.search, "sandbox")
    qtbot.waitUntil(lambda: bool(shown_names(pane))
                    and all("Sandbox" in n for n in shown_names(pane)))
    assert len(shown_names(pane)) == len([n for n in expected if "Sandbox" in n])


def test_a_broken_file_stays_listed_with_its_positioned_errors(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD.format(name="Good one"))
    (tmp_path / "broken.yaml").write_text(BROKEN)
    pane.open_paths([tmp_path])
    assert {"Good one", "broken"} <= set(shown_names(pane))
    with qtbot.waitSignal(pane.sig_connector_selected) as picked:
        click_name(qtbot, pane, "Good one")
    assert picked.args[0].ok is True
    assert not pane.problems.isVisible()
    with qtbot.waitSignal(pane.sig_connector_selected) as picked:
        click_name(qtbot, pane, "broken")
    assert picked.args[0].ok is False
    assert pane.problems.isVisible()
    shown = pane.problems.toPlainText()
    assert f"{tmp_path / 'broken.yaml'}:3:13: unclosed bracket" in shown
    assert "base_url: [unclosed" in shown and "^" in shown


def test_an_edit_on_disk_reloads_once_even_when_saved_by_rename(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    path = tmp_path / "conn.yaml"
    path.write_text(GOOD.format(name="Version one"))
    pane.open_paths([path])
    pane.select_path(path)
    reloads: list[Any] = []
    pane.sig_connector_reloaded.connect(reloads.append)
    path.write_text(GOOD.format(name="Version two"))
    qtbot.waitUntil(lambda: len(reloads) == 1, timeout=3000)
    assert reloads[0].name == "Version two"
    # An editor's atomic save: write elsewhere, rename over the original.
    temporary = tmp_path / ".conn.yaml.swp"
    temporary.write_text(BROKEN)
    os.replace(temporary, path)
    qtbot.waitUntil(lambda: len(reloads) == 2, timeout=3000)
    assert reloads[1].ok is False
    path.write_text(GOOD.format(name="Fixed"))  # still watched after the rename
    qtbot.waitUntil(lambda: len(reloads) == 3, timeout=3000)
    assert reloads[2].ok and reloads[2].name == "Fixed"
    qtbot.wait(400)
    assert len(reloads) == 3  # one save, one reload


def test_a_new_file_in_a_watched_folder_appears(qtbot: Any, pane: LibraryPane,
                                                tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text(GOOD.format(name="First"))
    pane.open_paths([tmp_path])
    (tmp_path / "second.yaml").write_text(GOOD.format(name="Second"))
    qtbot.waitUntil(lambda: "Second" in shown_names(pane), timeout=3000)


def test_dropping_files_opens_them(qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    path = tmp_path / "dropped.yaml"
    path.write_text(GOOD.format(name="Dropped"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pane, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pane, drop)
    qtbot.waitUntil(lambda: "Dropped" in shown_names(pane))


def test_recent_and_opened_paths_survive_a_restart(qtbot: Any, pane: LibraryPane,
                                                   tmp_path: Path, qloop: Any) -> None:
    path = tmp_path / "kept.yaml"
    path.write_text(GOOD.format(name="Kept"))
    pane.open_paths([path])
    later = LibraryPane()
    qtbot.addWidget(later)
    assert path in later.recent_paths()
    later.restore_opened()
    assert "Kept" in shown_names(later)


def test_a_broken_row_is_marked_and_says_why_in_its_tooltip(
        pane: LibraryPane, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN)
    pane.open_paths([tmp_path])
    model = pane.view.model()
    [row] = model.match(model.index(0, 0), Qt.ItemDataRole.DisplayRole, "broken", 1,
                        Qt.MatchFlag.MatchRecursive | Qt.MatchFlag.MatchExactly)
    assert row.data(Qt.ItemDataRole.ForegroundRole).color().name() == accent("fail")
    assert row.data(DETAIL_ROLE) == "1 problem"
    assert "line 3, column 13: unclosed bracket" in row.data(Qt.ItemDataRole.ToolTipRole)


def test_searching_keeps_the_picked_connector_and_enter_picks_the_first_match(
        qtbot: Any, pane: LibraryPane) -> None:
    pane.load_bundled()
    with qtbot.waitSignal(pane.sig_connector_selected):
        click_name(qtbot, pane, "GitHub API")
    picks: list[Any] = []
    pane.sig_connector_selected.connect(picks.append)
    qtbot.keyClicks(pane.search, "jenkins")
    assert shown_names(pane) == ["Jenkins Connector"]
    entry = pane.selected_entry()
    assert picks == [] and entry is not None and entry.name == "GitHub API"
    qtbot.keyClick(pane.search, Qt.Key.Key_Escape)
    assert pane.search.text() == "" and picks == []
    assert pane.view.currentIndex().data() == "GitHub API"
    qtbot.keyClicks(pane.search, "basic jira")
    with qtbot.waitSignal(pane.sig_connector_selected) as picked:
        qtbot.keyClick(pane.search, Qt.Key.Key_Return)
    assert picked.args[0].name == "Jira Cloud Connector"


def test_a_file_deleted_from_a_watched_folder_disappears(
        qtbot: Any, pane: LibraryPane, tmp_path: Path) -> None:
    (tmp_path / "stays.yaml").write_text(GOOD.format(name="Stays"))
    (tmp_path / "goes.yaml").write_text(GOOD.format(name="Goes"))
    pane.open_paths([tmp_path])
    assert set(shown_names(pane)) == {"Stays", "Goes"}
    (tmp_path / "goes.yaml").unlink()
    qtbot.waitUntil(lambda: shown_names(pane) == ["Stays"], timeout=3000)


def test_only_connector_files_and_folders_are_accepted_as_drops(
        pane: LibraryPane, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a connector")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(notes))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pane, enter)
    assert not enter.isAccepted()


def test_the_recent_list_is_newest_first_short_and_forgets_deleted_files(
        pane: LibraryPane, tmp_path: Path) -> None:
    paths = [tmp_path / f"c{i:02}.yaml" for i in range(12)]
    for path in paths:
        path.write_text(GOOD.format(name=path.stem))
        pane.open_paths([path])
    assert pane.recent_paths() == paths[::-1][:10]
    paths[-1].unlink()
    assert pane.recent_paths() == paths[::-1][1:10]
