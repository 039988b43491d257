"""The Linux installers as a user gets them: build the bundle, the .deb and the .tar.gz with
`./dev.sh package` (what `make package` runs: a clean venv with the runtime dependencies only,
.venv-package), unpack the .deb into a scratch root, and run what is inside against real
servers on 127.0.0.1.

Slow (about a minute on 2 cores once .venv-package exists; it runs in CI): PyInstaller really
runs. Compression is light (--quick); `make package` compresses harder, nothing else differs.
WORKBENCH_PACKAGE_VENV picks another build venv; WORKBENCH_PACKAGE_BUILT=DIR checks the out/
and work/ folders of an earlier build instead of building.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from tests.packaging.recipes import linux
from tests.support.oidc import CLIENT_ID, login_connector
from tests.support.recording_server import RecordingServer
from workbench import __version__
from workbench.sandbox import BASIC_PASSWORD, SandboxServer, start_sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None,
                       reason="the .deb is built on Debian/Ubuntu"),
]

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "connection-workbench"
SIZE_TARGET_MB = 400
# ../shared/reference/stack.md: what Qt and QtWebEngine need from the system, offscreen or not.
STACK_LIBRARIES = [
    "libgl1", "libegl1", "libglib2.0-0", "libfontconfig1", "libdbus-1-3", "libxkbcommon0",
    "libnss3", "libxcomposite1", "libxdamage1", "libxrandr2", "libxtst6", "libxkbfile1",
    "libasound2 | libasound2t64", "libxkbcommon-x11-0", "libxcb-cursor0", "libxcb-icccm4",
    "libxcb-keysyms1", "libxcb-shape0",
]
UNUSED_QT = ["Qt63D", "Qt6Quick3D", "Qt6Multimedia", "Qt6Charts", "Qt6DataVisualization",
             "Qt6Pdf", "Qt6Designer", "Qt6VirtualKeyboard", "Qt6Bluetooth", "Qt6Sql",
             "Qt6Graphs", "Qt6Location", "Qt6Sensors", "Qt6SerialPort", "Qt6Help"]
TEST_ONLY_MODULES = ["pytest", "_pytest", "pytestqt", "pytest_asyncio", "mypy", "ruff",
                     "standardwebhooks", "tests", "pip", "setuptools", "PyInstaller", "pygments"]
PACKAGE_VENV = Path(os.environ.get("WORKBENCH_PACKAGE_VENV", ROOT / ".venv-package"))
PREBUILT = os.environ.get("WORKBENCH_PACKAGE_BUILT")
NOTICE = "THIRD-PARTY-NOTICES.txt"
# lintian errors that stay, each with its reason in docs/packaging.md ("lintian").
LINTIAN_ERRORS_EXPECTED = {"dir-or-file-in-opt", "embedded-library",
                           "library-not-linked-against-libc"}


@dataclass(frozen=True)
class Built:
    bundle: Path
    deb: Path
    tarball: Path
    scratch: Path  # the .deb unpacked, as if / of a fresh machine
    build_output: str

    @property
    def installed(self) -> Path:
        return self.scratch / "opt" / PACKAGE


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Everything `make package` makes (light compression), removed afterwards (~1 GB)."""
    if PREBUILT:
        folder, output = Path(PREBUILT), ""
    else:
        folder = tmp_path_factory.mktemp("package")
        env = {**os.environ, "WORKBENCH_VENV": str(PACKAGE_VENV)}
        run = subprocess.run(
            [str(ROOT / "dev.sh"), "package", "--quick", "--out", str(folder / "out"),
             "--work", str(folder / "work")],
            capture_output=True, text=True, timeout=1800, cwd=ROOT, env=env)
        assert run.returncode == 0, run.stdout + run.stderr
        output = run.stdout
    (deb,) = (folder / "out").glob("*.deb")
    (tarball,) = (folder / "out").glob("*.tar.gz")
    scratch = tmp_path_factory.mktemp("scratch-root")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(scratch)], check=True)
    yield Built(folder / "work/dist/workbench", deb, tarball, scratch, output)
    if not PREBUILT:
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """A user's environment with nothing from the test venv: no PYTHONPATH, a fresh HOME."""
    home.mkdir(parents=True, exist_ok=True)
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "LANG": "C.UTF-8", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            **extra}


