"""A team's own auth scheme, installed as a package with an entry point, the way
docs/auth-schemes.md shows: the example is taken from that page, so the page stays true."""

from __future__ import annotations

import hashlib
import hmac
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.cli import ROOT, workbench
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.auth.plugins import plugin_problems, reload_schemes, vendor_schemes
from workbench.core.config import load_connector_text
from workbench.core.errors import ConfigError
from workbench.core.formspec import form_spec

DOC = (ROOT / "docs" / "auth-schemes.md").read_text()
SECRET = "acme-signing-secret-5521"


def _block(language: str) -> str:
    found = re.findall(rf"```{language}\n(.*?)```", DOC, re.S)
    assert found, f"docs/auth-schemes.md has no {language} example"
    return str(found[0])


def install_plugin(site: Path, entry_points: str, module: str = "") -> None:
    """A distribution on `site`: its module and dist-info, as pip would leave them."""
    (site / "acme_workbench.py").write_text(module or _block("python"))
    info = site / "acme_workbench-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-workbench\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    reload_schemes()
    yield tmp_path
    sys.path.remove(str(tmp_path))
    sys.modules.pop("acme_workbench", None)
    reload_schemes()


def entry_points_txt(pyproject: str) -> str:
    """The dist-info entry_points.txt pip writes for a pyproject's entry-point tables."""
    text = re.sub(r'^\[project\.entry-points\."([^"]+)"\]$', r"[\1]", pyproject, flags=re.M)
    return re.sub(r'^(\S+) = "([^"]*)"$', r"\1 = \2", text, flags=re.M)


def test_an_installed_scheme_is_found_and_drives_the_form(site: Path) -> None:
    install_plugin(site, entry_points_txt(_block("toml")))
    assert "acme-hmac" in vendor_schemes()
    loaded = load_connector_text(_block("yaml"), "acme.yaml")
    spec = form_spec(loaded.blueprint)
    assert [(f.name, f.secret, f.required) for f in spec.fields] == [
        ("key_id", False, True), ("secret", True, True)]


def test_a_broken_plugin_is_reported_not_fatal(site: Path) -> None:
    install_plugin(site, "[workbench.auth_schemes]\nacme-hmac = acme_workbench:SCHEME\n",
                   module="raise RuntimeError('half-installed')\n")
    assert "acme-hmac" not in vendor_schemes()
    assert [p.reason for p in plugin_problems()] == ["RuntimeError: half-installed"]
    assert "tripletex" in vendor_schemes()  # the others still load
    with pytest.raises(ConfigError, match="unknown auth_type 'acme-hmac'"):
        load_connector_text(_block("yaml"), "acme.yaml")


async def test_workbench_check_signs_with_the_plugin(tmp_path: Path,
                                                     server: RecordingServer) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_plugin(site, "[workbench.auth_schemes]\nacme-hmac = acme_workbench:SCHEME\n")

    def whoami(seen: Seen) -> web.Response:
        expected = hmac.new(SECRET.encode(), b"GET /whoami", hashlib.sha256).hexdigest()
        ok = seen.header("X-Acme-Signature") == expected and seen.header("X-Acme-Key") == "k-1"
        return web.json_response({"ok": ok}, status=200 if ok else 401)

    server.route("GET", "/whoami", whoami)
    connector = tmp_path / "acme.yaml"
    connector.write_text(_block("yaml").replace("https://api.acme.example", server.url))
    run = await workbench("check", str(connector), "--set", "key_id=k-1", "--set",
                          f"secret={SECRET}", "--verbose", env={"PYTHONPATH": str(site)})
    assert run.code == 0, run.stdout + run.stderr
    assert "PASS ok: GET /whoami answered 200" in run.stdout
    assert SECRET not in run.stdout + run.stderr
    assert server.requests_to("/whoami")[0].header("X-Acme-Key") == "k-1"
