"""Serve an aiohttp app on a loopback address: the one way the workbench listens.

The browser-login listener (`core.loopback`), the webhook receiver (`core.webhooks.receiver`)
and the sandbox (`sandbox.server`) all start their server here, so each of them listens on
127.0.0.1 or ::1 only, frees the port when starting fails, and knows the port it was given.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

HOST = "127.0.0.1"  # never 0.0.0.0, and not "localhost" (which may resolve elsewhere)
LOOPBACK_HOSTS = (HOST, "::1")


class LocalServer:
    """A running app on a loopback address; `close()` stops it and frees the port."""

    def __init__(self, runner: web.AppRunner, host: str, port: int) -> None:
        self._runner: web.AppRunner | None = runner
        self.host = host
        self.port = port

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT` (brackets around an IPv6 host), no trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self) -> None:
        """Stop serving; closing twice is harmless."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


async def serve_local(app: web.Application, port: int = 0, host: str = HOST,
                      **runner_options: Any) -> LocalServer:
    """Serve `app` on `host` (loopback only) and `port` (0: a free one). The OSError of a
    port that cannot be had is raised as it is, after the half-started server is cleaned up."""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"only {' or '.join(LOOPBACK_HOSTS)} may be listened on, not {host!r}")
    runner = web.AppRunner(app, **{"access_log": None, **runner_options})
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return LocalServer(runner, host, runner.addresses[0][1])
