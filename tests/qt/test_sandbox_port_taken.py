"""Tools ▸ Local sandbox when its port is taken: the status bar says so and what to do."""

from __future__ import annotations

import socket
from typing import Any

from workbench.qt.sandbox_control import SandboxControl


def test_a_taken_port_is_named_with_the_way_out(qtbot: Any, run: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        sandbox = SandboxControl(port=port)
        with qtbot.waitSignal(sandbox.sig_state_changed) as state:
            run(sandbox.start())
    running, text = state.args
    assert running is False and not sandbox.running
    assert text.startswith(f"Sandbox off: port {port} on 127.0.0.1 is in use")
    assert f"workbench sandbox --port {port + 1}" in text and "sandbox_url" in text
