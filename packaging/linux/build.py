"""Build the Linux artifacts: the one-folder bundle, a .deb and a .tar.gz (`make package`).

    python packaging/linux/build.py [--out dist] [--work build] [--quick] [--bundle DIR]

Run it with a clean venv's Python (runtime dependencies and PyInstaller only; ./dev.sh package
makes .venv-package): the spec refuses to bundle a distribution the app does not depend on.

1. PyInstaller (packaging/linux/workbench.spec) makes WORK/dist/workbench/, the bundle, with
   THIRD-PARTY-NOTICES.txt; then RUNPATHs pointing outside the bundle are dropped.
2. The .deb installs it as /opt/connection-workbench, with /usr/bin/workbench, a .desktop entry
   and hicolor icons rendered from resources/icon.svg. It leaves out the system libraries
   PyInstaller copied in (OpenSSL, GLib, zlib, the X11 libraries…) and depends on their
   packages instead, so the system's copies, and their security updates, are used. Its
   copyright file is the notice in Debian's machine-readable format.
3. The .tar.gz holds the bundle as connection-workbench-<version>/, self-contained (system
   libraries included), with a README naming the packages to install and the notice.

--quick compresses lightly (for tests: seconds instead of ~1.5 minutes); --bundle packs an
existing bundle (built with the same --work) instead of running PyInstaller. The version is
workbench.__version__.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
import components as parts  # noqa: E402
import elf_paths  # noqa: E402
import icons  # noqa: E402
import notice_text  # noqa: E402
import workbench_bundle as wb  # noqa: E402

ROOT = wb.ROOT
PACKAGE = wb.DIST_NAME
INSTALL_DIR = Path("opt") / PACKAGE
MAINTAINER = wb.MAINTAINER
DOC_DIR = Path("usr/share/doc") / PACKAGE
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
Connection Workbench loads connector configurations, runs their auth flows
(API keys, Basic, bearer tokens, OAuth 2 with an embedded login browser,
vendor schemes) and shows what happened: redacted requests, tokens, webhooks
and a verdict with a hint.
.
The package installs the desktop app under /opt/connection-workbench and the
`workbench` command (check, validate, sandbox, authorize) on the PATH."""
_SHARED_LIBRARY = re.compile(r"\.so(\.[\d.]+)?$")


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


def depends(system_packages: Iterable[str] = ()) -> str:
    """DEPENDS and the packages of the system libraries the .deb leaves out, with the glibc
    the bundle was built against as the oldest one it runs on."""
    libc, glibc = platform.libc_ver()
    if libc != "glibc" or not glibc:
        raise SystemExit("build on a glibc system (Debian, Ubuntu)")
    named = {alt.strip().split()[0] for entry in DEPENDS for alt in entry.split("|")}
    extra = sorted(set(system_packages) - named - {"libc6"})
    return ", ".join([f"libc6 (>= {glibc})", *DEPENDS, *extra])


def tarball_packages(components: list[parts.Component]) -> list[str]:
    """What a tarball user installs: DEPENDS without what the tarball carries itself (first
    names only: apt picks Ubuntu 24.04's t64 packages for them)."""
    carried = {c.name for c in components if c.kind == "system"}
    return [entry.split("|")[0].strip() for entry in DEPENDS
            if not any(alt.strip() in carried for alt in entry.split("|"))]


def build_bundle(work: Path) -> Path:
    """Run PyInstaller; returns the bundle folder."""
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
                    "--log-level", "WARN", "--distpath", str(dist),
                    "--workpath", str(work / "pyinstaller"), str(HERE / "workbench.spec")],
                   check=True, cwd=ROOT)
    bundle = dist / wb.EXE_NAME
    elf_paths.clean_runpaths(bundle)
    return bundle


def components_of(work: Path) -> list[parts.Component]:
    """What the spec found in the bundle (its components.json)."""
    path = work / "pyinstaller" / wb.EXE_NAME / "components.json"
    if not path.is_file():
        raise SystemExit(f"{path} is missing: build the bundle with this --work first")
    return parts.load(path)


