"""What goes into the Connection Workbench bundle, shared by the three PyInstaller specs.

`linux/`, `windows/` and `macos/workbench.spec` call `analysis_options()` for the Analysis and
`prune()` on its result, so the platforms cannot drift apart. No PyInstaller objects here beyond
its hook helpers: the specs own Analysis/EXE/COLLECT/BUNDLE.

This folder must never get an `__init__.py`: it would shadow the `packaging` library.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
APP_NAME = "Connection Workbench"
EXE_NAME = "workbench"
DIST_NAME = "connection-workbench"  # the distribution (pyproject) and the .desktop/icon name
BUNDLE_ID = "com.connectionworkbench.workbench"  # macOS CFBundleIdentifier; keep it stable

# The PySide6 modules the app imports (QtWebEngineWidgets pulls in the rest of this list).
QT_MODULES_USED = frozenset({
    "QtCore", "QtGui", "QtWidgets", "QtNetwork", "QtWebEngineCore", "QtWebEngineWidgets",
    "QtWebChannel", "QtPrintSupport",
})

# Test and build tools that may sit in the same venv: never in the bundle.
PYTHON_EXCLUDES = [
    "tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "pytest_asyncio", "mypy",
    "mypyc", "ruff", "pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils",
    "standardwebhooks", "IPython", "numpy", "matplotlib", "PyInstaller", "pydoc_data",
    "lib2to3", "idlelib", "ensurepip", "venv", "test",
]

# Keyring backends per platform (keyring finds them through its entry points, which static
# analysis cannot see). The Linux one talks D-Bus through secretstorage/jeepney and encrypts
# the session with `cryptography`.
KEYRING_IMPORTS = {
    "linux": ["keyring.backends.SecretService", "keyring.backends.chainer",
              "keyring.backends.fail", "keyring.backends.null", "secretstorage",
              "secretstorage.collection", "secretstorage.item", "secretstorage.dhcrypto",
              "secretstorage.util", "jeepney", "jeepney.io.blocking", "jeepney.bus_messages"],
    "darwin": ["keyring.backends.macOS", "keyring.backends.macOS.api",
               "keyring.backends.chainer", "keyring.backends.fail", "keyring.backends.null"],
    "win32": ["keyring.backends.Windows", "keyring.backends.chainer", "keyring.backends.fail",
              "keyring.backends.null", "win32ctypes", "win32ctypes.core",
              "win32ctypes.pywin32", "win32ctypes.pywin32.win32cred"],
}

# Qt plugin folders the app uses; everything else under plugins/ is dropped.
QT_PLUGIN_DIRS = frozenset({
    "platforms", "platformthemes", "platforminputcontexts", "imageformats", "iconengines",
    "xcbglintegrations", "wayland-decoration-client", "wayland-graphics-integration-client",
    "wayland-shell-integration", "tls", "networkinformation", "styles",
})
# Single plugins dropped from those folders, and why.
QT_PLUGINS_DROPPED = {
    "libqeglfs": "embedded boards, not desktops",
    "libqlinuxfb": "embedded boards",
    "libqvnc": "VNC server platform",
    "libqvkkhrdisplay": "Vulkan display platform",
    "libqminimalegl": "embedded boards",
    "libqgtk3": "would make GTK 3 a dependency; the app themes itself",
    "libqtvirtualkeyboardplugin": "links QtQuick and the virtual keyboard",
    "libqpdf": "links QtPdf",
    "libqtiff": "image format not used", "libqwebp": "image format not used",
    "libqtga": "image format not used", "libqwbmp": "image format not used",
    "libqicns": "image format not used",
    "qpdf": "links QtPdf", "qtiff": "image format not used", "qwebp": "image format not used",
    "qtga": "image format not used", "qwbmp": "image format not used",
    **dict.fromkeys(("libdmabuf-server", "libdrm-egl-server", "libshm-emulation-server",
                     "libvulkan-server"), "Wayland compositor buffer sharing, not for clients"),
    **dict.fromkeys(("libfullscreen-shell-v1", "libivi-shell", "libwl-shell-plugin",
                     "libqt-shell"), "kiosk and car shells; desktops use xdg-shell"),
}
# Libraries taken from the system even though PyInstaller would bundle them (the .deb depends on
# their packages): they must match the system's drivers, configuration or certificate store.
SYSTEM_LIBRARIES = {
    "libstdc++.so.6": "newer Mesa/LLVM drivers need the system's (newer) libstdc++",
    "libgcc_s.so.1": "goes with libstdc++",
    "libgbm.so.1": "must match the system's Mesa drivers",
    "libdrm.so.2": "must match the kernel's and Mesa's DRM",
    "libasound.so.2": "ALSA's plugins and configuration are the system's",
    "libfontconfig.so.1": "reads the system's font configuration",
    "libfreetype.so.6": "goes with fontconfig",
    **dict.fromkeys(("libnss3.so", "libnssutil3.so", "libsmime3.so", "libnspr4.so", "libplc4.so",
                     "libplds4.so", "libsoftokn3.so", "libfreebl3.so", "libfreeblpriv3.so",
                     "libnssckbi.so", "libnssdbm3.so"),
                    "Chromium checks certificates with NSS: the system's root store gets updates"),
}
WEBENGINE_LOCALES_KEPT = frozenset({"en-US.pak"})  # Chromium falls back to en-US
# QtWebEngine's helper processes look for locales in resources/locales and create that folder
# when it is missing, inside the install tree when they may (as root): purge then leaves it
# behind. A link to the locales the bundle has means nothing is ever written there.
LINUX_LINKS = {"PySide6/Qt/resources/locales": "../translations/qtwebengine_locales"}
# Who to ask for the source of the LGPL parts (the notice's written offer); set it for releases.
MAINTAINER = os.environ.get("DEB_MAINTAINER",
                            "Connection Workbench team <workbench@connection-workbench.invalid>")
WEBENGINE_RESOURCES_DROPPED = frozenset({"qtwebengine_devtools_resources.pak"})  # no DevTools


def version() -> str:
    """The one version: `workbench.__version__`, read without importing the app."""
    tree = ast.parse((ROOT / "workbench" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "__version__" and isinstance(node.value, ast.Constant)):
            return str(node.value.value)
    raise SystemExit("workbench/__init__.py has no __version__ = '...'")


def numeric_version(text: str | None = None) -> tuple[int, int, int, int]:
    """The release numbers (1.2.3 of 1.2.3rc1), padded to four, for Windows VERSIONINFO and
    CFBundleVersion, which take numbers only."""
    release = re.match(r"\d+(\.\d+)*", text or version())
    if release is None:
        raise ValueError(f"not a version: {text!r}")
    numbers = [int(n) for n in release.group().split(".")[:4]]
    a, b, c, d = (*numbers, 0, 0, 0, 0)[:4]
    return a, b, c, d


def platform_key() -> str:
    return "linux" if sys.platform.startswith("linux") else sys.platform


def check_installed_metadata() -> None:
    """Refuse to bundle stale package metadata: its entry points are what the frozen app sees.
    (`pip install -e .` leaves it as connection_workbench.egg-info in the checkout, found first
    from here, or as a .dist-info in site-packages.)"""
    from importlib import metadata

    import tomllib  # Python 3.11+, as is building the installers

    try:
        dist = metadata.distribution(DIST_NAME)
    except metadata.PackageNotFoundError:
        raise SystemExit(f"{DIST_NAME} is not installed in this Python: pip install -e .") from None
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {(group, name, value)
              for group, entries in project.get("entry-points", {}).items()
              for name, value in entries.items()}
    wanted |= {("console_scripts", n, v) for n, v in project.get("scripts", {}).items()}
    have = {(e.group, e.name, e.value) for e in dist.entry_points}
    problems = []
    if dist.version != version():
        problems.append(f"installed version {dist.version} != workbench.__version__ {version()}")
    if wanted - have:
        problems.append("entry points missing from the installed metadata: "
                        + ", ".join(f"{g}:{n}" for g, n, _v in sorted(wanted - have)))
    if problems:
        raise SystemExit("stale metadata for the bundle (" + "; ".join(problems)
                         + "). Reinstall: pip install -e '.[package]' (./dev.sh package does).")


def analysis_options() -> dict[str, object]:
    """Keyword arguments for PyInstaller's Analysis, for the platform building now."""
    from PyInstaller.utils.hooks import collect_submodules, copy_metadata

    sys.path.insert(0, str(ROOT))
    check_installed_metadata()  # after the path change: the metadata copy_metadata will find
    from workbench.qt.about import LIBRARIES  # the versions About reports need their metadata

    datas = [(str(ROOT / "connectors"), "connectors"), (str(ROOT / "resources"), "resources")]
    for dist in (DIST_NAME, "keyring", "PySide6", *LIBRARIES):
        datas += copy_metadata(dist)
    hidden = collect_submodules("workbench")
    hidden += KEYRING_IMPORTS[platform_key()]
    return {
        "scripts": [str(ROOT / "packaging" / "entry_point.py")],
        "pathex": [str(ROOT)],
        "datas": datas,
        "hiddenimports": hidden,
        "excludes": PYTHON_EXCLUDES + unused_qt_modules(),
        "noarchive": False,
        "optimize": 0,  # docstrings stay: argparse help and pydantic read them
    }


