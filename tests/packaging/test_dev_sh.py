"""dev.sh on a fresh Debian or Ubuntu: PyInstaller needs the Python shared library, which the
distributions' python3 keeps in a package of its own (libpython3.X, libpython3.X t64 on
Ubuntu 24.04). dev.sh runs here with stand-ins for apt and for the Python it finds, so the
package it asks for can be checked for each kind of Python; the real apt does it in the fresh
Debian root (docs/packaging.md, "Verified")."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$LOG"
case " $* " in *" install "*)
  for word in "$@"; do case "$word" in libpython*) touch "$LIBRARY";; esac; done;;
esac
exit 0
"""
FAKE_APT_CACHE = """#!/bin/sh
# apt-cache policy NAME: a candidate only for the names in $CANDIDATES
for name in $CANDIDATES; do
  [ "$name" = "$2" ] && { echo "  Candidate: 1.0"; exit 0; }
done
echo "  Candidate: (none)"
"""
FAKE_PYTHON = """#!/bin/sh
# The Python dev.sh finds: its version, shared library and prefix; it stops at making the venv.
case "$2" in
  *sysconfig*) echo "$VERSION $LIBRARY $PREFIX";;
  *ensurepip*) exit 0;;
esac
[ "$1" = -m ] && [ "$2" = venv ] && { echo "stand-in: no venv" >&2; exit 3; }
exit 0
"""


@dataclass
class Ran:
    code: int
    stderr: str
    apt: list[str]


@pytest.fixture
def run_dev_sh(tmp_path: Path) -> Callable[..., Ran]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("apt-get", FAKE_APT_GET), ("apt-cache", FAKE_APT_CACHE),
                       ("python3", FAKE_PYTHON), ("sudo", '#!/bin/sh\nexec "$@"\n'),
                       ("dpkg-query", "#!/bin/sh\nexit 1\n")):  # nothing installed yet
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)

    def run(version: str, prefix: str, candidates: str, library_exists: bool = False) -> Ran:
        library = tmp_path / "lib" / f"libpython{version}.so.1.0"
        library.parent.mkdir(exist_ok=True)
        if library_exists:
            library.touch()
        log = tmp_path / "apt.log"
        log.write_text("")
        ran = subprocess.run(
            ["bash", str(ROOT / "dev.sh"), "package"], capture_output=True, text=True,
            timeout=60, cwd=tmp_path,
            env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path),
                 "WORKBENCH_VENV": str(tmp_path / "venv"), "LOG": str(log),
                 "LIBRARY": str(library), "VERSION": version, "PREFIX": prefix,
                 "CANDIDATES": candidates})
        return Ran(ran.returncode, ran.stderr, log.read_text().splitlines())

    return run


def installs(ran: Ran) -> list[str]:
    return [word for line in ran.apt if " install " in f" {line} " for word in line.split()
            if word.startswith("libpython")]


def test_debians_python_gets_its_libpython_package(run_dev_sh: Callable[..., Ran]) -> None:
    ran = run_dev_sh("3.11", "/usr", "libpython3.11 libpython3.12")
    assert installs(ran) == ["libpython3.11"]
    assert "PyInstaller needs" not in ran.stderr
    assert "stand-in: no venv" in ran.stderr  # went on to make the venv


def test_ubuntu_24_04_gets_the_t64_package(run_dev_sh: Callable[..., Ran]) -> None:
    ran = run_dev_sh("3.12", "/usr", "libpython3.12t64")
    assert installs(ran) == ["libpython3.12t64"]
    assert "PyInstaller needs" not in ran.stderr


def test_a_python_with_its_shared_library_needs_nothing(run_dev_sh: Callable[..., Ran]) -> None:
    ran = run_dev_sh("3.11", "/root/.pyenv/versions/3.11.7", "libpython3.11",
                     library_exists=True)
    assert installs(ran) == []
    assert "stand-in: no venv" in ran.stderr


def test_a_self_built_static_python_is_told_what_to_do(run_dev_sh: Callable[..., Ran]) -> None:
    ran = run_dev_sh("3.11", "/usr/local", "libpython3.11")
    assert ran.code == 1
    assert installs(ran) == []  # Debian's libpython would not match a Python in /usr/local
    assert "--enable-shared" in ran.stderr and "libpython3.11.so.1.0" in ran.stderr
