"""Build the Linux artifacts: the one-folder bundle, a .deb and a .tar.gz (`make package`).

    python packaging/linux/build.py [--out dist] [--work build] [--quick] [--bundle DIR]

1. PyInstaller (packaging/linux/workbench.spec) makes WORK/dist/workbench/, the bundle.
2. The .deb installs it as /opt/connection-workbench, with /usr/bin/workbench, a .desktop entry
   and hicolor icons rendered from resources/icon.svg; it depends on the system libraries Qt
   needs (DEPENDS), so `apt install ./connection-workbench_*.deb` pulls them in.
3. The .tar.gz holds the bundle alone, as connection-workbench-<version>/.

--quick compresses lightly (for tests: seconds instead of ~1.5 minutes); --bundle packs an
existing bundle instead of running PyInstaller. The version is workbench.__version__.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import icons  # noqa: E402
import workbench_bundle as wb  # noqa: E402

ROOT = wb.ROOT
PACKAGE = wb.DIST_NAME
INSTALL_DIR = Path("opt") / PACKAGE
MAINTAINER = os.environ.get("DEB_MAINTAINER",
                            "Connection Workbench team <workbench@connection-workbench.invalid>")
# The system libraries the bundle loads from the system (../shared/reference/stack.md, plus
# workbench_bundle.SYSTEM_LIBRARIES). "a | b": Ubuntu 24.04 renamed some for 64-bit time_t.
DEPENDS = [
    "libstdc++6", "libgcc-s1", "libgl1", "libegl1", "libgbm1", "libdrm2",
    "libglib2.0-0 | libglib2.0-0t64", "libfontconfig1", "libfreetype6", "libdbus-1-3",
    "libxkbcommon0", "libnss3", "libnspr4", "libxcomposite1", "libxdamage1", "libxrandr2",
    "libxtst6", "libxkbfile1", "libasound2 | libasound2t64",
    # visible windows: Qt's xcb platform, and Wayland's
    "libx11-6", "libxcb1", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-keysyms1", "libxcb-shape0", "libwayland-client0", "libwayland-cursor0",
    "libwayland-egl1",
]
LONG_DESCRIPTION = """\
Connection Workbench loads connector configurations, runs their auth flows (API keys,
Basic, bearer tokens, OAuth 2 with an embedded login browser, vendor schemes) and shows
what happened: redacted requests, tokens, webhooks and a verdict with a hint.
.
The package installs the desktop app under /opt/connection-workbench and the `workbench`
command (check, validate, sandbox, authorize) on the PATH."""


def debian_version(version: str) -> str:
    """PEP 440 → Debian, in the same order: `~` sorts before anything, so pre-releases get one
    (1.0rc1 → 1.0~rc1) and dev releases, which come before those, two (1.0.dev1 → 1.0~~dev1)."""
    public, plus, local = version.partition("+")
    public = re.sub(r"(?<=\d)[.-]?dev(\d*)", r"~~dev\1", public)
    public = re.sub(r"(?<=\d)[.-]?(a|b|rc)(\d*)", r"~\1\2", public)
    return public + plus + local


def deb_architecture() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True,
                          text=True).stdout.strip()


def depends() -> str:
    """DEPENDS, with the glibc the bundle was built against as the oldest one it runs on."""
    libc, glibc = platform.libc_ver()
    if libc != "glibc" or not glibc:
        raise SystemExit("build on a glibc system (Debian, Ubuntu)")
    return ", ".join([f"libc6 (>= {glibc})", *DEPENDS])


def build_bundle(work: Path) -> Path:
    """Run PyInstaller; returns the bundle folder."""
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(dist),
                    "--workpath", str(work / "pyinstaller"), str(HERE / "workbench.spec")],
                   check=True, cwd=ROOT)
    return dist / wb.EXE_NAME


def stage_deb(bundle: Path, root: Path) -> None:
    """The package's file tree under `root`, DEBIAN/ included."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / INSTALL_DIR, symlinks=True)
    _install(HERE / "workbench.sh", root / "usr/bin/workbench", 0o755)
    _install(HERE / f"{PACKAGE}.desktop", root / f"usr/share/applications/{PACKAGE}.desktop")
    icons.write_hicolor(root / "usr/share/icons/hicolor")
    _install(HERE / "apparmor-profile", root / f"usr/share/{PACKAGE}/apparmor-profile")
    doc = root / f"usr/share/doc/{PACKAGE}/copyright"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(f"{wb.APP_NAME} {wb.version()}\nLicense: proprietary.\nBundles Python "
                   "(PSF License), Qt and PySide6 (LGPL-3.0), QtWebEngine/Chromium (LGPL-3.0 "
                   "and BSD-style) and Python libraries under their own licenses (see the "
                   f"*.dist-info folders in /{INSTALL_DIR}/_internal).\n")
    _normalize_modes(root)
    control = root / "DEBIAN"
    control.mkdir()
    for script in ("postinst", "postrm"):
        _install(HERE / script, control / script, 0o755)
    installed_kib = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir()) // 1024
    synopsis = _pyproject_description().split(":")[0]
    description = "\n".join(" " + line for line in LONG_DESCRIPTION.splitlines())
    (control / "control").write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {debian_version(wb.version())}\n"
        f"Architecture: {deb_architecture()}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends()}\n"
        "Section: devel\n"
        "Priority: optional\n"
        f"Description: {synopsis}\n{description}\n")


