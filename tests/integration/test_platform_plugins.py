"""A team's own platform, installed as a package with an entry point, the way docs/platforms.md
shows: the registry finds it, the library, the schema and the loader know it, the sandbox
mounts its stand-in, and `workbench check` checks its keys against that stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import workbench
from tests.support.platform_plugin import account_text, installed
from workbench.core.config.schema import platform_schema
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError
from workbench.core.library import ConnectorLibrary
from workbench.core.platforms.account import LoadedPlatform, load_platform_text
from workbench.core.platforms.registry import platform, platform_problems, platforms
from workbench.sandbox.server import start_sandbox

DEMO_KEY = "acme-demo-key-8c1f"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    with installed(tmp_path / "site") as folder:
        yield folder


def test_an_installed_platform_is_known_everywhere(site: Path, tmp_path: Path) -> None:
    assert list(platforms()) == ["acme", "deck", "stackone"]
    account = tmp_path / "acme.yaml"
    account.write_text(account_text())
    loaded = load_file(account)
    assert isinstance(loaded, LoadedPlatform) and loaded.plugin is platform("acme")
    assert [(f.name, f.secret, f.required) for f in loaded.form.fields] == [
        ("base_url", False, True), ("api_key", True, True), ("webhook_secret", True, False)]
    library = ConnectorLibrary()
    assert library.add_file(account).auth_label == "Acme account"
    schema = platform_schema()
    assert "AcmeAccount" in schema["$defs"]
    assert schema["description"] == ("An Acme, Deck or StackOne account as Connection "
                                     "Workbench reads it.")
    with pytest.raises(ConfigError) as misspelt:
        load_platform_text("platform: acme\nname: x\napi_kee: k\n", "acme.yaml")
    assert "did you mean 'api_key'?" in misspelt.value.problems[0].message


def test_a_broken_platform_plugin_is_reported_not_fatal(tmp_path: Path) -> None:
    with installed(tmp_path / "site", broken="raise RuntimeError('half-installed')\n"):
        assert "acme" not in platforms()
        assert [p.reason for p in platform_problems()] == ["RuntimeError: half-installed"]
        assert "deck" in platforms()  # the others still load
        with pytest.raises(ConfigError) as refused:
            load_platform_text(account_text(), "acme.yaml")
        assert "platform must be one of deck, stackone" in refused.value.problems[0].message


async def test_workbench_check_pings_the_sandbox_stand_in(site: Path, tmp_path: Path) -> None:
    account = tmp_path / "acme.yaml"
    env = {"PYTHONPATH": str(site)}
    async with await start_sandbox() as sandbox:  # mounts the plugin's stand-in at /acme
        account.write_text(account_text(sandbox.url + "/acme"))
        passed = await workbench("check", str(account), "--set", f"api_key={DEMO_KEY}", env=env)
        assert passed.code == 0, passed.stdout + passed.stderr
        assert "PASS ok: Acme accepted the keys." in passed.stdout
        assert "[ping] GET " in passed.stdout and DEMO_KEY not in passed.stdout + passed.stderr

        refused = await workbench("check", str(account), "--set", "api_key=not-the-key",
                                  "--json", env=env)
    assert refused.code == 1, refused.stderr
    report = json.loads(refused.stdout)
    assert report["outcome"] == "unauthorized" and "Unknown API key" in report["summary"]
    assert "copy it again" in report["hint"]
    assert "not-the-key" not in refused.stdout + refused.stderr