def unused_qt_modules() -> list[str]:
    """Every PySide6 binding the app does not import, so no hook collects its libs/plugins."""
    import PySide6

    folder = Path(PySide6.__file__).parent
    names = {p.name.split(".")[0] for p in folder.iterdir()
             if p.name.startswith("Qt") and p.suffix in {".so", ".pyd"}}
    return [*sorted(f"PySide6.{n}" for n in names - QT_MODULES_USED), "PySide6.scripts"]


def third_party_notice(analysis: Any, workpath: str) -> list[Entry]:
    """Data entries to add after prune(): every bundled distribution's metadata (with its
    licence files) and THIRD-PARTY-NOTICES.txt, written into `workpath` with components.json
    (what build.py renders the .deb's copyright file from). Stops the build when a bundled
    distribution has no licence or is not a runtime dependency (bundle_contents.check)."""
    import bundle_contents
    import components as parts
    import notice_text
    from PyInstaller.utils.hooks import copy_metadata

    work = Path(workpath)
    modules = [*analysis.pure, *analysis.scripts]
    files = [*analysis.binaries, *analysis.datas]
    components = bundle_contents.collect(modules, files, workpath=work)
    metadata: list[Entry] = []
    for component in components:
        if component.kind == "distribution" and not any(".dist-info/" in f
                                                        for f in component.files):
            for source, dest in copy_metadata(component.name):
                metadata += [(f"{dest}/{p.relative_to(source).as_posix()}", str(p), "DATA")
                             for p in sorted(Path(source).rglob("*")) if p.is_file()]
    if metadata:
        components = bundle_contents.collect(modules, files + metadata, workpath=work)
    parts.save(components, work / "components.json")
    notice = work / notice_text.NOTICE_NAME
    notice.write_text(notice_text.render_text(components, app=APP_NAME, version=version(),
                                              contact=MAINTAINER), encoding="utf-8")
    links = [(dest, target, "SYMLINK") for dest, target in LINUX_LINKS.items()]
    return [*metadata, (notice_text.NOTICE_NAME, str(notice), "DATA"),
            *(links if platform_key() == "linux" else [])]


