"""The real CLI on hostile connector and platform files: exit 2 with file:line:col, never 3.

The files are generated here (the worst cases of tests/core/test_hostile_files.py, written to
disk) and `workbench validate|check|job|link` run on them in a subprocess, as a support
engineer or a CI script would.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.cli import workbench
from tests.support.recording_server import RecordingServer

GOOD = """\
interface_parameters:
  section:
    source:
      - name: "sandbox_url"
        type: "string"
        value: "{url}"
connector:
  name: "Good"
  base_url: "{{sandbox_url}}"
"""
LAUGHS = "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 9) + "]\n"
                 for i in range(9))
HOSTILE_CONNECTORS = {
    "deep.yaml": "connector: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "laughs.yaml": LAUGHS + GOOD.format(url="http://127.0.0.1:9"),
    "bigint.yaml": GOOD.format(url="x") + "extra: " + "9" * 5_000 + "\n",
    "nul.yaml": GOOD.format(url="x").replace("Good", "Go\x00od"),
    "surrogate.yaml": GOOD.format(url="x").replace('"Good"', '"Go\\ud800od"'),
    "wrong-type.yaml": GOOD.format(url="x").replace('type: "string"', "type: [[1]]\n"
                                                    "        fields: [x]"),
    "keys.yaml": GOOD.format(url="x") + "extra:\n" + "".join(f"  k{i}: {i}\n"
                                                             for i in range(100_000)),
    "stray.yaml": GOOD.format(url="x").replace("{sandbox_url}", "{sandbox_url,}"),
}
HOSTILE_PLATFORMS = {
    "deck-bigint.yaml": "platform: deck\nname: D\nconnection_idle_minutes: " + "1" * 5_000,
    "deck-deep.yaml": "platform: deck\nname: D\ndescription: " + "[" * 5_000 + "]" * 5_000,
    "stackone-nul.yaml": "platform: stackone\nname: S\x00\n",
    "stackone-types.yaml": "platform: stackone\nname: [[S]]\ncategories: {a: [1]}\n",
}
POSITIONED = re.compile(r"^(?P<path>/\S+?):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): ", re.M)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    for name, text in {**HOSTILE_CONNECTORS, **HOSTILE_PLATFORMS}.items():
        (tmp_path / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "wide.yaml").write_bytes(GOOD.format(url="x").encode("utf-16"))
    (tmp_path / "good.yaml").write_text(GOOD.format(url="http://127.0.0.1:9"))
    return tmp_path


@pytest.fixture
async def server() -> AsyncIterator[RecordingServer]:
    running = await RecordingServer().start()
    yield running
    await running.close()


async def test_validate_lists_every_hostile_file_with_a_position_and_exits_2(
        hostile: Path) -> None:
    started = time.perf_counter()
    run = await workbench("validate", str(hostile), timeout=120)
    assert run.code == 2, run.stderr[-2_000:]
    assert time.perf_counter() - started < 60
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert re.search(r"^ok +.*good\.yaml", run.stdout, re.M)
    positioned = {Path(m["path"]).name for m in POSITIONED.finditer(run.stderr)}
    expected = {*HOSTILE_CONNECTORS, *HOSTILE_PLATFORMS, "wide.yaml"}
    assert positioned == expected
    assert len(run.stderr) < 100_000  # thousands of problems are capped, lines are cut


@pytest.mark.parametrize("name", sorted(HOSTILE_CONNECTORS))
async def test_check_on_a_hostile_connector_exits_2_with_the_position(
        hostile: Path, name: str) -> None:
    run = await workbench("check", str(hostile / name))
    assert run.code == 2, run.stderr[-2_000:]
    assert POSITIONED.search(run.stderr), run.stderr[-2_000:]
    assert "internal error" not in run.stderr


@pytest.mark.parametrize("name", sorted(HOSTILE_PLATFORMS))
async def test_check_on_a_broken_platform_file_exits_2_not_3(hostile: Path, name: str) -> None:
    run = await workbench("check", str(hostile / name))
    assert run.code == 2, run.stderr[-2_000:]
    assert POSITIONED.search(run.stderr) and "internal error" not in run.stderr


@pytest.mark.parametrize(("command", "name"), [("job", "deck-bigint.yaml"),
                                               ("job", "deck-deep.yaml"),
                                               ("link", "stackone-nul.yaml"),
                                               ("link", "stackone-types.yaml")])
async def test_job_and_link_on_a_broken_platform_file_exit_2(
        hostile: Path, command: str, name: str) -> None:
    run = await workbench(command, str(hostile / name))
    assert run.code == 2, run.stderr[-2_000:]
    assert POSITIONED.search(run.stderr) and "internal error" not in run.stderr


async def test_a_stray_placeholder_is_never_requested(server: RecordingServer,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "endpoint.yaml"
    path.write_text(GOOD.format(url=server.url))
    run = await workbench("check", str(path), "--endpoint", "{{%BASE_URL,%}}/me")
    assert run.code == 2, run.stdout + run.stderr
    assert "did you mean {{%BASE_URL%}}?" in run.stdout + run.stderr
    assert server.seen == []
    validate = await workbench("validate", str(tmp_path / "endpoint.yaml"))
    assert validate.code == 0
    stray = tmp_path / "stray.yaml"
    stray.write_text(GOOD.format(url=server.url).replace("{sandbox_url}", "{sandbox_url,}"))
    validate = await workbench("validate", str(stray))
    assert validate.code == 2
    assert f"{stray}:9:14: connector.base_url: placeholder {{sandbox_url,}} is malformed; " \
           "did you mean {sandbox_url}?" in validate.stderr