def bundle_files(folder: Path) -> list[str]:
    """What a bundle holds, relative to it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def elf_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
            and p.read_bytes()[:4] == b"\x7fELF"]


def system_libraries(internal: Path) -> dict[str, str]:
    """Libraries at the top of _internal/ that a Debian package of this machine ships (the
    copies PyInstaller took from the system): file name → package."""
    found = {}
    for path in internal.glob("lib*.so*"):
        if path.is_symlink() or path.name.startswith("libpython"):
            continue
        owner = subprocess.run(["dpkg", "-S", f"*/{path.name}"], capture_output=True,
                               text=True)
        if owner.returncode == 0:
            found[path.name] = owner.stdout.split(":")[0]
    return found


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str


async def run(program: Path, *args: str, env: dict[str, str], timeout: float = 90) -> Ran:
    process = await asyncio.create_subprocess_exec(
        str(program), *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, cwd=env["HOME"])
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """The local sandbox, served from the test's own Python (not from the bundle)."""
    async with await start_sandbox() as server:
        yield server


# -- the bundle ------------------------------------------------------------------------------


def test_the_bundle_is_under_the_size_target(built: Built) -> None:
    size = sum(p.lstat().st_size for p in built.bundle.rglob("*")) / 1e6
    assert size < SIZE_TARGET_MB, f"bundle is {size:.0f} MB"
    assert (built.bundle / "_internal/PySide6/Qt/lib/libQt6WebEngineCore.so.6").is_file()
    assert (built.bundle / "_internal/PySide6/Qt/libexec/QtWebEngineProcess").is_file()


def test_the_bundle_holds_connectors_resources_and_plugin_metadata(built: Built) -> None:
    internal = built.bundle / "_internal"
    shipped = sorted(p.relative_to(ROOT) for p in (ROOT / "connectors").rglob("*") if p.is_file())
    assert any(p.suffix == ".json" for p in shipped) and any(p.suffix == ".yaml" for p in shipped)
    for path in shipped:
        assert (internal / path).read_bytes() == (ROOT / path).read_bytes(), path
    assert (internal / "resources/icon.svg").is_file()
    # importlib.metadata in the frozen app finds the entry points (vendor auth schemes) the
    # source declares; the spec refused to build if the installed ones were stale.
    (entry_points,) = internal.glob("connection_workbench*/entry_points.txt")
    text = entry_points.read_text()
    for entry in metadata.distribution(PACKAGE).entry_points:
        assert f"[{entry.group}]" in text
        assert re.search(rf"^{re.escape(entry.name)}\s*=\s*{re.escape(entry.value)}$", text,
                         re.M), entry
    from workbench.qt.about import LIBRARIES

    for library in LIBRARIES:  # Help ▸ About reports their versions
        normalized = library.lower().replace("-", "_")
        assert list(internal.glob(f"{normalized}-*.dist-info")), library


def test_the_bundle_leaves_out_unused_qt_test_tools_and_secrets(built: Built) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    files = [p for p in built.bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    names = {p.name for p in built.bundle.rglob("*")}
    for module in UNUSED_QT:
        assert not [n for n in names if n.startswith((f"lib{module}", module))], module
    assert not [p for p in files if p.suffix == ".qm"], "Qt translations are not needed"
    locales = built.bundle / "_internal/PySide6/Qt/translations/qtwebengine_locales"
    assert sorted(p.name for p in locales.iterdir()) == ["en-US.pak"]
    assert "node_modules" not in names and "libgtk-3.so.0" not in names
    archive = CArchiveReader(str(built.bundle / "workbench"))
    (pyz_name,) = [n for n in archive.toc if n.endswith(".pyz")]
    modules = set(archive.open_embedded_archive(pyz_name).toc)
    assert "workbench.core.auth.plugins" in modules and "workbench.qt.main_window" in modules
    for module in TEST_ONLY_MODULES:
        assert not [m for m in modules if m == module or m.startswith(module + ".")], module
    private_key = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=]{40}")
    for path in files:
        if path.suffix in {".pem", ".key", ".p12", ".env", ".netrc"} and path.name != "cacert.pem":
            pytest.fail(f"secret-looking file in the bundle: {path}")
        data = path.read_bytes()
        if data[:4] != b"\x7fELF" and private_key.search(data):
            pytest.fail(f"a private key in {path}")


