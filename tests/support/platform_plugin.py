"""The example platform of docs/platforms.md, installed as pip would leave a package: its
modules and a dist-info with the entry point, on a folder put first on sys.path. The code is
taken from the page, so the page stays true."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.cli import ROOT
from workbench.core.platforms.registry import reload_platforms

DOC = (ROOT / "docs" / "platforms.md").read_text()
PACKAGE = "acme_platform"


def blocks(language: str) -> list[str]:
    """The page's code blocks in `language`, in order."""
    found = re.findall(rf"```{language}\n(.*?)```", DOC, re.S)
    assert found, f"docs/platforms.md has no {language} example"
    return [str(block) for block in found]


def entry_points_txt(pyproject: str) -> str:
    """The dist-info entry_points.txt pip writes for a pyproject's entry-point tables."""
    text = re.sub(r'^\[project\.entry-points\."([^"]+)"\]$', r"[\1]", pyproject, flags=re.M)
    return re.sub(r'^(\S+) = "([^"]*)"$', r"\1 = \2", text, flags=re.M)


def write_package(site: Path, entry_points: str, broken: str = "") -> None:
    """The example's modules (each block names its file in its first line) and metadata;
    `broken` replaces the core module's text."""
    for block in blocks("python"):
        name = block.splitlines()[0].removeprefix("# ").strip()
        assert name.startswith(PACKAGE + "/"), f"a python block names no file: {name!r}"
        target = site / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(broken if broken and name.endswith("__init__.py") else block)
    info = site / f"{PACKAGE}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-platform\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@contextmanager
def installed(site: Path, broken: str = "") -> Iterator[Path]:
    """The example installed for this process (and for subprocesses given PYTHONPATH=site)."""
    write_package(site, entry_points_txt(blocks("toml")[0]), broken)
    sys.path.insert(0, str(site))
    reload_platforms()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for module in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[module]
        reload_platforms()


def account_text(base_url: str = "") -> str:
    """The page's account file, pointed at `base_url` when one is given."""
    text = blocks("yaml")[0]
    return text.replace("https://api.acme.example", base_url) if base_url else text
