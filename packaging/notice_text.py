"""The third-party notice, rendered from bundle_contents' components: THIRD-PARTY-NOTICES.txt
(in every bundle, shown by Help ▸ About) and the .deb's machine-readable copyright file (DEP-5,
https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).

Both carry the written source offer for the LGPL parts (Qt, PySide6, shiboken6, Qt WebEngine
with Chromium, and in the tarball the LGPL system libraries) and every licence text.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Iterable
from pathlib import PurePosixPath

from components import Component

NOTICE_NAME = "THIRD-PARTY-NOTICES.txt"  # in the bundle's _internal/ (About reads it there)
APP_LICENSE = "LicenseRef-Proprietary"
DEP5_FORMAT = "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"


# Full licence texts Debian keeps in /usr/share/common-licenses: the copyright file points there
# instead of repeating them (Debian Policy 12.5). (name, first lines, last words of the text)
_COMMON_LICENSES = [
    ("Apache-2.0", r"Apache License\s+Version 2\.0, January 2004",
     r"END OF TERMS AND CONDITIONS(?:\s*APPENDIX:.*?limitations under the License\.)?"),
    ("GPL-2", r"GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991",
     r"END OF TERMS AND CONDITIONS(?:\s*How to Apply These Terms.*?"
     r"Public License instead of this License\.)?"),
    ("GPL-3", r"GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007",
     r"END OF TERMS AND CONDITIONS(?:\s*How to Apply These Terms.*?why-not-lgpl\.html>\.)?"),
    ("LGPL-3", r"GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007",
     r"permanent authorization for you to choose that\s+version\s+for\s+the\s+Library\."),
]


def refer_to_common_licenses(text: str) -> str:
    """`text` with every full GPL-2/GPL-3/LGPL-3/Apache-2.0 text replaced by a pointer to its
    copy in /usr/share/common-licenses (what precedes and follows it, such as PyInstaller's
    bootloader exception, stays)."""
    for name, start, end in _COMMON_LICENSES:
        text = re.sub(rf"[ \t]*{start}.*?{end}",
                      f"On Debian systems, the complete text of this licence is in "
                      f"/usr/share/common-licenses/{name}.", text, flags=re.S)
    return text


def qt_version(components: list[Component]) -> str:
    return next((c.version for c in components if c.name == "PySide6"), "")


def source_offer(components: list[Component], contact: str) -> str:
    """Where the source of the LGPL parts is, and the written offer (LGPL-3 §4, GPL-3 §6)."""
    qt = qt_version(components) or "<version>"
    major_minor = ".".join(qt.split(".")[:2])
    chromium = next((c.version for c in components if c.kind == "notice"), "")
    systems = [c for c in components if c.kind == "system"]
    lines = [
        f"Qt {qt}, PySide6 and shiboken6 {qt} and Qt WebEngine {qt}"
        + (f" (with Chromium {chromium})" if chromium else "")
        + " are used under the GNU Lesser General Public License version 3; parts of "
        "Chromium are under the LGPL version 2.1.",
        "They are ordinary shared libraries in the bundle's _internal/PySide6/ folder, loaded "
        "from there at start: you may replace them with your own builds of the same version.",
        "Their complete corresponding source code is published by The Qt Company:",
        f"  https://download.qt.io/official_releases/QtForPython/pyside6/PySide6-{qt}-src/",
        f"  https://download.qt.io/official_releases/qt/{major_minor}/{qt}/submodules/"
        " (qtbase, qtdeclarative, qtsvg, qtwayland, qtwebchannel, qtwebengine)",
    ]
    if systems:
        lines.append("The system libraries listed below come from Debian packages; the source "
                     "of each is at the sources.debian.org address given with it, and through "
                     "apt-get source.")
    lines.append("For at least three years after we last distribute this version, we will also "
                 "give anyone who has a copy of it that source code, on request and for no "
                 "more than the cost of providing it. Write to:")
    lines.append(f"  {contact}")
    return "\n".join(lines)


# -- THIRD-PARTY-NOTICES.txt ----------------------------------------------------------------


def render_text(components: list[Component], *, app: str, version: str, contact: str) -> str:
    """The human-readable notice: an index, the source offer, then each component with its
    licence texts (a text several components share is printed once)."""
    order = {"python": 0, "distribution": 1, "notice": 2, "system": 3}
    components = sorted(components, key=lambda c: (order[c.kind], c.name.lower()))
    title = f"{app} {version}: third-party software and licences"
    parts = [title, "=" * len(title), "",
             _wrap(f"{app} is proprietary software. This copy contains the third-party software "
                   "listed below, each part under its own licence; every licence text follows "
                   "in full. Nothing here limits the rights those licences give you."), "",
             "Source code offer", "-----------------", _wrap_lines(source_offer(components,
                                                                                    contact)),
             "", "Contents", "--------"]
    width = max(len(f"{c.name} {c.version}") for c in components) + 2
    for kind, heading in (("python", "Python"), ("distribution", "Python distributions"),
                          ("notice", "Inside Qt WebEngine"),
                          ("system", "System libraries (from Debian packages)")):
        listed = [c for c in components if c.kind == kind]
        if listed:
            parts.append(f"{heading}:")
            parts += [f"  {(c.name + ' ' + c.version).ljust(width)}{c.license}" for c in listed]
    parts += ["", _wrap(
        "Chromium includes code from many projects, each under its own licence (BSD, MIT, "
        "Apache-2.0, LGPL-2.1, MPL-2.0 and others), and Qt includes third-party code too. "
        "Their notices are part of the Qt and Qt WebEngine source archives above (every "
        "third_party/*/LICENSE with its README.chromium, and qt_attribution.json); Qt lists "
        f"them at https://doc.qt.io/qt-{qt_version(components).split('.')[0] or '6'}/"
        "qtwebengine-licensing.html and licenses-used-in-qt.html.")]
    printed: dict[str, str] = {}
    for component in components:
        parts += ["", "", f"=== {component.name} {component.version} ===",
                  f"Licence: {component.license}"]
        if component.copyright:
            parts.append("Copyright: " + "; ".join(component.copyright))
        for label, value in (("Homepage", component.homepage),
                             ("Source", component.source if component.kind != "distribution"
                              else "")):
            if value:
                parts.append(f"{label}: {value}")
        for text in component.texts:
            digest = hashlib.sha256(text.text.encode()).hexdigest()
            if digest in printed:
                parts += ["", f"--- {text.title}: the same text as for {printed[digest]} ---"]
                continue
            printed[digest] = f"{component.name} {component.version}"
            parts += ["", f"--- {text.title} ---", text.text.rstrip()]
    return "\n".join(parts) + "\n"


def _wrap(text: str) -> str:
    return textwrap.fill(text, 96)


def _wrap_lines(text: str) -> str:
    return "\n".join(line if line.startswith("  ") else _wrap(line) for line in text.splitlines())


# -- DEP-5 ------------------------------------------------------------------------------------


def render_dep5(components: list[Component], *, app: str, install_dir: str, contact: str,
                bundle_files: Iterable[str]) -> str:
    """/usr/share/doc/<package>/copyright: the app, one Files paragraph per component by where
    its files are in the installed bundle, the executable, then the standard licence texts."""
    prefix = f"{install_dir}/_internal"
    owners = {f: c.name for c in components for f in c.files}  # a later component wins
    everything = set(bundle_files)
    paragraphs = [_fields(
        ("Format", DEP5_FORMAT), ("Upstream-Name", app), ("Upstream-Contact", contact),
        ("Source", "proprietary; for the sources of the LGPL parts see the Comment"),
        ("Comment", source_offer(components, contact)))]
    paragraphs.append(_fields(
        ("Files", "*"), ("Copyright", f"the {app} authors"),
        ("License", f"{APP_LICENSE}\n{app} is proprietary software: all rights reserved.")))
    standard: dict[str, str] = {}
    for component in components:
        patterns = [f"{prefix}/{p}" for p in _patterns(component.name, owners, everything)]
        if not patterns:
            continue  # nothing on disk (a distribution is always there by its metadata)
        license_ = _dep5_license(component.license)
        if component.texts and all(t.standard for t in component.texts):
            standard.update((t.title, t.text) for t in component.texts)
            body = license_
        else:
            body = license_ + "\n" + "\n\n".join(refer_to_common_licenses(t.text).rstrip()
                                                 for t in component.texts)
        paragraphs.append(_fields(
            ("Files", "\n".join(patterns)),
            ("Copyright", "\n".join(component.copyright) or f"the {component.name} authors"),
            ("License", body),
            ("Comment", f"{component.name} {component.version}"
             + (f", {component.homepage}" if component.homepage else ""))))
    in_archive = [c for c in components if c.kind in {"python", "distribution"}]
    paragraphs.append(_fields(  # last, so it wins over "*"
        ("Files", f"{install_dir}/workbench"),
        ("Copyright", "\n".join(dict.fromkeys(
            [f"the {app} authors", *(c.copyright[0] for c in in_archive if c.copyright)]))),
        ("License", " and ".join(dict.fromkeys(
            [APP_LICENSE, *(_dep5_license(c.license) for c in in_archive)]))
         + "\n" + _wrap("The executable holds PyInstaller's bootloader and an archive of Python "
                        f"modules: {app}'s, the Python standard library's and those of the "
                        "Python distributions above. Each part is under the licence its own "
                        "paragraph above gives, with the full text there."))))
    for name, text in standard.items():
        paragraphs.append(_fields(("License", f"{name}\n{refer_to_common_licenses(text)}")))
    return "\n\n".join(paragraphs) + "\n"


def _dep5_license(expression: str) -> str:
    """An SPDX expression in DEP-5 spelling (lower-case operators, no spaces in names)."""
    text = re.sub(r"\s+(OR|AND)\s+", lambda m: f" {m.group(1).lower()} ", expression)
    return re.sub(r"\s+WITH\s+", " with ", text).replace("(", "").replace(")", "")


def _patterns(name: str, owners: dict[str, str], everything: set[str]) -> list[str]:
    """The fewest `dir/*` and file patterns that match `name`'s files and nobody else's."""
    mixed = {str(parent) for path in everything if owners.get(path) != name
             for parent in PurePosixPath(path).parents}
    found = set()
    for path in sorted(p for p, owner in owners.items() if owner == name):
        top = path
        for parent in PurePosixPath(path).parents:
            if str(parent) in mixed or str(parent) == ".":
                break
            top = f"{parent}/*"
        found.add(top)
    return sorted(found)


def _fields(*pairs: tuple[str, str]) -> str:
    """A deb822 paragraph: continuation lines start with a space, empty ones are " ."."""
    lines = []
    for key, value in pairs:
        first, *rest = value.splitlines() or [""]
        lines.append(f"{key}: {first}".rstrip())
        lines += [" " + (line.rstrip() if line.strip() else ".") for line in rest]
    return "\n".join(lines)
