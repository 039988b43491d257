"""Compose the sandbox apps on one loopback-only aiohttp server, started in-process or forever."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import logging
import signal
import sys
from types import TracebackType
from typing import TypeVar

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from workbench.core.local_server import LOOPBACK_HOSTS, LocalServer, serve_local
from workbench.core.platforms.registry import load_target, platforms
from workbench.sandbox import (
    aws,
    credentials,
    digest_api,
    hmac_api,
    oauth_server,
    protected_api,
    superoffice,
    tripletex,
    webcrm,
)
from workbench.sandbox.tokens import DEFAULT_ACCESS_TOKEN_LIFETIME, TokenStore

T = TypeVar("T")
STAND_INS = web.AppKey("stand_ins", list)  # the mounted sub-apps, to find their state
ACCESS_LOG = logging.getLogger("workbench.sandbox.access")

_CREDENTIALS = (
    ("Bearer token", credentials.BEARER_TOKEN),
    ("Basic username", credentials.BASIC_USERNAME),
    ("Basic password", credentials.BASIC_PASSWORD),
    (
        f"API key ({credentials.API_KEY_HEADER} / ?{credentials.API_KEY_QUERY_PARAM}=)",
        credentials.API_KEY,
    ),
    ("OAuth2 client_id", credentials.OAUTH_CLIENT_ID),
    ("OAuth2 client_secret", credentials.OAUTH_CLIENT_SECRET),
    ("OAuth2 refresh_token (rotates on use)", credentials.OAUTH_REFRESH_TOKEN),
    ("OAuth2 scopes", " ".join(credentials.OAUTH_SCOPES)),
    ("Tripletex production consumerToken", credentials.TRIPLETEX_CONSUMER_TOKEN),
    ("Tripletex production employeeToken", credentials.TRIPLETEX_EMPLOYEE_TOKEN),
    ("Tripletex test consumerToken", credentials.TRIPLETEX_TEST_CONSUMER_TOKEN),
    ("Tripletex test employeeToken", credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN),
    ("Tripletex client company id (Basic username)", credentials.TRIPLETEX_CLIENT_COMPANY_ID),
    ("SuperOffice client_id", credentials.SUPEROFFICE_CLIENT_ID),
    ("SuperOffice client_secret (= ApplicationToken, SO-AppToken)",
     credentials.SUPEROFFICE_CLIENT_SECRET),
    ("SuperOffice system user token", credentials.SUPEROFFICE_SYSTEM_USER_TOKEN),
    ("SuperOffice context", credentials.SUPEROFFICE_CONTEXT),
    ("SuperOffice partner private key", "SUPEROFFICE_PARTNER_PRIVATE_KEY in "
     "workbench/sandbox/credentials.py"),
    ("webCRM API token (authCode)", credentials.WEBCRM_API_KEY),
    ("AWS access key id / secret", f"{aws.ACCESS_KEY_ID} / {aws.SECRET_ACCESS_KEY}"),
    ("AWS temporary key / secret / session token",
     f"{aws.TEMP_ACCESS_KEY_ID} / {aws.TEMP_SECRET_ACCESS_KEY} / {aws.SESSION_TOKEN}"),
    ("Digest username / password", f"{digest_api.USERNAME} / {digest_api.PASSWORD}"),
    ("HMAC key id / key", f"{hmac_api.KEY_ID} / {hmac_api.SECRET}"),
)


class SandboxServer:
    """A running sandbox on 127.0.0.1 or ::1; `close()` it, or use it as `async with`."""

    def __init__(self, server: LocalServer, app: web.Application, tokens: TokenStore) -> None:
        self._server = server
        self._app = app
        self.host = server.host
        self.port = server.port
        self.tokens = tokens

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. `http://127.0.0.1:8765`."""
        return self._server.url

    def state(self, key: web.AppKey[T]) -> T:
        """The state a stand-in keeps under `key` (its jobs, sessions: for tests and demos)."""
        for app in (self._app, *self._app[STAND_INS]):
            if key in app:
                return app[key]
        raise KeyError(f"no stand-in keeps {key!r}")

    async def close(self) -> None:
        await self._server.close()

    async def __aenter__(self) -> SandboxServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def create_sandbox_app(tokens: TokenStore) -> web.Application:
    """The whole sandbox: index at `/`, protected API at `/api`, OAuth2 server at `/oauth`,
    each installed platform's stand-in where it says (`StandIn.mount`), the vendors'."""
    app = web.Application(middlewares=[_json_route_errors])
    app.router.add_get("/", index)
    mounted: list[web.Application] = []

    def mount(prefix: str, stand_in: web.Application) -> None:
        app.add_subapp(prefix, stand_in)
        mounted.append(stand_in)

    mount("/api", protected_api.create_protected_api(tokens))
    mount("/oauth", oauth_server.create_oauth_app(tokens))
    for found in platforms().values():
        if found.stand_in is not None:
            mount(found.stand_in.mount, load_target(found.stand_in.app)())
    for environment in ("production", "test"):
        mount(f"/tripletex/{environment}", tripletex.create_tripletex_app(environment))
    mount("/superoffice", superoffice.create_superoffice_app())
    mount("/webcrm", webcrm.create_webcrm_app())
    mount("/aws", aws.create_aws_app())
    mount("/digest", digest_api.create_digest_app())
    mount("/hmac", hmac_api.create_hmac_app())
    app[STAND_INS] = mounted
    return app


