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
distribution without a licence text. Components are plain data (JSON), so build.py can render
the .deb's variant (without the system libraries) from the same facts.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STANDARD_TEXTS = HERE / "licenses"  # SPDX id → text, for wheels that ship none (PySide6)
APP_DISTRIBUTION = "connection-workbench"
# Not runtime dependencies, but their code runs in every bundle: the bootloader and loader
# (GPL-2.0-or-later with the bootloader exception) and the runtime hooks (Apache-2.0).
BUILD_TOOLS_IN_BUNDLE = frozenset({"pyinstaller", "pyinstaller-hooks-contrib"})
# What the bundled part of a distribution is under, where its metadata says it less precisely.
LICENSE_OVERRIDES = {
    "pyinstaller": "GPL-2.0-or-later WITH Bootloader-exception",
    "pyinstaller-hooks-contrib": "Apache-2.0",  # only its runtime hooks are bundled
}
_CLASSIFIER_LICENSES = {
    "MIT License": "MIT", "BSD License": "BSD", "Apache Software License": "Apache-2.0",
    "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Python Software Foundation License": "PSF-2.0", "ISC License (ISCL)": "ISC",
}
_LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|AUTHORS|COPYRIGHT)", re.I)
_COPYRIGHT_LINE = re.compile(r"^\s*(?:Copyright\b|\(c\)|©)(?=.*(?:\d{4}|\(c\)|©))", re.I)
_PLACEHOLDER = re.compile(r"<copyright holders>|\[name of copyright owner\]|years may be", re.I)

Entry = tuple[str, str, str]  # PyInstaller TOC entry: (destination, source, type)


@dataclass
class LicenceText:
    title: str
    text: str
    standard: bool = False  # one of STANDARD_TEXTS (shared by several components)


@dataclass
class Component:
    """One origin of bundled files: a distribution, the Python runtime, a Debian package."""

    kind: str  # "python", "distribution", "system" or "notice" (facts without files)
    name: str
    version: str
    license: str
    homepage: str = ""
    copyright: list[str] = field(default_factory=list)
    texts: list[LicenceText] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # bundle-relative, "" for the executable
    source: str = ""  # where its source is published (Debian source package, Qt archives)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


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
            components.append(_distribution(name, dests))
        elif kind == "deb":
            components.append(_debian_package(name, dests))
        else:
            components.append(origin_of.runtime.component(dests))
    check(components)
    return components + _qt_notes(components)


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
            found.setdefault(os.path.realpath(dist.locate_file(file)), name)
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
            texts += _debian_package(package, []).texts
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


# -- one component each ------------------------------------------------------------------


def _distribution(name: str, dests: list[str]) -> Component:
    dist = metadata.distribution(name)
    meta = dist.metadata
    license_ = LICENSE_OVERRIDES.get(canonical(name)) or _license_expression(meta)
    texts = []
    for file in dist.files or ():
        parts = file.parts
        if parts[0].endswith(".dist-info") and ("licenses" in parts[1:-1]
                                                or _LICENSE_FILE.match(parts[-1])):
            text = Path(dist.locate_file(file)).read_text(encoding="utf-8", errors="replace")
            texts.append(LicenceText("/".join(parts[1:]), text))
    if not texts:
        texts = _standard_texts(license_)
    holders = _copyright_lines([t for t in texts if not t.standard])
    if not holders:
        holders = [_author(meta) or f"the {name} authors"]
    return Component("distribution", meta["Name"], dist.version, license_, _homepage(meta),
                     holders, texts, dests, _homepage(meta))


def _debian_package(package: str, dests: list[str]) -> Component:
    """A system library's package: its version, source package and copyright file."""
    fields = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}\t${source:Package}\t${source:Version}\t${Homepage}",
         package], capture_output=True, text=True, check=True).stdout.split("\t")
    version, source, source_version, homepage = (*fields, "", "", "", "")[:4]
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    texts = ([LicenceText(str(copyright_file), copyright_file.read_text(errors="replace"))]
             if copyright_file.is_file() else [])
    return Component(
        "system", package, version, "see its Debian copyright file",
        homepage, _copyright_lines(texts)[:8], texts, dests,
        f"Debian source package {source} {source_version}: "
        f"https://sources.debian.org/src/{source}/{source_version}/")