def test_no_binary_searches_the_build_machine(built: Built) -> None:
    """RUNPATH/RPATH entries are $ORIGIN-relative: a self-built Python's lib folder (or a venv)
    on the build machine must not be searched on the user's."""
    offenders = []
    for path in elf_files(built.bundle) + elf_files(built.installed):
        dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True,
                                 text=True).stdout
        for entries in re.findall(r"\((?:RUNPATH|RPATH)\).*\[(.*)\]", dynamic):
            foreign = [e for e in entries.split(":") if e and not e.startswith("$ORIGIN")]
            if foreign:
                offenders.append(f"{path}: {foreign}")
    assert offenders == []


def bundled_distributions(bundle: Path) -> dict[str, metadata.Distribution]:
    """The distributions of the build venv that have modules in the executable's archive or
    files in _internal/: found from the bundle itself, not from what the build reported."""
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(bundle / "workbench"))
    (pyz_name,) = [n for n in archive.toc if n.endswith(".pyz")]
    modules = set(archive.open_embedded_archive(pyz_name).toc)
    internal = bundle / "_internal"
    (site,) = PACKAGE_VENV.glob("lib/python3*/site-packages")
    found = {}
    for dist in metadata.distributions(path=[str(site)]):
        name = dist.metadata["Name"]
        if name == PACKAGE:
            continue
        for file in dist.files or ():
            parts = file.parts
            module = ".".join(parts)[:-3] if file.suffix == ".py" else ""
            module = module.removesuffix(".__init__")
            if (module and module in modules) or (not parts[0].endswith(".dist-info")
                                                  and (internal / file).is_file()):
                found[name] = dist
                break
    return found


def test_the_notice_covers_every_bundled_distribution(built: Built) -> None:
    """THIRD-PARTY-NOTICES.txt names each distribution in the bundle with its version and
    carries its licence files word for word; and Python, Qt, Chromium, the system libraries
    and the source offer."""
    text = (built.bundle / "_internal" / NOTICE).read_text(encoding="utf-8")
    distributions = bundled_distributions(built.bundle)
    for must in ("certifi", "yarl", "multidict", "frozenlist", "idna", "pydantic_core",
                 "PySide6_Essentials", "PySide6_Addons", "shiboken6", "cryptography"):
        assert must in distributions, must
    for name, dist in distributions.items():
        assert f"=== {name} {dist.version} ===" in text, name
        licence_files = [f for f in dist.files or () if f.parts[0].endswith(".dist-info")
                         and ("licenses" in f.parts or re.match(r"(LICEN[CS]E|COPYING)",
                                                                f.name, re.I))]
        for file in licence_files:
            assert Path(str(dist.locate_file(file))).read_text().rstrip() in text, f"{name}: {file}"
        if not licence_files:  # PySide6's wheels: the standard texts
            assert "GNU LESSER GENERAL PUBLIC LICENSE" in text, name
    assert re.search(r"=== Python \d+\.\d+\.\d+ ===", text)
    assert "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2" in text
    assert "GNU GENERAL PUBLIC LICENSE" in text and "Version 3, 29 June 2007" in text
    assert "Copyright 2015 The Chromium Authors" in text
    assert "download.qt.io/official_releases/QtForPython/pyside6/PySide6-" in text
    for package in set(system_libraries(built.bundle / "_internal").values()):
        assert re.search(rf"^=== {re.escape(package)} ", text, re.M), package


async def test_the_bundled_gui_paints_and_exits(built: Built, tmp_path: Path) -> None:
    ran = await run(built.bundle / "workbench", "gui", "--smoke",
                    env=user_env(tmp_path / "home", QT_QPA_PLATFORM="offscreen"))
    assert ran.code == 0, ran.stderr
    paint = re.search(r"first paint after (\d+) ms", ran.stdout)
    ready = re.search(r"ready after (\d+) ms", ran.stdout)
    assert paint and ready, ran.stdout
    assert int(paint.group(1)) <= int(ready.group(1))
    assert "Traceback" not in ran.stderr


async def test_the_bundled_check_passes_and_fails_against_the_sandbox(
        built: Built, sandbox: SandboxServer, tmp_path: Path) -> None:
    env = user_env(tmp_path / "home")
    connector = str(ROOT / "connectors/sandbox/sandbox_basic.yaml")
    ok = await run(built.bundle / "workbench", "check", connector,
                   "--set", f"sandbox_url={sandbox.url}", env=env)
    assert ok.code == 0, ok.stdout + ok.stderr
    assert "PASS ok: GET /api/basic/me answered 200 OK" in ok.stdout
    wrong = await run(built.bundle / "workbench", "check", connector,
                      "--set", f"sandbox_url={sandbox.url}", "--set", "password=wrong", env=env)
    assert wrong.code == 1
    assert "FAIL unauthorized" in wrong.stdout and "hint:" in wrong.stdout
    assert BASIC_PASSWORD not in ok.stdout + ok.stderr + wrong.stdout + wrong.stderr


