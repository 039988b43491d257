"""The installer recipes without building anything (fast): one version source, what the specs
drop from the bundle, the icons, the launcher, the Linux package's dependencies, and the
Windows and macOS files that cannot be built on this machine."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.packaging.recipes import (
    PACKAGING,
    ROOT,
    bundle,
    components,
    elf_paths,
    icons,
    linux,
)
from workbench import __version__

# -- one version -----------------------------------------------------------------------------


def test_every_installer_takes_the_version_from_the_package() -> None:
    assert bundle.version() == __version__
    literal = re.compile(rf"(?<![\d.]){re.escape(__version__)}(?![\d.])")
    recipes = [p for p in PACKAGING.rglob("*") if p.suffix in
               {".spec", ".iss", ".ps1", ".sh", ".py", ".desktop", ".plist", ""} and p.is_file()]
    assert len(recipes) > 10
    for path in recipes:
        assert not literal.search(path.read_text()), f"{path} spells out the version"
    assert "{#AppVersion}" in (PACKAGING / "windows/workbench.iss").read_text()
    mac = (PACKAGING / "macos/workbench.spec").read_text()
    assert '"CFBundleShortVersionString": wb.version()' in mac
    assert "version=wb.version()" in mac
    assert "filevers=numbers" in (PACKAGING / "windows/workbench.spec").read_text()


@pytest.mark.parametrize(("pep440", "debian"), [
    ("0.1.0", "0.1.0"), ("1.2.0rc1", "1.2.0~rc1"), ("1.2.0a3", "1.2.0~a3"),
    ("1.2.0b1", "1.2.0~b1"), ("2.0.0.dev4", "2.0.0~~dev4"),
    ("1.0.0rc1.dev2", "1.0.0~rc1~~dev2"), ("1.0.post1", "1.0.post1"),
    ("1.0+local.7", "1.0+local.7"), ("1.0rc1+b.2", "1.0~rc1+b.2"),
])
def test_debian_versions_sort_like_python_versions(pep440: str, debian: str) -> None:
    assert linux.debian_version(pep440) == debian


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="needs dpkg")
@pytest.mark.parametrize(("older", "newer"), [
    ("1.0.0.dev1", "1.0.0a1"), ("1.0.0a1", "1.0.0rc1"), ("1.0.0rc1", "1.0.0"),
    ("1.0.0", "1.0.0.post1"), ("1.0.0rc1.dev2", "1.0.0rc1"), ("1.0.0.dev1", "1.0.0a1.dev1"),
    ("1.0.post1.dev2", "1.0.post1"), ("1.0", "1.0.post1.dev2"),
])
def test_dpkg_agrees_on_the_order(older: str, newer: str) -> None:
    subprocess.run(["dpkg", "--compare-versions", linux.debian_version(older), "lt",
                    linux.debian_version(newer)], check=True)


def test_numeric_versions_for_windows_and_macos() -> None:
    assert bundle.numeric_version("1.2.3rc1") == (1, 2, 3, 0)
    assert bundle.numeric_version("2") == (2, 0, 0, 0)
    assert bundle.numeric_version("1.2.3.4.5") == (1, 2, 3, 4)


# -- what the specs leave out ----------------------------------------------------------------


@pytest.mark.parametrize(("dest", "dropped"), [
    # Linux and macOS wheels: PySide6/Qt/…
    ("PySide6/Qt/plugins/platforms/libqxcb.so", False),
    ("PySide6/Qt/plugins/platforms/libqoffscreen.so", False),
    ("PySide6/Qt/plugins/platforms/libqeglfs.so", True),
    ("PySide6/Qt/plugins/imageformats/libqsvg.so", False),
    ("PySide6/Qt/plugins/imageformats/libqpdf.so", True),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", True),
    ("PySide6/Qt/plugins/printsupport/libcupsprintersupport.so", True),
    ("PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so", False),
    ("PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so", True),
    ("PySide6/Qt/translations/qtbase_de.qm", True),
    ("PySide6/Qt/translations/qtwebengine_locales/de.pak", True),
    ("PySide6/Qt/translations/qtwebengine_locales/en-US.pak", False),
    ("PySide6/Qt/resources/qtwebengine_devtools_resources.pak", True),
    ("PySide6/Qt/resources/qtwebengine_resources.pak", False),
    ("PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so", True),
    ("PySide6/Qt/lib/libQt6WebEngineCore.so.6", False),
    # Windows wheels: PySide6/…
    ("PySide6/plugins/platforms/qwindows.dll", False),
    ("PySide6/plugins/imageformats/qpdf.dll", True),
    ("PySide6/plugins/styles/qmodernwindowsstyle.dll", False),
    ("PySide6/translations/qt_fr.qm", True),
    # macOS framework resources
    ("PySide6/Qt/lib/QtWebEngineCore.framework/Resources/qtwebengine_locales/fr.pak", True),
    ("connectors/sandbox/sandbox_basic.yaml", False),
])
def test_unused_qt_files_are_dropped(dest: str, dropped: bool) -> None:
    assert bundle._is_dropped(dest) is dropped


def test_no_unused_qt_binding_is_analysed() -> None:
    excluded = bundle.unused_qt_modules()
    for module in ("Qt3DCore", "QtQuick3D", "QtMultimedia", "QtCharts", "QtDataVisualization",
                   "QtPdf", "QtDesigner", "QtQuick", "QtQml"):
        assert f"PySide6.{module}" in excluded
    for module in bundle.QT_MODULES_USED:
        assert f"PySide6.{module}" not in excluded


def test_the_app_imports_no_qt_module_the_bundle_leaves_out() -> None:
    used = set()
    for path in (ROOT / "workbench").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text()))
    assert used <= bundle.QT_MODULES_USED


def test_symlinks_to_dropped_libraries_go_too() -> None:
    binaries = [("PySide6/Qt/plugins/imageformats/libqpdf.so", "/x/libqpdf.so", "BINARY"),
                ("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
                ("libQt6Core.so.6", "PySide6/Qt/lib/libQt6Core.so.6", "SYMLINK"),
                ("libqpdf.so", "PySide6/Qt/plugins/imageformats/libqpdf.so", "SYMLINK")]
    kept, _datas = bundle.prune(binaries, [])
    assert [e[0] for e in kept if e[2] == "SYMLINK"] == ["libQt6Core.so.6"]


def test_every_keyring_backend_platform_has_hidden_imports() -> None:
    assert "keyring.backends.SecretService" in bundle.KEYRING_IMPORTS["linux"]
    assert "keyring.backends.macOS" in bundle.KEYRING_IMPORTS["darwin"]
    assert "keyring.backends.Windows" in bundle.KEYRING_IMPORTS["win32"]
    assert "win32ctypes.core" in bundle.KEYRING_IMPORTS["win32"]


# -- the Linux package -----------------------------------------------------------------------


def test_the_deb_depends_on_everything_dev_sh_installs_for_qt() -> None:
    """dev.sh's QT_PACKAGES run the app from source; the .deb must bring the same."""
    qt_packages = re.search(r'QT_PACKAGES="([^"]+)"', (ROOT / "dev.sh").read_text())
    assert qt_packages
    wanted = set(qt_packages.group(1).split()) - {"ca-certificates"}
    depends = {alt.strip().split()[0] for d in linux.DEPENDS for alt in d.split("|")}
    assert wanted <= depends
    assert "libasound2 | libasound2t64" in linux.DEPENDS
    for library, _why in bundle.SYSTEM_LIBRARIES.items():  # not bundled: from the system
        assert library.startswith("lib")
    assert linux.depends().startswith("libc6 (>= 2.")


