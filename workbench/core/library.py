"""The connector library: every connector file the user can pick, loaded or with its errors.

Bundled and opened folders and files are tracked by absolute path, so one file is one entry
however it was reached. A file that fails to load stays in the library with its ConfigError;
the views mark it instead of hiding it. A `deferred` library only lists files and queues their
loading (`take_queued`), so that a caller can load them elsewhere (the GUI, off its thread)
and hand each result back (`settle`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.config.loader import (
    CONNECTOR_SUFFIXES,
    LoadedConnector,
    bundled_connectors_dir,
)
from workbench.core.config.manifest import is_manifest_path
from workbench.core.config.model import Authentication
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError, ConfigProblem
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.sesam import is_sesam

Origin = Literal["bundled", "opened"]
Content = LoadedConnector | LoadedPlatform
ORIGINS: tuple[Origin, ...] = ("bundled", "opened")
GROUP_SEPARATOR = " ▸ "


@dataclass(frozen=True)
class LibraryEntry:
    """One connector file in the library; `root` is the folder it was found in (None: opened
    on its own)."""

    path: Path
    origin: Origin
    loaded: LoadedConnector | None = None
    error: ConfigError | None = None
    root: Path | None = None
    platform: LoadedPlatform | None = None
    """Set instead of `loaded` for a platform account file (`core.platforms.registry`)."""
    pending: bool = False
    """Listed, not loaded yet (a deferred library's first load is under way)."""

    @property
    def name(self) -> str:
        content = self.loaded or self.platform
        return content.name if content else self.path.stem

    @property
    def ok(self) -> bool:
        return self.loaded is not None or self.platform is not None

    @property
    def problems(self) -> list[ConfigProblem]:
        return list(self.error.problems) if self.error else []

    @property
    def connector_id(self) -> str:
        """Stable id for keychain and settings keys.

        Bundled files are named relative to the bundled folder: that folder moves with every
        install (a one-file bundle unpacks to a new temp folder per run), and an absolute path
        would orphan the secrets saved under it. Opened files are their absolute path.
        """
        if self.origin == "bundled" and self.root is not None:
            return "bundled/" + self.path.relative_to(self.root).as_posix()
        return str(self.path)

    @property
    def auth_type(self) -> str | None:
        """bearer, basic_http, api_key or oauth2; None for no auth or a broken file."""
        auth = self.loaded.blueprint.authentication if self.loaded else None
        return auth.auth_type if auth else None

    @property
    def auth_label(self) -> str:
        """The auth scheme in a few words, e.g. `oauth2 · client credentials`; empty if broken."""
        if self.platform:
            return self.platform.plugin.label
        if not self.loaded:
            return ""
        label = _auth_label(self.loaded.blueprint.authentication)
        return f"Sesam · {label}" if is_sesam(self.loaded.blueprint) else label

    @property
    def search_text(self) -> str:
        """Lower-case text a search matches against: name, file name and auth scheme."""
        parts = [self.name, self.path.name, self.auth_type or "", self.auth_label]
        return " ".join(parts).casefold()

    @property
    def subfolder(self) -> str:
        """The folder under `root` holding the file, as a/b; empty at the top or without root.
        A Sesam manifest.json is its folder, so it is grouped with its folder's neighbours."""
        folder = self.path.parent.parent if is_manifest_path(self.path) else self.path.parent
        if self.root is None or folder == self.root or not folder.is_relative_to(self.root):
            return ""
        return folder.relative_to(self.root).as_posix()

    @property
    def group_label(self) -> str:
        """Where the entry came from, for grouping: `Bundled ▸ sandbox`, `Opened ▸ mine`."""
        parts = ["Bundled" if self.origin == "bundled" else "Opened"]
        if self.origin == "opened" and self.root is not None:
            parts.append(self.root.name or str(self.root))
        parts += [p for p in self.subfolder.split("/") if p]
        return GROUP_SEPARATOR.join(parts)

    @property
    def group_key(self) -> tuple[int, str, str]:
        """Sorts groups: bundled before opened, single files before folders, then by folder."""
        root = "" if self.root is None else str(self.root)
        return ORIGINS.index(self.origin), root, self.subfolder

    def matches(self, text: str) -> bool:
        """Whether every word of `text` occurs (case-insensitively) in `search_text`."""
        haystack = self.search_text
        return all(word in haystack for word in text.casefold().split())

    def same_content(self, other: LibraryEntry) -> bool:
        """Whether `other` was read from identical text, or failed in the identical way."""
        mine, theirs = self.loaded or self.platform, other.loaded or other.platform
        if mine and theirs:
            return mine.text == theirs.text
        return mine is None and theirs is None and str(self.error) == str(other.error)


@dataclass
class LibraryChanges:
    """What a rescan found: entries for new files, and paths of files that are gone."""

    added: list[LibraryEntry] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


class ConnectorLibrary:
    """The folders and files the user works with, and one entry per connector file in them."""

    def __init__(self, *, deferred: bool = False) -> None:
        self._roots: dict[Path, Origin] = {}
        self._files: dict[Path, Origin] = {}
        self._entries: dict[Path, LibraryEntry] = {}
        self._deferred = deferred
        self._queued: list[Path] = []

    def add(self, path: str | os.PathLike[str], origin: Origin = "opened") -> list[LibraryEntry]:
        """Add a folder (every connector file under it) or a single file."""
        if Path(path).expanduser().is_dir():
            return self.add_folder(path, origin)
        return [self.add_file(path, origin)]

    def add_folder(
        self, path: str | os.PathLike[str], origin: Origin = "opened"
    ) -> list[LibraryEntry]:
        """Add every connector file under the folder `path`; [] if it is not a folder."""
        root = _normal(path)
        if not root.is_dir():
            return []
        self._roots.setdefault(root, origin)
        return [self._entries.get(file) or self._load(file, origin, root) for file in _scan(root)]

    def add_file(self, path: str | os.PathLike[str], origin: Origin = "opened") -> LibraryEntry:
        """Add one file; one that is missing or not YAML becomes an entry with its error."""
        file = _normal(path)
        self._files.setdefault(file, origin)
        known = self._entries.get(file)
        return known if known else self._load(file, origin, None)

    def reload(self, path: str | os.PathLike[str]) -> LibraryEntry:
        """Read a file of the library again from disk; KeyError if it is not in the library.
        Deferred, the entry stays as it is until the new result is settled."""
        old = self._entries[_normal(path)]
        if self._deferred:
            self._queued.append(old.path)
            return old
        return self._load(old.path, old.origin, old.root)

    def take_queued(self) -> list[Path]:
        """The files waiting to be loaded (deferred library), oldest first; the queue empties."""
        queued, self._queued = list(dict.fromkeys(self._queued)), []
        return queued

    def settle(self, path: Path, result: Content | ConfigError) -> LibraryEntry | None:
        """Store a load's result for its entry; None if the file left the library meanwhile."""
        old = self._entries.get(path)
        if old is None:
            return None
        entry = _entry(old.path, old.origin, old.root, result)
        self._entries[path] = entry
        return entry

    def rescan(self) -> LibraryChanges:
        """Pick up files created in, and drop files deleted from, the library's folders."""
        on_disk: dict[Path, Path] = {}
        for root in self._roots:
            for file in _scan(root):
                on_disk.setdefault(file, root)
        gone = [f for f, e in self._entries.items() if e.root is not None and f not in on_disk]
        for file in gone:
            del self._entries[file]
        added = [
            self._load(f, self._roots[r], r) for f, r in on_disk.items() if f not in self._entries
        ]
        for file, origin in self._files.items():
            if file not in self._entries:  # opened on its own too: it stays, marked if missing
                self._load(file, origin, None)
        return LibraryChanges(added, [f for f in gone if f not in self._entries])

    def remove(self, path: str | os.PathLike[str]) -> list[Path]:
        """Take a folder or file out of the library; returns the paths of dropped entries.

        A file inside a library folder stays for as long as that folder is in the library.
        """
        target = _normal(path)
        self._roots.pop(target, None)
        self._files.pop(target, None)
        before = set(self._entries)
        for file, entry in list(self._entries.items()):
            if file == target or entry.root == target:
                del self._entries[file]
        self.rescan()
        return sorted(before - set(self._entries))

    def get(self, path: str | os.PathLike[str]) -> LibraryEntry | None:
        return self._entries.get(_normal(path))

    def entries(self) -> list[LibraryEntry]:
        """Every entry, grouped by origin and folder, then by name."""
        return sorted(
            self._entries.values(), key=lambda e: (e.group_key, e.name.casefold(), str(e.path))
        )

    def matching(self, text: str) -> list[LibraryEntry]:
        """Entries whose name, file name or auth scheme contain every word of `text`."""
        return [e for e in self.entries() if e.matches(text)]

    def sources(self, origin: Origin | None = None) -> list[Path]:
        """The folders and files as added (optionally only those of one origin), in order."""
        added = [*self._roots.items(), *self._files.items()]
        return [path for path, o in added if origin is None or o == origin]

    def folders(self) -> list[Path]:
        """Every folder to watch for new or deleted files: the roots and their subfolders."""
        found: set[Path] = set()
        for root in self._roots:
            if root.is_dir():
                found.add(root)
                found.update(d for d in root.rglob("*") if d.is_dir() and not _hidden(d, root))
        return sorted(found)

    def files(self) -> list[Path]:
        """Every connector file in the library (existing or not), to watch for edits."""
        return sorted(self._entries)

    def _load(self, file: Path, origin: Origin, root: Path | None) -> LibraryEntry:
        if self._deferred:
            entry = LibraryEntry(file, origin, root=root, pending=True)
            self._queued.append(file)
        else:
            entry = _entry(file, origin, root, load_library_file(file))
        self._entries[file] = entry
        return entry


def _entry(file: Path, origin: Origin, root: Path | None,
           result: Content | ConfigError) -> LibraryEntry:
    if isinstance(result, ConfigError):
        return LibraryEntry(file, origin, error=result, root=root)
    if isinstance(result, LoadedPlatform):
        return LibraryEntry(file, origin, platform=result, root=root)
    return LibraryEntry(file, origin, loaded=result, root=root)


def load_library_file(file: Path) -> Content | ConfigError:
    """Load one file of the library; its problems are returned, never raised (this runs on a
    worker thread in the GUI, where an exception would be lost)."""
    try:
        return _load_file(file)
    except ConfigError as error:
        return error


def _auth_label(auth: Authentication | None) -> str:
    if auth is None or auth.auth_type is None:
        return "no auth"
    vendor = vendor_scheme(auth.auth_type)
    if vendor is not None:
        return vendor.title
    if auth.auth_type == "oauth2" and auth.oauth2_settings is not None:
        return "oauth2 · " + auth.oauth2_settings.grant_type.replace("_", " ")
    if auth.auth_type == "api_key" and auth.location:
        return "api key · " + auth.location.replace("_param", "")
    return {"basic_http": "basic", "api_key": "api key"}.get(auth.auth_type, auth.auth_type)


def connector_id_for(path: Path) -> str:
    """The id the app files a connector's values under, for a file reached by path alone
    (the CLI): the same as its library entry's `connector_id`."""
    file, bundled = _normal(path), _normal(bundled_connectors_dir())
    origin: Origin = "bundled" if file.is_relative_to(bundled) else "opened"
    return LibraryEntry(file, origin, root=bundled if origin == "bundled" else None).connector_id


def _load_file(file: Path) -> LoadedConnector | LoadedPlatform:
    if file.suffix.lower() not in CONNECTOR_SUFFIXES and not file.is_dir() and not \
            is_manifest_path(file):
        message = ("not a connector file: connector files are YAML (.yaml, .yml) or Sesam "
                   "manifest.json files")
        raise ConfigError([ConfigProblem(str(file), 0, 0, "", message)])
    return load_file(file)


def _scan(root: Path) -> list[Path]:
    """Connector files under `root`; dot files (editor temp and lock files) are skipped."""
    return [
        p
        for p in sorted(root.rglob("*"))
        if (p.suffix.lower() in CONNECTOR_SUFFIXES or is_manifest_path(p)) and p.is_file()
        and not _hidden(p, root)
    ]


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _normal(path: str | os.PathLike[str]) -> Path:
    """Absolute, normalised, symlinks kept: the very path a file watcher reports back."""
    return Path(os.path.abspath(Path(path).expanduser()))