async def test_the_bundled_login_browser_runs_a_page_and_catches_the_redirect(
        built: Built, tmp_path: Path) -> None:
    """QtWebEngine from the bundle: Chromium's renderer runs the login page's script, which
    sends it to the redirect URI with a code; the app exchanges the code and checks. As root
    (as here), nothing may be written into the install tree: a purge would leave it behind."""
    before = bundle_files(built.bundle)
    server = await RecordingServer().start()
    try:
        def login_page(seen: Any) -> web.Response:
            target = f"{seen.query['redirect_uri']}?code=c0de-from-js&state={seen.query['state']}"
            return web.Response(content_type="text/html", text=(
                "<!doctype html><title>Sign in</title><p>Signing you in…</p>"
                f"<script>setTimeout(() => location.replace({target!r}), 50)</script>"))

        server.route("GET", "/auth", login_page)
        server.json("POST", "/token", {"access_token": "at-bundled-123", "expires_in": 60})
        server.json("GET", "/me", {"sub": "alice"})
        connector = tmp_path / "login.yaml"
        connector.write_text(login_connector(
            server.url, redirect_uri="https://app.example.test/oauth/callback"))
        ran = await run(built.bundle / "workbench", "authorize", str(connector), "--browser",
                        "embedded", "--json", "--set", f"client_id={CLIENT_ID}", "--wait", "60",
                        env=user_env(tmp_path / "home", QT_QPA_PLATFORM="offscreen",
                                     WB_CLIENT_SECRET="s3cret"))
    finally:
        await server.close()
    assert ran.code == 0, ran.stdout + ran.stderr
    assert '"ok": true' in ran.stdout
    (exchange,) = server.requests_to("/token")
    assert exchange.form["code"] == "c0de-from-js"
    assert bundle_files(built.bundle) == before


async def test_the_bundled_demo_says_what_the_source_says(built: Built, tmp_path: Path) -> None:
    """Every sandbox connector (vendor schemes too) through the bundle's own sandbox."""
    def verdicts(text: str) -> list[str]:
        return [re.sub(r"\d+ ms|\b[0-9a-f]{8,}(-[0-9a-f]+)*\b", "", line).strip()
                for line in text.splitlines()
                if line.startswith(("==", "PASS", "FAIL", "All sandbox"))
                or re.fullmatch(r"\d+ failed", line)]

    env = user_env(tmp_path / "home")
    bundled = await run(built.bundle / "workbench", "demo", env=env, timeout=120)
    source = await run(Path(sys.executable), "-m", "workbench", "demo",
                       env={**env, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert verdicts(bundled.stdout) == verdicts(source.stdout), bundled.stdout + bundled.stderr
    assert bundled.code == source.code
    assert len(verdicts(bundled.stdout)) > 5


# -- the .deb --------------------------------------------------------------------------------


def control_fields(deb: Path) -> dict[str, str]:
    text = subprocess.run(["dpkg-deb", "-f", str(deb)], check=True, capture_output=True,
                          text=True).stdout
    return dict(re.findall(r"^(\S+): (.*)$", text, re.M))


def test_the_deb_control_names_version_and_system_libraries(built: Built) -> None:
    control = control_fields(built.deb)
    from_source = linux.debian_version(__version__)
    assert control["Package"] == PACKAGE and control["Version"] == from_source
    assert built.deb.name == f"{PACKAGE}_{from_source}_{control['Architecture']}.deb"
    depends = [d.strip() for d in control["Depends"].split(",")]
    for library in STACK_LIBRARIES:
        assert library in depends or library.split(" |")[0] in {d.split(" |")[0] for d in depends}
    assert "libasound2 | libasound2t64" in depends
    assert any(d.startswith("libc6 (>= 2.") for d in depends)


def test_the_deb_installs_bundle_launcher_desktop_entry_and_icons(built: Built) -> None:
    root = built.scratch
    assert os.access(built.installed / "workbench", os.X_OK)
    launcher = root / "usr/bin/workbench"
    assert os.access(launcher, os.X_OK)
    desktop = (root / f"usr/share/applications/{PACKAGE}.desktop").read_text()
    exec_line = re.search(r"^Exec=(\S+) gui %F$", desktop, re.M)
    assert exec_line and exec_line.group(1) == f"/opt/{PACKAGE}/workbench"
    assert f"Icon={PACKAGE}" in desktop and "Type=Application" in desktop
    assert "StartupWMClass=workbench" in desktop  # the WM_CLASS Qt gives the main window
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(root / f"usr/share/applications/"
                                                          f"{PACKAGE}.desktop")], check=True)
    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        png = (root / f"usr/share/icons/hicolor/{size}x{size}/apps/{PACKAGE}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", png[16:24]) == (size, size)
    assert (root / f"usr/share/icons/hicolor/scalable/apps/{PACKAGE}.svg").is_file()
    # The bundle in /opt is the one that was built, file for file, but for the system
    # libraries (Depends brings them).
    system = {f"_internal/{name}" for name in system_libraries(built.bundle / "_internal")}
    assert system
    assert bundle_files(built.installed) == sorted(set(bundle_files(built.bundle)) - system)


