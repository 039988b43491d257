"""The components of a bundle's third-party notice: one distribution, Debian package or other
part each, with its licence, copyright holders and licence texts. bundle_contents.py decides
which are in a bundle; notice_text.py renders them. Plain data, saved as JSON for build.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any  # PackageMetadata: an email.message.Message, whose .get the stubs lack

HERE = Path(__file__).resolve().parent
STANDARD_TEXTS = HERE / "licenses"  # SPDX id → text, for wheels that ship none (PySide6)
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


@dataclass
class LicenceText:
    title: str
    text: str
    standard: bool = False  # one of STANDARD_TEXTS (shared by several components)


@dataclass
class Component:
    """One origin of bundled files: a distribution, the Python runtime, a Debian package, or a
    part inside one of them (Chromium in PySide6_Addons' Qt WebEngine)."""

    kind: str  # "python", "distribution", "system" or "notice" (a part inside another)
    name: str
    version: str
    license: str
    homepage: str = ""
    copyright: list[str] = field(default_factory=list)
    texts: list[LicenceText] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # its files, relative to _internal/
    source: str = ""  # where its source is published (Debian source package, Qt archives)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- one component each ------------------------------------------------------------------


def distribution(name: str, dests: list[str]) -> Component:
    dist = metadata.distribution(name)
    meta = dist.metadata
    license_ = LICENSE_OVERRIDES.get(canonical(name)) or _license_expression(meta)
    texts = []
    for file in dist.files or ():
        parts = file.parts
        if parts[0].endswith(".dist-info") and ("licenses" in parts[1:-1]
                                                or _LICENSE_FILE.match(parts[-1])):
            text = Path(str(dist.locate_file(file))).read_text(encoding="utf-8", errors="replace")
            texts.append(LicenceText("/".join(parts[1:]), text))
    if not texts:
        texts = _standard_texts(license_)
    holders = _copyright_lines([t for t in texts if not t.standard])
    if not holders:
        holders = [_author(meta) or f"the {name} authors"]
    return Component("distribution", meta["Name"], dist.version, license_, _homepage(meta),
                     holders, texts, dests, _homepage(meta))


def debian_package(package: str, dests: list[str]) -> Component:
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


def chromium(components: list[Component]) -> list[Component]:
    """Qt WebEngine contains Chromium: its licence, and the WebEngine files it is part of
    (notice_text lets this component win over PySide6_Addons for them); [] without it."""
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


def _license_expression(meta: Any) -> str:
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


def _author(meta: Any) -> str:
    author = meta.get("Author") or ""
    if not author:
        emails = meta.get("Author-email") or ""
        author = ", ".join(re.sub(r"\s*<[^>]*>", "", a).strip().strip('"')
                           for a in emails.split(">,"))
    return author.strip()


def _homepage(meta: Any) -> str:
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