def stage_deb(bundle: Path, root: Path, components: list[parts.Component]) -> None:
    """The package's file tree under `root`, DEBIAN/ included: the bundle without the system
    libraries (Depends brings them), the launcher, menu entry, icons and the copyright file."""
    if root.exists():
        shutil.rmtree(root)
    installed = root / INSTALL_DIR
    shutil.copytree(bundle, installed, symlinks=True)
    internal = installed / "_internal"
    system = [c for c in components if c.kind == "system"]
    for component in system:
        for dest in component.files:
            (internal / dest).unlink()
    kept = [c for c in components if c.kind != "system"]
    (internal / notice_text.NOTICE_NAME).write_text(
        notice_text.render_text(kept, app=wb.APP_NAME, version=wb.version(), contact=MAINTAINER),
        encoding="utf-8")
    _install(HERE / "workbench.sh", root / "usr/bin/workbench", 0o755)
    _install(HERE / f"{PACKAGE}.desktop", root / f"usr/share/applications/{PACKAGE}.desktop")
    icons.write_hicolor(root / "usr/share/icons/hicolor")
    _install(HERE / "apparmor-profile", root / f"usr/share/{PACKAGE}/apparmor-profile")
    files = [str(p.relative_to(internal)) for p in internal.rglob("*") if not p.is_dir()]
    doc = root / DOC_DIR / "copyright"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(notice_text.render_dep5(kept, app=wb.APP_NAME, install_dir=str(INSTALL_DIR),
                                           contact=MAINTAINER, bundle_files=files),
                   encoding="utf-8")
    _write_changelog(root / DOC_DIR / "changelog.gz")
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
        f"Depends: {depends([c.name for c in system])}\n"
        "Section: devel\n"
        "Priority: optional\n"
        f"Description: {synopsis}\n{description}\n")


def build_deb(root: Path, out: Path, quick: bool) -> Path:
    deb = out / f"{PACKAGE}_{debian_version(wb.version())}_{deb_architecture()}.deb"
    compression = ["-Zgzip", "-z1"] if quick else ["-Zxz", "-z6"]  # what lintian accepts
    subprocess.run(["dpkg-deb", "--root-owner-group", *compression, "--build", str(root),
                    str(deb)], check=True, stdout=subprocess.DEVNULL)
    return deb


def build_tarball(bundle: Path, out: Path, quick: bool,
                  components: list[parts.Component], work: Path) -> Path:
    """The bundle as connection-workbench-<version>/ (run ./workbench inside), with a README
    and the notice at its top."""
    top = f"{PACKAGE}-{wb.version()}"
    machine = platform.machine() or "unknown"
    extras = work / "tarball-top"
    if extras.exists():
        shutil.rmtree(extras)
    extras.mkdir(parents=True)
    title = f"{wb.APP_NAME} {wb.version()} for Linux ({machine})"
    (extras / "README").write_text((HERE / "README-tarball.txt").read_text().format(
        app=wb.APP_NAME, version=wb.version(), machine=machine, underline="=" * len(title),
        packages=" ".join(tarball_packages(components))))
    shutil.copyfile(bundle / "_internal" / notice_text.NOTICE_NAME,
                    extras / notice_text.NOTICE_NAME)
    tarball = out / f"{top}-linux-{machine}.tar.gz"
    gzip = "gzip -1" if quick else "gzip -6"
    common = ["--sort=name", "--owner=0", "--group=0", "--numeric-owner"]
    subprocess.run(["tar", "--create", "--file", str(tarball), f"--use-compress-program={gzip}",
                    *common, f"--transform=s,^{bundle.name},{top},S",
                    f"--transform=s,^\\./,{top}/,S", "-C", str(bundle.parent), bundle.name,
                    "-C", str(extras), "./README", f"./{notice_text.NOTICE_NAME}"], check=True)
    return tarball


def _install(source: Path, target: Path, mode: int = 0o644) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(mode)


def _normalize_modes(root: Path) -> None:
    """0755 for folders, programs and scripts, 0644 for the rest (shared libraries and licence
    files come out of wheels executable), whatever the umask was."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o755)
            continue
        with path.open("rb") as stream:
            start = stream.read(4)
        program = (start == b"\x7fELF" and not _SHARED_LIBRARY.search(path.name)) \
            or start[:2] == b"#!"
        path.chmod(0o755 if program and path.stat().st_mode & 0o111 else 0o644)


def _write_changelog(path: Path) -> None:
    """The changelog a native package must ship (Debian Policy 12.7): this version's entry,
    dated by SOURCE_DATE_EPOCH when set, compressed reproducibly."""
    when = datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())),
                                  timezone.utc)
    entry = (f"{PACKAGE} ({debian_version(wb.version())}) stable; urgency=medium\n\n"
             f"  * {wb.APP_NAME} {wb.version()}.\n\n"
             f" -- {MAINTAINER}  {format_datetime(when)}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9,
                                               mtime=0, filename="") as packed:
        packed.write(entry.encode())


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
    parser.add_argument("--bundle", type=Path, help="pack this bundle (built with the same "
                        "--work) instead of building one")
    parser.add_argument("--quick", action="store_true", help="light compression (tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    bundle = args.bundle or build_bundle(args.work)
    bundled = time.monotonic()
    components = components_of(args.work)
    stage_deb(bundle, args.work / "deb-root", components)
    deb = build_deb(args.work / "deb-root", args.out, args.quick)
    tarball = build_tarball(bundle, args.out, args.quick, components, args.work)
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
