"""Who shipped each file of a bundle, and under which licence: the facts behind the
third-party notice (notice_text.py renders them).

The spec hands over PyInstaller's table of contents (every module, binary and data file with
the path it was collected from). Each source path is traced to its origin:

- this checkout: the app itself (not third-party);
- the Python runtime: standard library, lib-dynload, libpython (PSF licence);
- an installed distribution, whose RECORD lists the file (PySide6's wheels carry Qt);
- a Debian package (`dpkg -S`), for the system libraries PyInstaller copied in.

The build stops (SystemExit) on a file no one ships, on a distribution that is not a runtime
dependency of the app (a test tool from a dev venv: build from a clean venv), and on a
distribution without a licence text. The components (components.py) are plain data, saved as
JSON, so build.py renders the .deb's variant (without the system libraries) from the same facts.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from components import Component, LicenceText, canonical, chromium, debian_package, distribution

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APP_DISTRIBUTION = "connection-workbench"
# Not runtime dependencies, but their code runs in every bundle: the bootloader and loader
# (GPL-2.0-or-later with the bootloader exception) and the runtime hooks (Apache-2.0).
BUILD_TOOLS_IN_BUNDLE = frozenset({"pyinstaller", "pyinstaller-hooks-contrib"})
Entry = tuple[str, str, str]  # PyInstaller TOC entry: (destination, source, type)


# -- tracing files to their origin ----------------------------------------------------------


def collect(modules: Iterable[Entry], files: Iterable[Entry], *,
            workpath: Path) -> list[Component]:
    """Components for a bundle: `modules` go into the executable's archive (PyInstaller's
    pure modules and scripts), `files` onto disk (binaries and datas, after pruning)."""
    origin_of = _Origins(workpath)
    in_archive = {origin_of(source) for _name, source, _kind in modules}
    if "unknown" in in_archive:  # a module from outside the venv and the Python runtime
        raise SystemExit("modules of unknown origin in the bundle:\n  "
                         + "\n  ".join(origin_of.unknown))
    on_disk: dict[str | None, list[str]] = {}
    links = []
    for dest, source, kind in files:
        if kind == "SYMLINK":
            links.append((dest, os.path.normpath(os.path.join(os.path.dirname(dest), source))))
        else:
            on_disk.setdefault(origin_of(source, dest), []).append(dest)
    owner = {dest: key for key, dests in on_disk.items() for dest in dests}
    for dest, target in links:  # PyInstaller's aliases of libraries: the target's origin
        on_disk.setdefault(owner.get(target), []).append(dest)
    origin_of.resolve_system_libraries(on_disk)
    components = []
    for key in sorted(k for k in set(on_disk) | in_archive if k is not None):
        kind, _colon, name = key.partition(":")
        dests = sorted(on_disk.get(key, []))
        if kind == "dist":
            components.append(distribution(name, dests))
        elif kind == "deb":
            components.append(debian_package(name, dests))
        else:
            components.append(origin_of.runtime.component(dests))
    check(components)
    return components + chromium(components)


class _Origins:
    """Maps a collected file's source path to its origin key: "dist:NAME", "python",
    "deb:PACKAGE" (after resolve_system_libraries), or None for the app's own files."""

    def __init__(self, workpath: Path) -> None:
        self.files = _distribution_files()
        self.runtime = _python_runtime()
        self.workpath = str(workpath)
        self.venv = os.path.realpath(sys.prefix) + os.sep
        self.unknown: dict[str, list[str]] = {}  # real source path → destinations

    def __call__(self, source: str, dest: str = "") -> str | None:
        if not source or source == "-" or not os.path.isabs(source):
            return None  # a namespace package
        real = os.path.realpath(source)
        if real.startswith(self.workpath + os.sep):  # made by PyInstaller
            return "python" if dest == "base_library.zip" else None
        if real in self.files:  # before the checkout: the venv may be inside it
            name = self.files[real]
            return None if canonical(name) == APP_DISTRIBUTION else f"dist:{name}"
        if real.startswith(str(ROOT) + os.sep) and not real.startswith(self.venv):
            return None  # the app itself
        if self.runtime.contains(real):
            return "python"
        self.unknown.setdefault(real, []).append(dest)
        return "unknown"

    def resolve_system_libraries(self, on_disk: dict[str | None, list[str]]) -> None:
        """Move the files of unknown origin to the Debian packages that ship them, or stop."""
        on_disk.pop("unknown", None)
        for package, paths in _dpkg_owners(list(self.unknown)).items():
            for path in paths:
                on_disk.setdefault(f"deb:{package}", []).extend(self.unknown.pop(path))
        if self.unknown:
            raise SystemExit("cannot tell which distribution or package ships these bundled "
                             "files (their licences must be in the notice):\n  "
                             + "\n  ".join(self.unknown))