async def start_sandbox(
    host: str = credentials.DEFAULT_HOST, port: int = 0, *, tokens: TokenStore | None = None
) -> SandboxServer:
    """Start the sandbox on a loopback address; port 0 picks a free port."""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"the sandbox only listens on {' or '.join(LOOPBACK_HOSTS)}, not {host!r}")
    tokens = tokens or TokenStore()
    app = create_sandbox_app(tokens)
    server = await serve_local(app, port, host, access_log_class=_RedactingAccessLogger,
                               access_log=ACCESS_LOG)
    return SandboxServer(server, app, tokens)


def start_failure(error: OSError, host: str, port: int) -> str | None:
    """Why the sandbox could not listen, in words for the CLI and the app; None if unknown."""
    where = f"port {port} on {host}"
    if error.errno == errno.EADDRINUSE:
        return f"{where} is in use (another `workbench sandbox`, or another program, has it)"
    if error.errno == errno.EACCES:
        return f"{where} needs privileges this user does not have"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine (is IPv6 turned off?)"
    return None


def other_port(port: int) -> str:
    """How to pick another port on the command line."""
    suggestion = port + 1 if 1024 <= port < 65535 else credentials.DEFAULT_PORT + 1
    return f"pick another with --port {suggestion} (or --port 0 for any free one)"


def run_sandbox(
    host: str = credentials.DEFAULT_HOST,
    port: int = credentials.DEFAULT_PORT,
    *,
    access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME,
) -> None:
    """Serve until Ctrl+C or SIGTERM, printing the URL once listening and a line per request."""
    handler = logging.StreamHandler(sys.stdout)
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    try:
        asyncio.run(
            _serve_forever(host, port, TokenStore(access_token_lifetime=access_token_lifetime))
        )
    except KeyboardInterrupt:
        pass
    finally:
        ACCESS_LOG.removeHandler(handler)
    print("Sandbox stopped.", flush=True)


async def _serve_forever(host: str, port: int, tokens: TokenStore) -> None:
    async with await start_sandbox(host, port, tokens=tokens) as server:
        print(f"Sandbox listening on {server.url}/ (Ctrl+C to stop)", flush=True)
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError):  # no SIGTERM handlers on Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()


async def index(request: web.Request) -> web.Response:
    """GET /: a plain HTML page listing the routes and the demo credentials."""
    routes = (protected_api.ROUTES + oauth_server.ROUTES + tripletex.ROUTES + superoffice.ROUTES
              + webcrm.ROUTES + aws.ROUTES + digest_api.ROUTES + hmac_api.ROUTES)
    route_rows = "".join(
        f"<tr><td>{m}</td><td><code>{html.escape(p)}</code></td><td>{html.escape(d)}</td></tr>"
        for m, p, d in routes
    )
    credential_rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td><code>{html.escape(value)}</code></td></tr>"
        for name, value in _CREDENTIALS
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Connection Workbench sandbox</title></head>
<body>
<h1>Connection Workbench sandbox</h1>
<p>A local, offline stand-in for remote APIs. The credentials below are public demo values for
this sandbox only.</p>
<h2>Routes</h2>
<table border="1"><tr><th>Method</th><th>Path</th><th>Authentication</th></tr>{route_rows}</table>
<h2>Credentials</h2>
<table border="1"><tr><th>What</th><th>Value</th></tr>{credential_rows}</table>
</body></html>
"""
    return web.Response(text=page, content_type="text/html")


@web.middleware
async def _json_route_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown paths and wrong methods answer in JSON, like the rest of the API."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        message = f"no route {request.path}; see / for the list"
        return web.json_response({"error": "not_found", "message": message}, status=404)
    except web.HTTPMethodNotAllowed as error:
        message = (
            f"{request.method} is not allowed here; use {', '.join(sorted(error.allowed_methods))}"
        )
        return web.json_response(
            {"error": "method_not_allowed", "message": message},
            status=405,
            headers={"Allow": ", ".join(sorted(error.allowed_methods))},
        )


class _RedactingAccessLogger(AbstractAccessLogger):
    """Logs method, path, query parameter names (never values) and status."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        query = "&".join(f"{name}=***" for name in request.query)
        target = f"{request.path}?{query}" if query else request.path
        self.logger.info(
            "%s %s → %s (%.0f ms)", request.method, target, response.status, time * 1000
        )