def test_the_desktop_entry_starts_the_installed_gui() -> None:
    path = PACKAGING / "linux/connection-workbench.desktop"
    entry = dict(re.findall(r"^(\w+)=(.*)$", path.read_text(), re.M))
    assert entry["Exec"] == "/opt/connection-workbench/workbench gui %F"
    assert entry["Icon"] == icons.ICON_NAME == bundle.DIST_NAME
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(path)], check=True)


def test_the_launcher_finds_the_bundle_from_any_root(tmp_path: Path) -> None:
    root = tmp_path / "some root"
    app = root / "opt/connection-workbench/workbench"
    app.parent.mkdir(parents=True)
    app.write_text('#!/bin/sh\nprintf "%s|" "$0" "$@"\n')
    app.chmod(0o755)
    launcher = root / "usr/bin/workbench"
    launcher.parent.mkdir(parents=True)
    shutil.copy(PACKAGING / "linux/workbench.sh", launcher)
    link = tmp_path / "bin/workbench"  # e.g. ~/bin/workbench -> the launcher
    link.parent.mkdir()
    link.symlink_to(launcher)
    for program in (launcher, link):
        ran = subprocess.run([str(program), "check", "a b", "--set", "x=1"], capture_output=True,
                             text=True, check=True)
        started, *args = ran.stdout.split("|")[:-1]
        assert os.path.realpath(started) == str(app)
        assert args == ["check", "a b", "--set", "x=1"]