def _qt_notes(components: list[Component]) -> list[Component]:
    """Qt WebEngine contains Chromium: its licence, and the WebEngine files it is part of
    (notice_text lets this component win over PySide6_Addons for them)."""
    webengine = sorted(f for c in components if canonical(c.name).startswith("pyside6")
                       for f in c.files if re.search(r"WebEngine|qtwebengine|/resources/", f))
    if not webengine:
        return []
    chromium = (STANDARD_TEXTS / "Chromium-BSD-3-Clause.txt").read_text(encoding="utf-8")
    return [Component(
        "notice", "Chromium (inside Qt WebEngine)", _chromium_version(),
        "LGPL-3.0-only AND BSD-3-Clause", "https://www.chromium.org/",
        ["2015 The Chromium Authors", "The Qt Company Ltd."],
        [LicenceText("Chromium LICENSE", chromium + _CHROMIUM_THIRD_PARTY)], webengine,
        "the Qt WebEngine source archive (see the source offer)")]


_CHROMIUM_THIRD_PARTY = """
Qt WebEngine's own code is under the LGPL-3.0 (text with PySide6 above). Chromium also contains
code from many other projects under their own licences (BSD, MIT, Apache-2.0, LGPL-2.1,
MPL-2.0 and others); their notices are in the Qt WebEngine source archive named in the source
offer (src/3rdparty/chromium: each third_party/*/LICENSE with its README.chromium)."""


def _chromium_version() -> str:
    try:
        from PySide6.QtWebEngineCore import qWebEngineChromiumVersion
    except ImportError:
        return "unknown"
    version = qWebEngineChromiumVersion()
    return version.decode() if isinstance(version, bytes) else str(version)


def _license_expression(meta: metadata.PackageMetadata) -> str:
    expression = meta.get("License-Expression") or ""
    short = (meta.get("License") or "").strip()
    if not expression and short and "\n" not in short and len(short) <= 80:
        expression = short
    if not expression:
        names = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                 if c.startswith("License :: ")]
        expression = " AND ".join(_CLASSIFIER_LICENSES.get(n, n) for n in names)
    return expression.replace("Apache 2.0", "Apache-2.0") or "see its licence text"


def _standard_texts(expression: str) -> list[LicenceText]:
    ids = re.findall(r"[A-Za-z0-9.+-]+", expression)
    ids = [i for i in ids if i.upper() not in {"OR", "AND", "WITH"}]
    paths = [STANDARD_TEXTS / f"{i}.txt" for i in ids]
    if not ids or not all(p.is_file() for p in paths):
        return []
    return [LicenceText(i, p.read_text(encoding="utf-8"), standard=True)
            for i, p in zip(ids, paths, strict=True)]


def _copyright_lines(texts: list[LicenceText]) -> list[str]:
    lines = [re.sub(r"^\s*(?:Copyright\s*)?:?\s*(?:\(c\)|©)?\s*", "", line, flags=re.I).strip()
             for t in texts for line in t.text.splitlines()
             if _COPYRIGHT_LINE.match(line) and not _PLACEHOLDER.search(line)]
    return list(dict.fromkeys(line for line in lines if line))[:12]


def _author(meta: metadata.PackageMetadata) -> str:
    author = meta.get("Author") or ""
    if not author:
        emails = meta.get("Author-email") or ""
        author = ", ".join(re.sub(r"\s*<[^>]*>", "", a).strip().strip('"')
                           for a in emails.split(">,"))
    return author.strip()


def _homepage(meta: metadata.PackageMetadata) -> str:
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [] if ", " in u)
    for key in ("Homepage", "homepage", "Source", "Source Code", "Repository", "source"):
        if key in urls:
            return urls[key]
    return meta.get("Home-page") or (next(iter(urls.values())) if urls else "")


# -- JSON ----------------------------------------------------------------------------------


def save(components: list[Component], path: Path) -> None:
    path.write_text(json.dumps([asdict(c) for c in components], indent=1), encoding="utf-8")


def load(path: Path) -> list[Component]:
    items = json.loads(path.read_text(encoding="utf-8"))
    return [Component(**{**item, "texts": [LicenceText(**t) for t in item["texts"]]})
            for item in items]
