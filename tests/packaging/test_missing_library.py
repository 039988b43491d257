"""A system without a library Qt needs (the .tar.gz on a bare machine): the app names the library
and the package to install instead of "internal error: ImportError: libGL.so.1"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.packaging.recipes import linux
from tests.support.cli import workbench
from workbench.qt.missing_library import debian_package, explain, missing_library

# What the dynamic loader says, through CPython's import of an extension module.
LOADER = "{}: cannot open shared object file: No such file or directory"


@pytest.mark.parametrize(("library", "package"), [
    ("libGL.so.1", "libgl1"), ("libEGL.so.1", "libegl1"),
    ("libglib-2.0.so.0", "libglib2.0-0"), ("libgthread-2.0.so.0", "libglib2.0-0"),
    ("libfontconfig.so.1", "libfontconfig1"), ("libdbus-1.so.3", "libdbus-1-3"),
    ("libxkbcommon.so.0", "libxkbcommon0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libnss3.so", "libnss3"), ("libsmime3.so", "libnss3"), ("libnspr4.so", "libnspr4"),
    ("libXcomposite.so.1", "libxcomposite1"), ("libXtst.so.6", "libxtst6"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libasound.so.2", "libasound2"),
    ("libstdc++.so.6", "libstdc++6"), ("libgcc_s.so.1", "libgcc-s1"),
    ("libX11-xcb.so.1", "libx11-xcb1"), ("libOpenGL.so.0", "libopengl0"),
])
def test_the_debian_package_of_a_library(library: str, package: str) -> None:
    assert debian_package(library) == package


def test_every_library_package_named_is_one_the_deb_depends_on() -> None:
    """The names the message gives are the ones the .deb pulls in (so the README's list and the
    message agree): for each Qt dependency in DEPENDS, its library maps back to it."""
    depends = {alt.strip().split()[0] for entry in linux.DEPENDS for alt in entry.split("|")}
    for library in ("libGL.so.1", "libEGL.so.1", "libglib-2.0.so.0", "libfontconfig.so.1",
                    "libfreetype.so.6", "libdbus-1.so.3", "libxkbcommon.so.0", "libnss3.so",
                    "libnspr4.so", "libXcomposite.so.1", "libXdamage.so.1", "libXrandr.so.2",
                    "libXtst.so.6", "libxkbfile.so.1", "libasound.so.2", "libgbm.so.1",
                    "libdrm.so.2", "libxcb-cursor.so.0", "libxcb-icccm.so.4"):
        assert debian_package(library) in depends, library


def test_the_missing_library_is_read_from_the_loader_message() -> None:
    assert missing_library(ImportError(LOADER.format("libGL.so.1"))) == "libGL.so.1"
    assert missing_library(ImportError(LOADER.format("libnss3.so"))) == "libnss3.so"
    assert missing_library(ImportError("No module named 'PySide6'")) is None
    assert explain(ImportError("cannot import name 'QtCore'")) is None


def test_the_explanation_names_library_and_package() -> None:
    text = explain(ImportError(LOADER.format("libxkbcommon.so.0")))
    assert text is not None
    assert "libxkbcommon.so.0" in text and "sudo apt install libxkbcommon0" in text
    assert "workbench check" in text  # what still works without the library


async def test_the_gui_command_names_the_missing_library_and_its_package(tmp_path: Path) -> None:
    """A PySide6 whose QtGui cannot load libGL (as on a machine without libgl1): a stand-in
    package first on the path raises exactly what the loader raises."""
    fake = tmp_path / "site" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '6.0'\n")
    for module in ("QtCore", "QtGui", "QtWidgets"):
        (fake / f"{module}.py").write_text(f"raise ImportError({LOADER.format('libGL.so.1')!r})\n")
    run = await workbench("gui", "--smoke", env={
        "PYTHONPATH": f"{tmp_path / 'site'}:{Path(__file__).resolve().parents[2]}",
        "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)})
    assert run.code == 2, run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert "libGL.so.1" in run.stderr
    assert re.search(r"sudo apt install libgl1\b", run.stderr), run.stderr
    assert run.stdout == ""