# -- pruning the collected files ------------------------------------------------------------

Entry = tuple[str, str, str]  # PyInstaller TOC entry: (destination, source, type)


def _is_dropped(dest: str) -> bool:
    """True for Qt files the app never uses; the paths differ per platform (PySide6/Qt/… on
    Linux and macOS, PySide6/… on Windows, the QtWebEngineCore.framework on macOS)."""
    parts = Path(dest).parts
    name = parts[-1]
    if "qtwebengine_locales" in parts:  # Chromium needs the one locale .pak it falls back to
        return name not in WEBENGINE_LOCALES_KEPT
    if name in WEBENGINE_RESOURCES_DROPPED:
        return True
    if "PySide6" not in parts:
        return False
    qt = parts[parts.index("PySide6") + 1:]
    if qt[:1] == ("Qt",):
        qt = qt[1:]
    if qt[:1] == ("translations",):
        return name.endswith(".qm")  # Qt's own translations: the app is English only
    if qt[:1] == ("plugins",) and len(qt) >= 3:
        return qt[1] not in QT_PLUGIN_DIRS or name.split(".")[0] in QT_PLUGINS_DROPPED
    return qt[:1] == ("qml",)


def prune(binaries: Iterable[Entry], datas: Iterable[Entry]) -> tuple[list[Entry], list[Entry]]:
    """Drop unused Qt plugins, translations and resources and (on Linux) SYSTEM_LIBRARIES, then
    every library that only dropped files linked to: libcups came with the print plugins, GTK 3
    with its theme, libQt6Pdf with the PDF image format."""
    binaries, datas = list(binaries), list(datas)
    system = SYSTEM_LIBRARIES if platform_key() == "linux" else {}

    def from_system(dest: str) -> bool:  # the library, or NSS's .chk file beside it
        name = Path(dest).name
        return name in system or name.removesuffix(".chk") + ".so" in system

    kept_bins = [e for e in binaries if not _is_dropped(e[0]) and not from_system(e[0])]
    kept_datas = [e for e in datas if not _is_dropped(e[0]) and not from_system(e[0])]
    if platform_key() == "linux":
        kept_bins = _drop_orphan_libraries(binaries, kept_bins)
    kept = {os.path.normpath(dest) for dest, _src, _kind in kept_bins + kept_datas}
    return _live_symlinks(kept_bins, kept), _live_symlinks(kept_datas, kept)


