"""The third-party notice's facts and formats, without building (fast): licences of the real
installed distributions, the refusal of strays and unlicensed ones, the DEP-5 copyright file
the .deb ships, and the pointers to Debian's common licences."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.packaging.recipes import PACKAGING, load

parts = load(PACKAGING / "components.py", "components")
contents = load(PACKAGING / "bundle_contents.py", "bundle_contents")
notice = load(PACKAGING / "notice_text.py", "notice_text")
Component, LicenceText = parts.Component, parts.LicenceText


def test_the_runtime_dependencies_are_the_apps_and_not_the_test_tools() -> None:
    runtime = contents.runtime_dependencies()
    for needed in ("connection-workbench", "httpx", "certifi", "idna", "pyside6",
                   "pyside6-essentials", "shiboken6", "pydantic-core", "yarl", "multidict"):
        assert needed in runtime, needed
    for tool in ("pytest", "pygments", "ruff", "mypy", "pyinstaller", "pip", "setuptools"):
        assert tool not in runtime, tool


@pytest.mark.parametrize(("name", "licence", "phrase"), [
    ("certifi", "MPL-2.0", "Mozilla Public License"),
    ("yarl", "Apache-2.0", "Apache License"),
    ("idna", "BSD-3-Clause", "Redistribution and use"),
    ("pydantic_core", "MIT", "Permission is hereby granted"),
])
def test_a_distribution_brings_its_own_licence_text(name: str, licence: str,
                                                    phrase: str) -> None:
    component = parts.distribution(name, [])
    assert component.license == licence
    assert component.texts and any(phrase in t.text for t in component.texts)
    assert component.copyright and component.copyright[0]


def test_pyside_without_licence_files_gets_the_standard_lgpl_and_gpl_texts() -> None:
    for name in ("PySide6", "PySide6_Essentials", "shiboken6"):
        component = parts.distribution(name, [])
        assert component.license == "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"
        titles = [t.title for t in component.texts]
        assert titles == ["LGPL-3.0-only", "GPL-2.0-only", "GPL-3.0-only"]
        assert "GNU LESSER GENERAL PUBLIC LICENSE" in component.texts[0].text
        assert all(t.standard for t in component.texts)


def the_apps_dependencies() -> list[Any]:
    return [parts.distribution(name, []) for name in contents.direct_dependencies()]


def test_the_apps_own_dependencies_pass() -> None:
    contents.check(the_apps_dependencies())


def test_a_stray_distribution_stops_the_build() -> None:
    """pygments comes with pytest into a dev venv; the app never imports it."""
    stray = parts.distribution("pygments", ["pygments/lexers/_mapping.py"])
    with pytest.raises(SystemExit, match=r"(?is)pygments.*clean venv"):
        contents.check([*the_apps_dependencies(), stray])


def test_a_distribution_without_licence_stops_the_build() -> None:
    unlicensed = Component("distribution", "idna", "3.0", "BSD-3-Clause")
    with pytest.raises(SystemExit, match="no licence text for bundled idna"):
        contents.check([*the_apps_dependencies(), unlicensed])


def test_files_traced_to_no_distribution_stop_the_build() -> None:
    """A venv inside the checkout once made every file look like the app's own: the notice
    came out with no distribution at all."""
    with pytest.raises(SystemExit, match=r"not traced to .*httpx.*pyside6"):
        contents.check([c for c in the_apps_dependencies() if c.name not in {"httpx", "PySide6"}])


def test_the_python_runtime_is_recognised() -> None:
    import json

    runtime = contents._python_runtime()
    assert runtime.contains(str(Path(json.__file__).resolve()))
    python = runtime.component(["python3.11/lib-dynload/_json.so"])
    assert python.license == "PSF-2.0"
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in python.texts[0].text


# -- the formats -------------------------------------------------------------------------------


def sample() -> list[Any]:
    lgpl = LicenceText("LGPL-3.0-only", (PACKAGING / "licenses/LGPL-3.0-only.txt").read_text(),
                       standard=True)
    gpl = LicenceText("GPL-3.0-only", (PACKAGING / "licenses/GPL-3.0-only.txt").read_text(),
                      standard=True)
    apache = parts.distribution("yarl", ["yarl/_quoting_c.so",
                                             "yarl-1.dist-info/licenses/LICENSE"])
    return [
        Component("python", "Python", "3.11.2", "PSF-2.0", copyright=["PSF"],
                  texts=[LicenceText("Python license", "PSF LICENSE AGREEMENT")],
                  files=["python3.11/lib-dynload/_json.so", "base_library.zip"]),
        Component("distribution", "PySide6_Essentials", "6.11.3",
                  "LGPL-3.0-only OR GPL-3.0-only", copyright=["Qt for Python Team"],
                  texts=[lgpl, gpl], files=["PySide6/Qt/lib/libQt6Core.so.6",
                                            "PySide6/QtCore.abi3.so"]),
        Component("distribution", "PySide6_Addons", "6.11.3", "LGPL-3.0-only OR GPL-3.0-only",
                  copyright=["Qt for Python Team"], texts=[lgpl, gpl],
                  files=["PySide6/Qt/lib/libQt6WebEngineCore.so.6"]),
        apache,
        Component("system", "zlib1g", "1:1.2.13", "see its Debian copyright file",
                  copyright=["Jean-loup Gailly"], texts=[LicenceText("copyright", "zlib text")],
                  files=["libz.so.1"], source="Debian source package zlib 1:1.2.13"),
    ]


def paragraphs(dep5: str) -> list[dict[str, str]]:
    found = []
    for block in dep5.strip().split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith(" "):
                fields[key] += "\n" + line[1:]
            else:
                key, _colon, value = line.partition(": ")
                fields[key] = value
        found.append(fields)
    return found


def test_the_deb_copyright_file_is_machine_readable() -> None:
    components = [c for c in sample() if c.kind != "system"]
    files = [f for c in components for f in c.files] + ["connection_workbench.egg-info/PKG"]
    dep5 = notice.render_dep5(components, app="Connection Workbench",
                              install_dir="opt/connection-workbench", contact="Team <t@x.test>",
                              bundle_files=files)
    found = paragraphs(dep5)
    assert found[0]["Format"] == notice.DEP5_FORMAT
    assert "download.qt.io" in found[0]["Comment"] and "Team <t@x.test>" in found[0]["Comment"]
    files_paragraphs = [p for p in found if "Files" in p]
    assert files_paragraphs[0]["Files"] == "*"
    assert files_paragraphs[-1]["Files"] == "opt/connection-workbench/workbench"
    by_comment = {p["Comment"].split(",")[0]: p for p in files_paragraphs if "Comment" in p}
    pyside = by_comment["PySide6_Essentials 6.11.3"]
    # the directory is Essentials' alone; the Qt lib folder is shared with Addons
    assert pyside["Files"].split() == [
        "opt/connection-workbench/_internal/PySide6/Qt/lib/libQt6Core.so.6",
        "opt/connection-workbench/_internal/PySide6/QtCore.abi3.so"]
    assert by_comment["Python 3.11.2"]["Files"].split() == [
        "opt/connection-workbench/_internal/base_library.zip",
        "opt/connection-workbench/_internal/python3.11/*"]
    # Every licence named has its text: inline, or in a stand-alone License paragraph.
    standalone = {p["License"].split("\n")[0] for p in found if "Files" not in p and
                  "License" in p}
    for paragraph in files_paragraphs:
        assert paragraph.get("Copyright"), paragraph
        name, *text = paragraph["License"].split("\n")
        if not text:
            for licence in re.split(r" (?:and|or|with) ", name):
                assert licence in standalone or licence == "LicenseRef-Proprietary", licence
    assert standalone == {"LGPL-3.0-only", "GPL-3.0-only"}
    assert "zlib" not in dep5  # the .deb's copyright file is about what the .deb holds


def test_the_copyright_file_points_to_debians_common_licences() -> None:
    """Debian Policy 12.5 (lintian: copyright-file-contains-full-gpl/apache-2-license)."""
    components = [c for c in sample() if c.kind != "system"]
    dep5 = notice.render_dep5(components, app="CW", install_dir="opt/cw", contact="x",
                              bundle_files=[f for c in components for f in c.files])
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" not in dep5
    assert "GNU GENERAL PUBLIC LICENSE" not in dep5
    assert "/usr/share/common-licenses/LGPL-3" in dep5
    assert "/usr/share/common-licenses/GPL-3" in dep5
    assert "/usr/share/common-licenses/Apache-2.0" in dep5


def test_only_the_standard_text_is_replaced() -> None:
    """PyInstaller's COPYING: its bootloader exception stays, the GPL-2 text goes."""
    from importlib import metadata

    copying = next(f for f in metadata.distribution("pyinstaller").files or ()
                   if f.name == "COPYING.txt")
    text = Path(str(metadata.distribution("pyinstaller").locate_file(copying))).read_text()
    shortened = notice.refer_to_common_licenses(text)
    assert "Bootloader Exception" in shortened
    assert "/usr/share/common-licenses/GPL-2" in shortened
    assert "TERMS AND CONDITIONS FOR COPYING, DISTRIBUTION AND MODIFICATION" not in shortened


def test_the_text_notice_lists_everything_and_prints_a_shared_text_once() -> None:
    text = notice.render_text(sample(), app="Connection Workbench", version="1.0",
                              contact="Team <t@x.test>")
    assert text.startswith("Connection Workbench 1.0: third-party software and licences")
    for heading in ("=== Python 3.11.2 ===", "=== PySide6_Essentials 6.11.3 ===",
                    "=== yarl ", "=== zlib1g 1:1.2.13 ==="):
        assert heading in text
    assert text.count("GNU LESSER GENERAL PUBLIC LICENSE") == 1  # Essentials and Addons share it
    assert re.search(r"LGPL-3.0-only: the same text as for PySide6_\w+ 6.11.3", text)
    assert "Write to: Team <t@x.test>" in " ".join(text.split())
    assert "sources.debian.org" in text  # system libraries: where their source is
    assert text.index("=== Python") < text.index("=== PySide6") < text.index("=== zlib1g")