@pytest.mark.parametrize("script", ["linux/workbench.sh", "linux/postinst", "linux/postrm",
                                    "macos/build.sh"])
def test_shell_scripts_parse(script: str) -> None:
    shell = "bash" if script.startswith("macos") else "sh"
    subprocess.run([shell, "-n", str(PACKAGING / script)], check=True)
    assert os.access(PACKAGING / script, os.X_OK)


# -- icons ----------------------------------------------------------------------------------
# With pytest-qt's QApplication: icons.png() would otherwise make a QGuiApplication, and a
# process with one cannot show widgets in the Qt tests that follow.


def test_icons_in_every_hicolor_size(qapp: object, tmp_path: Path) -> None:
    written = icons.write_hicolor(tmp_path)
    assert len(written) == len(icons.HICOLOR_SIZES) + 1
    for size in icons.HICOLOR_SIZES:
        data = (tmp_path / f"{size}x{size}/apps/connection-workbench.png").read_bytes()
        assert struct.unpack(">II", data[16:24]) == (size, size)


def test_the_windows_icon_holds_every_size(qapp: object, tmp_path: Path) -> None:
    icons.write_ico(tmp_path / "w.ico")
    data = (tmp_path / "w.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    for index, size in enumerate(icons.ICO_SIZES):
        width, _h, _c, _r, _p, _bpp, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index:22 + 16 * index])
        assert (width or 256) == size
        png = data[offset:offset + length]
        assert png[:4] == b"\x89PNG" and struct.unpack(">II", png[16:24]) == (size, size)