def build_deb(root: Path, out: Path, quick: bool) -> Path:
    deb = out / f"{PACKAGE}_{debian_version(wb.version())}_{deb_architecture()}.deb"
    compression = ["-Zzstd", "-z3"] if quick else ["-Zxz", "-z6"]
    subprocess.run(["dpkg-deb", "--root-owner-group", *compression, "--build", str(root),
                    str(deb)], check=True, stdout=subprocess.DEVNULL)
    return deb


def build_tarball(bundle: Path, out: Path, quick: bool) -> Path:
    """The bundle alone, as connection-workbench-<version>/ (run ./workbench inside)."""
    top = f"{PACKAGE}-{wb.version()}"
    machine = platform.machine() or "unknown"
    tarball = out / f"{top}-linux-{machine}.tar.gz"
    gzip = "gzip -1" if quick else "gzip -6"
    subprocess.run(["tar", "--create", "--file", str(tarball), f"--use-compress-program={gzip}",
                    "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
                    f"--transform=s,^{bundle.name},{top},S", "-C", str(bundle.parent),
                    bundle.name], check=True)
    return tarball


def _install(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _normalize_modes(root: Path) -> None:
    """0755 for folders and executables, 0644 for the rest, whatever the umask was."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or path.stat().st_mode & 0o111
        path.chmod(0o755 if executable else 0o644)


def _pyproject_description() -> str:
    import tomllib  # Python 3.11+, as is building the installers

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["description"])


def _megabytes(path: Path) -> float:
    if path.is_dir():
        return sum(p.lstat().st_size for p in path.rglob("*")) / 1e6
    return path.stat().st_size / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="where the .deb and "
                        ".tar.gz go (default dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's and the "
                        "package's staging folder (default build/)")
    parser.add_argument("--bundle", type=Path, help="pack this bundle instead of building one")
    parser.add_argument("--quick", action="store_true", help="light compression (tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    bundle = args.bundle or build_bundle(args.work)
    bundled = time.monotonic()
    stage_deb(bundle, args.work / "deb-root")
    deb = build_deb(args.work / "deb-root", args.out, args.quick)
    tarball = build_tarball(bundle, args.out, args.quick)
    with (args.out / "SHA256SUMS").open("w") as sums:
        for artifact in (deb, tarball):
            digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
            sums.write(f"{digest}  {artifact.name}\n")
    print(f"bundle   {bundle}  {_megabytes(bundle):.0f} MB  ({bundled - started:.0f} s)")
    print(f"deb      {deb}  {_megabytes(deb):.0f} MB")
    print(f"tar.gz   {tarball}  {_megabytes(tarball):.0f} MB")
    print(f"built in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
