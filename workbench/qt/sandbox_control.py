"""The local sandbox inside the app, so the bundled Sandbox connectors work with no network."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal

from workbench.sandbox import credentials

if TYPE_CHECKING:
    from workbench.sandbox.server import SandboxServer


class SandboxControl(QObject):
    """Starts and stops the sandbox on the app's loop; reports its state in plain words."""

    sig_state_changed = Signal(bool, str)
    """Running or not, and a line for the status bar."""

    def __init__(self, port: int = credentials.DEFAULT_PORT, parent: QObject | None = None):
        super().__init__(parent)
        self._port = port
        self._server: SandboxServer | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return self._server.url if self._server else ""

    def autostart(self) -> bool:
        """Whether the app starts the sandbox when it opens (on unless the user turned it off)."""
        return str(QSettings().value("sandbox/autostart", "true")).lower() == "true"

    def set_autostart(self, on: bool) -> None:
        QSettings().setValue("sandbox/autostart", "true" if on else "false")

    async def start(self) -> None:
        if self._server is not None:
            return
        from workbench.sandbox.server import start_failure, start_sandbox  # aiohttp: when wanted

        try:
            self._server = await start_sandbox(credentials.DEFAULT_HOST, self._port)
        except OSError as exc:
            reason = start_failure(exc, credentials.DEFAULT_HOST, self._port)
            if exc.errno == errno.EADDRINUSE:
                reason = (f"{reason}; a `workbench sandbox` there serves the Sandbox connectors "
                          f"as well, or run one on another port (workbench sandbox --port "
                          f"{self._port + 1}) and set sandbox_url to it")
            self.sig_state_changed.emit(False, f"Sandbox off: {reason or exc.strerror}")
            return
        self.sig_state_changed.emit(True, f"Sandbox: {self._server.url}")

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.close()
            self.sig_state_changed.emit(False, "Sandbox: off")
