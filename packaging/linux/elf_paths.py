"""No build-machine paths in the bundle's binaries: RUNPATH/RPATH entries that point outside
the bundle (a self-built Python's `/root/.pyenv/…/lib` in every lib-dynload module) are dropped
with patchelf; `$ORIGIN`-relative ones stay, they are how Qt finds its own libraries.

    python packaging/linux/elf_paths.py BUNDLE   # prints what it changed
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def elf_files(folder: Path) -> list[Path]:
    """Every ELF file under `folder` (symlinks not followed)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as stream:
                if stream.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def foreign_search_paths(runpath: str) -> list[str]:
    """The entries of a RUNPATH that are not relative to the binary ($ORIGIN)."""
    return [entry for entry in runpath.split(":")
            if entry and not entry.startswith(("$ORIGIN", "${ORIGIN}"))]


def clean_runpaths(folder: Path) -> list[Path]:
    """Drop foreign RUNPATH/RPATH entries from every ELF file in `folder`; returns the changed
    files. Needs patchelf (Debian package patchelf; ./dev.sh package installs it)."""
    patchelf = shutil.which("patchelf")
    if patchelf is None:
        raise SystemExit("patchelf is needed to clean RUNPATHs: apt install patchelf")
    changed = []
    for path in elf_files(folder):
        runpath = subprocess.run([patchelf, "--print-rpath", str(path)], capture_output=True,
                                 text=True).stdout.strip()
        foreign = foreign_search_paths(runpath)
        if not foreign:
            continue
        kept = [e for e in runpath.split(":") if e and e not in foreign]
        command = ["--set-rpath", ":".join(kept)] if kept else ["--remove-rpath"]
        subprocess.run([patchelf, *command, str(path)], check=True)
        changed.append(path)
    return changed


if __name__ == "__main__":
    for changed in clean_runpaths(Path(sys.argv[1])):
        print(changed)
