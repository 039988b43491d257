"""A local, offline stand-in for remote APIs, so every auth flow can be tried with no account.

Start it in-process with `start_sandbox()` (tests, the GUI) or serve it with `run_sandbox()`
(`workbench sandbox`). The credential constants are public demo values for the sandbox only.
"""

from workbench.sandbox.credentials import (
    API_KEY,
    API_KEY_HEADER,
    API_KEY_QUERY_PARAM,
    BASIC_PASSWORD,
    BASIC_USERNAME,
    BEARER_TOKEN,
    DEFAULT_HOST,
    DEFAULT_PORT,
    OAUTH_CLIENT_ID,
    OAUTH_CLIENT_SECRET,
    OAUTH_DEFAULT_SCOPE,
    OAUTH_REFRESH_TOKEN,
    OAUTH_SCOPES,
)
from workbench.sandbox.server import SandboxServer, run_sandbox, start_sandbox
from workbench.sandbox.tokens import TokenStore

__all__ = [
    "API_KEY",
    "API_KEY_HEADER",
    "API_KEY_QUERY_PARAM",
    "BASIC_PASSWORD",
    "BASIC_USERNAME",
    "BEARER_TOKEN",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "OAUTH_DEFAULT_SCOPE",
    "OAUTH_REFRESH_TOKEN",
    "OAUTH_SCOPES",
    "SandboxServer",
    "TokenStore",
    "run_sandbox",
    "start_sandbox",
]