def test_the_macos_icon_holds_retina_sizes(qapp: object, tmp_path: Path) -> None:
    icons.write_icns(tmp_path / "w.icns")
    data = (tmp_path / "w.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found, offset = {}, 8
    while offset < len(data):
        kind, length = data[offset:offset + 4], struct.unpack(">I", data[offset + 4:offset + 8])[0]
        found[kind] = struct.unpack(">II", data[offset + 24:offset + 32])
        offset += length
    assert found[b"ic10"] == (1024, 1024) and found[b"icp4"] == (16, 16)
    assert set(found) == set(icons.ICNS_TYPES)


# -- Windows and macOS: the recipes we cannot run here ----------------------------------------


@pytest.mark.parametrize("platform", ["linux", "windows", "macos"])
def test_the_specs_share_one_bundle_definition(platform: str) -> None:
    text = (PACKAGING / platform / "workbench.spec").read_text()
    compile(text, f"{platform}/workbench.spec", "exec")
    assert "Analysis(**wb.analysis_options())" in text
    assert "wb.prune(a.binaries, a.datas)" in text
    assert "COLLECT(" in text  # one-folder


def test_windows_has_a_console_cli_and_a_windowed_gui() -> None:
    text = (PACKAGING / "windows/workbench.spec").read_text()
    assert "name=wb.EXE_NAME, console=True" in text
    assert "name=wb.APP_NAME, console=False" in text
    iss = (PACKAGING / "windows/workbench.iss").read_text()
    script = (PACKAGING / "windows/build.ps1").read_text()
    # The installer packs what build.ps1 built, with the icon the spec wrote into PyInstaller's
    # work folder (which is --workpath plus the spec's name).
    dist = re.search(r'"--distpath", "([^"]+)"', script)
    work = re.search(r'"--workpath", "([^"]+)"', script)
    assert dist and work
    assert f"{{#Root}}\\{dist.group(1)}\\workbench\\*" in iss
    assert f"SetupIconFile={{#Root}}\\{work.group(1)}\\workbench\\workbench.ico" in iss
    assert 'ICON = Path(workpath) / "workbench.ico"' in text
    assert 'GuiExe "Connection Workbench.exe"' in iss


def test_macos_signs_with_the_entitlements_qtwebengine_needs() -> None:
    entitlements = plistlib.loads((PACKAGING / "macos/entitlements.plist").read_bytes())
    for key in ("com.apple.security.cs.allow-jit",
                "com.apple.security.cs.allow-unsigned-executable-memory",
                "com.apple.security.cs.disable-library-validation"):
        assert entitlements[key] is True
    spec = (PACKAGING / "macos/workbench.spec").read_text()
    assert "entitlements_file=ENTITLEMENTS" in spec and "BUNDLE(" in spec
    script = (PACKAGING / "macos/build.sh").read_text()
    assert "--options runtime" in script and "QtWebEngineProcess.app" in script
    assert "hdiutil create" in script and "notarytool submit" in script


# -- issue 15: what lintian, desktop menus and dpkg expect --------------------------------------

MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game",
                   "Graphics", "Network", "Office", "Science", "Settings", "System", "Utility"}


def test_the_desktop_entry_has_one_main_category() -> None:
    """Two main categories put the app into two menus (the Desktop Menu Specification)."""
    text = (PACKAGING / "linux/connection-workbench.desktop").read_text()
    categories = re.search(r"^Categories=(.*)$", text, re.M)
    assert categories
    names = [c for c in categories.group(1).split(";") if c]
    assert len(set(names) & MAIN_CATEGORIES) == 1, names


