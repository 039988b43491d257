"""Run the real `workbench` CLI in a subprocess, as a user or a CI script would."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


async def workbench(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """`python -m workbench ARGS` with stdin closed; never blocks the test's event loop."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WB_")}
    environment.update(env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "workbench", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT, env=environment,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())