def check(components: list[Component]) -> None:
    """Stop the build on a distribution the app does not depend on, one without licence, or a
    direct dependency that was not traced (its licence would be missing from the notice)."""
    found = {canonical(c.name) for c in components if c.kind == "distribution"}
    untraced = sorted(direct_dependencies() - found)
    if untraced:
        raise SystemExit("the bundle's files were not traced to " + ", ".join(untraced)
                         + ": is the build venv's site-packages where importlib.metadata "
                         "looks?")
    allowed = runtime_dependencies() | BUILD_TOOLS_IN_BUNDLE
    strays = sorted(c.name for c in components
                    if c.kind == "distribution" and canonical(c.name) not in allowed)
    if strays:
        raise SystemExit(f"the bundle picked up {', '.join(strays)}, which the app does not "
                         "depend on: build from a clean venv with the runtime dependencies only "
                         "(./dev.sh package makes .venv-package).")
    unlicensed = sorted(c.name for c in components if not c.texts)
    if unlicensed:
        raise SystemExit("no licence text for bundled " + ", ".join(unlicensed) + ": the "
                         "notice must carry every licence (add the text under packaging/"
                         "licenses/ if the wheel ships none).")


def direct_dependencies(name: str = APP_DISTRIBUTION) -> set[str]:
    """What `name` requires itself, without extras."""
    from packaging.requirements import Requirement

    requirements = [Requirement(line) for line in metadata.distribution(name).requires or []]
    return {canonical(r.name) for r in requirements
            if r.marker is None or r.marker.evaluate({"extra": ""})}


def runtime_dependencies(name: str = APP_DISTRIBUTION) -> set[str]:
    """`name` and everything its requirements pull in without extras, as installed."""
    from packaging.requirements import Requirement  # PyInstaller's own dependency

    seen: set[str] = set()
    todo = [name]
    while todo:
        current = canonical(todo.pop())
        if current in seen:
            continue
        seen.add(current)
        try:
            requires = metadata.distribution(current).requires or []
        except metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def _distribution_files() -> dict[str, str]:
    """Real path of every installed distribution file → the distribution's name."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        for file in dist.files or ():
            found.setdefault(os.path.realpath(str(dist.locate_file(file))), name)
    return found


@dataclass
class _PythonRuntime:
    folders: tuple[str, ...]
    library: str

    def contains(self, real: str) -> bool:
        return real == self.library or any(real.startswith(f + os.sep) for f in self.folders)

    def component(self, dests: list[str]) -> Component:
        """Python and its licence (and, for a distribution's Python, its packages' copyright
        files, which also cover what CPython bundles: expat, libmpdec, …)."""
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        texts = [LicenceText("Python license", p.read_text(encoding="utf-8"))
                 for p in (stdlib / "LICENSE.txt", Path(sys.base_prefix) / "LICENSE.txt")
                 if p.is_file()][:1]
        owners = _dpkg_owners([self.library]) if self.library else {}
        for package in owners:
            texts += debian_package(package, []).texts
        return Component("python", "Python", platform.python_version(), "PSF-2.0",
                         "https://www.python.org/", ["Python Software Foundation"], texts,
                         dests, "https://www.python.org/downloads/source/")


def _python_runtime() -> _PythonRuntime:
    """Where this Python's own files are: its prefix when it has one to itself (pyenv,
    python.org, /usr/local), else (a distribution's /usr) the standard library folders."""
    paths = sysconfig.get_paths()
    folders = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib")}
    prefix = os.path.realpath(sys.base_prefix)
    if prefix not in ("/usr", "/"):
        folders.add(prefix)
    sitepackages = {os.path.realpath(paths[k]) for k in ("purelib", "platlib")}
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    soname = sysconfig.get_config_var("INSTSONAME") or ""
    library = os.path.realpath(os.path.join(libdir, soname)) if libdir and soname else ""
    return _PythonRuntime(tuple(sorted(folders - sitepackages)), library)


def _dpkg_owners(paths: list[str]) -> dict[str, list[str]]:
    """Debian package → the given paths it ships (merged /usr: dpkg may know either name)."""
    if not paths or shutil.which("dpkg-query") is None:
        return {}
    aliases: dict[str, str] = {}
    for path in paths:
        for alias in (path, re.sub(r"^/usr/lib/", "/lib/", path),
                      re.sub(r"^/lib/", "/usr/lib/", path)):
            aliases.setdefault(alias, path)
    run = subprocess.run(["dpkg-query", "-S", *aliases], capture_output=True, text=True)
    owner_of: dict[str, str] = {}
    for line in run.stdout.splitlines():
        packages, _sep, path = line.partition(": ")
        if path in aliases and "diversion" not in packages:
            owner_of.setdefault(aliases[path], packages.split(",")[0].split(":")[0].strip())
    owners: dict[str, list[str]] = {}
    for path, package in owner_of.items():
        owners.setdefault(package, []).append(path)
    return owners