@pytest.mark.parametrize("action", ["remove", "purge"])
def test_removing_the_package_leaves_opt_in_place(tmp_path: Path, action: str) -> None:
    """dpkg deletes /opt with the last package in it (base-files does not own it); postrm puts
    it back. DPKG_ROOT is how dpkg runs maintainer scripts for another root."""
    (tmp_path / "etc/apparmor.d").mkdir(parents=True)
    (tmp_path / "etc/apparmor.d/connection-workbench").write_text("profile\n")
    subprocess.run(["sh", str(PACKAGING / "linux/postrm"), action], check=True,
                   env={"DPKG_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert (tmp_path / "opt").is_dir()
    assert not (tmp_path / "etc/apparmor.d/connection-workbench").exists()
    subprocess.run(["sh", str(PACKAGING / "linux/postrm"), action], check=True,
                   env={"DPKG_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"})  # idempotent


def test_shared_libraries_and_licences_are_not_executable_in_the_package(
        tmp_path: Path) -> None:
    """lintian: shared-library-is-executable, executable-not-elf-or-script (wheels ship both)."""
    elf = b"\x7fELF" + b"\0" * 60
    files = {"lib/libQt6Core.so.6": elf, "lib/_json.cpython-311-x86_64-linux-gnu.so": elf,
             "libpython3.11.so.1.0": elf, "workbench": elf, "QtWebEngineProcess": elf,
             "run.sh": b"#!/bin/sh\n", "qasync.dist-info/LICENSE": b"BSD\n"}
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o755)
    linux._normalize_modes(tmp_path)
    modes = {name: (tmp_path / name).stat().st_mode & 0o777 for name in files}
    assert modes == {"lib/libQt6Core.so.6": 0o644,
                     "lib/_json.cpython-311-x86_64-linux-gnu.so": 0o644,
                     "libpython3.11.so.1.0": 0o644, "workbench": 0o755,
                     "QtWebEngineProcess": 0o755, "run.sh": 0o755,
                     "qasync.dist-info/LICENSE": 0o644}


def test_the_native_package_has_a_changelog(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    linux._write_changelog(tmp_path / "a.gz")
    linux._write_changelog(tmp_path / "b.gz")
    assert (tmp_path / "a.gz").read_bytes() == (tmp_path / "b.gz").read_bytes()  # reproducible
    entry = gzip.decompress((tmp_path / "a.gz").read_bytes()).decode()
    assert entry.startswith(f"connection-workbench ({linux.debian_version(__version__)}) ")
    assert re.search(r"^ -- .+ <.+>  Thu, 01 Jan 2026 00:00:00 \+0000$", entry, re.M), entry
    if shutil.which("dpkg-parsechangelog"):
        (tmp_path / "changelog").write_text(entry)
        parsed = subprocess.run(["dpkg-parsechangelog", "-l", str(tmp_path / "changelog"),
                                 "-S", "Version"], capture_output=True, text=True, check=True)
        assert parsed.stdout.strip() == linux.debian_version(__version__)


def test_the_deb_depends_on_the_packages_of_the_system_libraries_it_leaves_out() -> None:
    depends = [d.strip() for d in linux.depends(["libssl3", "zlib1g", "libglib2.0-0",
                                                 "libx11-6"]).split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    assert "libssl3" in depends and "zlib1g" in depends
    assert depends.count("libglib2.0-0 | libglib2.0-0t64") == 1  # already named: not twice
    assert "libglib2.0-0" not in depends and depends.count("libx11-6") == 1


def test_tarball_users_are_told_the_packages_the_tarball_does_not_carry() -> None:
    Component = components.Component
    carried = [Component("system", name, "1", "x") for name in ("libglib2.0-0", "libx11-6")]
    packages = linux.tarball_packages([*carried, Component("distribution", "certifi", "1", "x")])
    assert "libgl1" in packages and "libnss3" in packages and "libasound2" in packages
    assert "libglib2.0-0" not in packages and "libx11-6" not in packages
    assert all("|" not in p for p in packages)
    readme = (PACKAGING / "linux/README-tarball.txt").read_text()
    assert "sudo apt install {packages}" in readme and "THIRD-PARTY-NOTICES.txt" in readme


def test_runpaths_outside_the_bundle_are_the_ones_dropped() -> None:
    assert elf_paths.foreign_search_paths("/root/.pyenv/versions/3.11.7/lib") == [
        "/root/.pyenv/versions/3.11.7/lib"]
    assert elf_paths.foreign_search_paths("$ORIGIN/:$ORIGIN/Qt/lib:/usr/local/lib") == [
        "/usr/local/lib"]
    assert elf_paths.foreign_search_paths("$ORIGIN/../../lib") == []
    assert elf_paths.foreign_search_paths("") == []


@pytest.mark.parametrize("platform", ["linux", "windows", "macos"])
def test_every_bundle_gets_the_third_party_notice(platform: str) -> None:
    text = (PACKAGING / platform / "workbench.spec").read_text()
    prune = text.index("wb.prune(a.binaries, a.datas)")
    notice = text.index("a.datas += wb.third_party_notice(a, workpath)")
    assert prune < notice < text.index("COLLECT(")


def test_nss_check_files_go_with_the_nss_libraries_taken_from_the_system() -> None:
    """NSS looks for libsoftokn3.chk beside libsoftokn3.so: the bundle has neither."""
    binaries = [("libsoftokn3.so", "/usr/lib/libsoftokn3.so", "BINARY"),
                ("libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY")]
    datas = [("libsoftokn3.chk", "/usr/lib/libsoftokn3.chk", "DATA"),
             ("libfreeblpriv3.chk", "/usr/lib/libfreeblpriv3.chk", "DATA"),
             ("certifi/cacert.pem", "/x/cacert.pem", "DATA")]
    kept_bins, kept_datas = bundle.prune(binaries, datas)
    assert [e[0] for e in kept_bins] == ["libQt6Core.so.6"]
    assert [e[0] for e in kept_datas] == ["certifi/cacert.pem"]