def _live_symlinks(entries: list[Entry], kept: set[str]) -> list[Entry]:
    """Without the symlinks (PyInstaller's top-level aliases of Qt libraries) whose target went."""
    return [(dest, src, kind) for dest, src, kind in entries if kind != "SYMLINK"
            or os.path.normpath(os.path.join(os.path.dirname(dest), src)) in kept]


def _drop_orphan_libraries(before: list[Entry], after: list[Entry]) -> list[Entry]:
    """`after` without the shared libraries that were collected only because something now
    removed needed them (DT_NEEDED), the same links PyInstaller followed to collect them."""
    from PyInstaller.depend import bindepend

    before = [e for e in before if e[2] != "SYMLINK"]
    links, after = [e for e in after if e[2] == "SYMLINK"], [e for e in after if e[2] != "SYMLINK"]
    needs: dict[str, set[str]] = {}
    for _dest, src, _kind in before:
        try:
            needs[src] = {os.path.basename(name) for name, _path in bindepend.get_imports(src)}
        except Exception:  # not a shared object (a script or data declared as a binary)
            needs[src] = set()
    needed_by_something = set().union(*needs.values())
    libraries = {os.path.basename(dest): (dest, src, kind) for dest, src, kind in after
                 if os.path.basename(dest) in needed_by_something}
    reached: set[str] = set()
    queue = [src for dest, src, _kind in after if os.path.basename(dest) not in libraries]
    while queue:
        for name in needs.get(queue.pop(), ()):
            if name in libraries and name not in reached:
                reached.add(name)
                queue.append(libraries[name][1])
    return [e for e in after if os.path.basename(e[0]) not in libraries
            or os.path.basename(e[0]) in reached] + links