async def test_the_launcher_runs_the_installed_app(
        built: Built, sandbox: SandboxServer, tmp_path: Path) -> None:
    launcher = built.scratch / "usr/bin/workbench"
    env = user_env(tmp_path / "home", QT_QPA_PLATFORM="offscreen")
    version = await run(launcher, "--version", env=env)
    assert version.stdout.strip() == f"workbench {__version__}"
    smoke = await run(launcher, "gui", "--smoke", env=env)
    assert smoke.code == 0 and "first paint after" in smoke.stdout, smoke.stderr
    assert not list((tmp_path / "home").rglob("*.ini"))  # a smoke run saves no settings
    # A bundled connector by name: found inside the installed bundle, not in this checkout.
    check = await run(launcher, "check", "sandbox_bearer", "--set",
                      f"sandbox_url={sandbox.url}", env=env)
    assert check.code == 0, check.stdout + check.stderr
    assert f"/opt/{PACKAGE}/_internal/connectors/sandbox/sandbox_bearer.yaml" in check.stdout


def test_the_deb_leaves_the_system_libraries_to_the_system(built: Built) -> None:
    """OpenSSL, GLib, zlib… come from their packages, so security updates reach them."""
    carried = system_libraries(built.bundle / "_internal")
    assert {"libssl.so.3", "libcrypto.so.3", "libglib-2.0.so.0", "libz.so.1"} <= set(carried)
    assert system_libraries(built.installed / "_internal") == {}
    depends = {alt.split()[0] for d in control_fields(built.deb)["Depends"].split(",")
               for alt in d.split("|")}
    assert set(carried.values()) <= _installed_closure(depends)
    notice = (built.installed / "_internal" / NOTICE).read_text()
    assert "=== libssl3 " not in notice and "=== certifi " in notice


def test_the_deb_copyright_file_is_the_machine_readable_notice(built: Built) -> None:
    text = (built.scratch / f"usr/share/doc/{PACKAGE}/copyright").read_text()
    blocks = [b for b in text.split("\n\n") if b.strip()]
    assert blocks[0].startswith("Format: https://www.debian.org/doc/packaging-manuals/"
                                "copyright-format/1.0/")
    files = [b for b in blocks if b.startswith("Files: ")]
    assert files[0].startswith("Files: *\n")
    for block in files:
        assert "\nCopyright: " in block and "\nLicense: " in block, block[:200]
    for name in bundled_distributions(built.bundle):
        assert f"Comment: {name} " in text, name
    assert "/usr/share/common-licenses/LGPL-3" in text and "download.qt.io" in text
    assert "libssl3" not in text  # not in the .deb: the system's package has its own
    if shutil.which("lintian"):
        ran = subprocess.run(["lintian", "--tag-display-limit", "0", str(built.deb)],
                             capture_output=True, text=True, timeout=600)
        errors = {line.split()[2] for line in ran.stdout.splitlines() if line.startswith("E:")}
        assert errors <= LINTIAN_ERRORS_EXPECTED, ran.stdout


