"""`workbench gui --smoke` (what installers and CI run to see that the app starts) must leave
the user's settings as they were: a smoke run under a 640x480 Xvfb once saved its tiny window
geometry, and the next real launch opened tiny."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import workbench

SETTINGS = """\
[General]
appearance\\theme=dark

[window]
geometry=@ByteArray(\\x1\\xd9\\xd0\\xcb\\0\\x3\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\x4\\xff\\0\\0\\x3\\x33)

[sandbox]
autostart=true
"""


def _env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "QT_QPA_PLATFORM": "offscreen"}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


async def test_a_smoke_run_leaves_existing_settings_alone(tmp_path: Path) -> None:
    config = tmp_path / "home/.config"
    settings = config / "Connection Workbench/workbench.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text(SETTINGS)
    connector = tmp_path / "mine.yaml"  # opening a file would add it to the recent files
    connector.write_text("connector:\n  name: Mine\n  base_url: http://127.0.0.1:9\n")
    before = _snapshot(config)

    run = await workbench("gui", "--smoke", str(connector), env=_env(tmp_path / "home"))

    assert run.code == 0, run.stderr
    assert "ready after" in run.stdout
    assert _snapshot(config) == before


async def test_a_smoke_run_on_a_fresh_account_writes_no_settings(tmp_path: Path) -> None:
    run = await workbench("gui", "--smoke", env=_env(tmp_path / "home"))
    assert run.code == 0, run.stderr
    assert _snapshot(tmp_path / "home") == {}
