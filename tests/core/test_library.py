"""The connector library: good and broken files side by side, reloads, rescans and search."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from workbench.core.config import bundled_connectors_dir
from workbench.core.library import ConnectorLibrary, load_library_file
from workbench.core.load_marker import LoadMarker, left_behind

GOOD = """\
interface_parameters:
  section:
    source:
      - name: "auth"
        type: "authentication"
        auth_type: "bearer"
        fields:
          - name: "bearer_token"
connector:
  name: "{name}"
  base_url: "https://api.example.com"
"""
BROKEN_YAML = 'connector:\n  name: "Broken"\n  base_url: [unclosed\n'
MISSING_KEY = 'connector:\n  name: "No URL"\n'


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_connectors_all_load_with_ids_independent_of_the_install() -> None:
    library = ConnectorLibrary()
    entries = library.add_folder(bundled_connectors_dir(), "bundled")
    names = {e.name for e in entries}
    assert {"GitHub API", "Jira Cloud Connector", "Sandbox: Basic HTTP"} <= names
    assert all(e.ok for e in entries)
    github = next(e for e in entries if e.name == "GitHub API")
    assert github.connector_id == "bundled/github.yaml"
    assert github.auth_type == "bearer"
    sandbox = next(e for e in entries if e.name == "Sandbox: Basic HTTP")
    assert sandbox.group_label == "Bundled ▸ sandbox"
    assert sandbox.connector_id == "bundled/sandbox/sandbox_basic.yaml"


def test_a_folder_with_a_good_and_a_broken_file_keeps_both(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.yaml", GOOD.format(name="Good One"))
    broken = _write(tmp_path, "broken.yml", BROKEN_YAML)
    library = ConnectorLibrary()
    library.add_folder(tmp_path)

    assert [e.name for e in library.entries()] == ["broken", "Good One"]
    entry = library.get(broken)
    assert entry is not None and not entry.ok and entry.loaded is None
    problem = entry.problems[0]
    assert (problem.path, problem.line, problem.column) == (str(broken), 3, 13)
    assert str(entry.error).startswith(f"{broken}:3:13: unclosed bracket")
    ok = library.get(good)
    assert ok is not None and ok.ok and ok.problems == [] and ok.connector_id == str(good)
    assert ok.group_label == f"Opened ▸ {tmp_path.name}"


def test_a_validation_error_points_at_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "nourl.yaml", MISSING_KEY)
    entry = ConnectorLibrary().add_file(path)
    assert entry.name == "nourl"
    assert [(p.line, p.column) for p in entry.problems] == [(1, 1)]
    assert "missing required key 'base_url'" in str(entry.error)


def test_a_file_that_is_not_yaml_is_an_entry_with_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.txt", "hello")
    entry = ConnectorLibrary().add_file(path)
    assert not entry.ok
    assert "not a connector file" in entry.problems[0].message


def test_reload_reads_the_edited_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "api.yaml", GOOD.format(name="Before"))
    library = ConnectorLibrary()
    before = library.add_file(path)
    path.write_text(GOOD.format(name="After"), encoding="utf-8")
    after = library.reload(path)
    assert after.name == "After" and library.get(path) == after
    assert not after.same_content(before)
    assert after.same_content(library.reload(path))

    path.write_text(BROKEN_YAML, encoding="utf-8")
    assert not library.reload(path).ok
    path.write_text(GOOD.format(name="Fixed"), encoding="utf-8")
    assert library.reload(path).ok


def test_an_opened_file_deleted_from_disk_stays_marked_missing(tmp_path: Path) -> None:
    path = _write(tmp_path, "gone.yaml", GOOD.format(name="Gone"))
    library = ConnectorLibrary()
    library.add_file(path)
    path.unlink()
    entry = library.reload(path)
    assert not entry.ok and entry.name == "gone"
    assert "file not found" in str(entry.error)
    assert library.rescan().removed == []
    assert library.get(path) is not None


def test_rescan_adds_new_files_and_drops_deleted_ones(tmp_path: Path) -> None:
    first = _write(tmp_path, "first.yaml", GOOD.format(name="First"))
    library = ConnectorLibrary()
    library.add_folder(tmp_path)
    second = _write(tmp_path / "more", "second.yaml", GOOD.format(name="Second"))
    _write(tmp_path, ".first.yaml.swp.yaml", "editor junk")
    first.unlink()

    changes = library.rescan()
    assert [e.path for e in changes.added] == [second]
    assert changes.removed == [first]
    assert [e.name for e in library.entries()] == ["Second"]
    assert tmp_path / "more" in library.folders()
    entry = library.get(second)
    assert entry is not None and entry.group_label == f"Opened ▸ {tmp_path.name} ▸ more"


def test_remove_takes_out_a_folder_or_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    inside = _write(folder, "a.yaml", GOOD.format(name="A"))
    single = _write(tmp_path, "single.yaml", GOOD.format(name="Single"))
    library = ConnectorLibrary()
    library.add(folder)
    library.add(single)
    assert library.sources("opened") == [folder, single]
    assert library.files() == [inside, single]

    assert library.remove(folder) == [inside]
    assert [e.name for e in library.entries()] == ["Single"]
    assert library.remove(single) == [single]
    assert library.entries() == [] and library.sources() == [] and library.folders() == []


def test_search_matches_name_file_name_and_auth_type(tmp_path: Path) -> None:
    _write(tmp_path, "github.yaml", GOOD.format(name="GitHub API"))
    _write(tmp_path, "weather.yaml", GOOD.format(name="OpenWeather").replace("bearer", "api_key"))
    _write(tmp_path, "broken.yaml", BROKEN_YAML)
    library = ConnectorLibrary()
    library.add_folder(tmp_path)

    def names(text: str) -> list[str]:
        return [e.name for e in library.matching(text)]

    assert names("github") == ["GitHub API"]
    assert names("WEATHER") == ["OpenWeather"]
    assert names("bearer") == ["GitHub API"]
    assert names("api key") == ["OpenWeather"]
    assert names("broken.yaml") == ["broken"]
    assert names("") == ["broken", "GitHub API", "OpenWeather"]
    assert names("nothing like it") == []


def test_a_deferred_library_lists_files_at_once_and_takes_their_results_later(
        tmp_path: Path) -> None:
    good = _write(tmp_path, "good.yaml", GOOD.format(name="Good One"))
    broken = _write(tmp_path, "broken.yaml", BROKEN_YAML)
    library = ConnectorLibrary(deferred=True)
    entries = library.add_folder(tmp_path)
    assert all(e.pending and not e.ok and not e.problems for e in entries)
    assert library.take_queued() == [broken, good] and library.take_queued() == []
    for path in (good, broken):
        library.settle(path, load_library_file(path))
    assert library.get(good).ok and not library.get(broken).ok  # type: ignore[union-attr]
    kept = library.reload(good)
    assert kept.ok and library.take_queued() == [good]  # the old content stays meanwhile
    library.remove(tmp_path)
    assert library.settle(good, load_library_file(good)) is None  # gone: nothing to settle


def test_a_load_marker_names_what_a_dead_process_was_loading(tmp_path: Path) -> None:
    marker = LoadMarker(tmp_path)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    marker.begin(first)
    marker.begin(second)
    marker.end(first)
    assert marker.path.read_text() == str(second)
    assert left_behind(tmp_path) == set()  # this process is alive: not a crash
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / f"loading-{dead}-7.txt").write_text(f"{first}\n{second}\n")
    assert left_behind(tmp_path) == {first, second}
    assert not (tmp_path / f"loading-{dead}-7.txt").exists()
    marker.end(second)
    assert not marker.path.exists()
    marker.begin(first)  # still loading when the app quits normally: no crash to remember
    marker.clear()
    assert not marker.path.exists()