def test_every_system_library_the_bundle_loads_comes_with_the_depends(built: Built) -> None:
    """ldd over every ELF file in the installed bundle (with the bundle's own folder first, as
    its launcher sets it): nothing missing, and every library taken from the system belongs to
    a package the .deb depends on, directly or through those packages' own dependencies."""
    internal = built.installed / "_internal"
    env = {"LD_LIBRARY_PATH": str(internal), "PATH": "/usr/bin:/bin"}
    outside: set[str] = set()
    for path in built.installed.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.read_bytes()[:4] != b"\x7fELF":
            continue
        linked = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
        assert "not found" not in linked.stdout, f"{path}:\n{linked.stdout}"
        outside |= {m for m in re.findall(r"=> (/\S+)", linked.stdout)
                    if not m.startswith(str(built.installed))}
    owners = {_owner(library) for library in sorted(outside)}
    depends = {alt.split()[0] for d in control_fields(built.deb)["Depends"].split(",")
               for alt in d.split("|")}
    assert owners - _installed_closure(depends) == set()


def _owner(library: str) -> str:
    """The package that installed `library` (dpkg knows /lib/… or /usr/lib/…, the link or the
    file it points to, depending on the package and on the merged /usr)."""
    real = os.path.realpath(library)
    for path in dict.fromkeys([library, real, re.sub(r"^/usr/", "/", real),
                               re.sub(r"^/lib", "/usr/lib", library)]):
        found = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split(":")[0]
    raise AssertionError(f"no package owns {library}")


def _installed_closure(packages: set[str]) -> set[str]:
    """`packages` and everything they depend on, as installed on this machine."""
    seen: set[str] = set()
    todo = list(packages)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        query = subprocess.run(["dpkg-query", "-W", "-f=${Depends},${Pre-Depends}", name],
                               capture_output=True, text=True)
        for alternative in re.split(r"[,|]", query.stdout):
            if alternative.strip():
                todo.append(alternative.split()[0].split(":")[0])
    return seen


# -- the .tar.gz -----------------------------------------------------------------------------


async def test_the_tarball_unpacks_to_a_runnable_self_contained_bundle(
        built: Built, tmp_path: Path) -> None:
    top = f"{PACKAGE}-{__version__}"
    with tarfile.open(built.tarball) as archive:
        names = archive.getnames()
        assert all(n == top or n.startswith(top + "/") for n in names)
        safe = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}  # Python ≥ 3.11.4
        archive.extractall(tmp_path / "unpacked", **safe)  # type: ignore[arg-type]
    unpacked = tmp_path / "unpacked" / top
    assert bundle_files(unpacked) == sorted([*bundle_files(built.bundle), "README", NOTICE])
    assert "libssl.so.3" in system_libraries(unpacked / "_internal")  # its own copies
    version = await run(unpacked / "workbench", "--version", env=user_env(tmp_path / "home"))
    assert version.stdout.strip() == f"workbench {__version__}"


def test_the_tarball_readme_names_the_packages_to_install(built: Built) -> None:
    """What the tarball does not carry comes from the system: the README's apt line must name
    the package of every library it loads from there (ldd, as for the .deb's Depends)."""
    with tarfile.open(built.tarball) as archive:
        member = archive.extractfile(f"{PACKAGE}-{__version__}/README")
        assert member is not None
        readme = member.read().decode()
    line = re.search(r"sudo apt install (.+)", readme)
    assert line, readme
    packages = set(line.group(1).split())
    assert {"libgl1", "libegl1", "libnss3", "libfontconfig1"} <= packages
    assert "libglib2.0-0" not in packages and "libssl3" not in packages  # the tarball has them
    internal = built.bundle / "_internal"
    env = {"LD_LIBRARY_PATH": str(internal), "PATH": "/usr/bin:/bin"}
    outside = set()
    for path in elf_files(built.bundle):
        linked = subprocess.run(["ldd", str(path)], capture_output=True, text=True, env=env)
        outside |= {m for m in re.findall(r"=> (/\S+)", linked.stdout)
                    if not m.startswith(str(built.bundle))}
    owners = {_owner(library) for library in outside} - {"libc6"}
    assert owners - _installed_closure(packages) == set()


@pytest.mark.skipif(bool(PREBUILT), reason="checks the output of a build")
def test_the_build_reports_sizes(built: Built) -> None:
    assert re.search(r"^bundle .* (\d+) MB", built.build_output, re.M), built.build_output
    assert re.search(r"^deb .*\.deb .* MB", built.build_output, re.M)
