"""Auth schemes by name: each turns a connector's auth entry and form values into an httpx.Auth.

The four Blueprint schemes are registered here; vendor schemes are plugins (`plugins.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from workbench.core.auth.oauth2 import OAuth2Flow, TokenCallback
from workbench.core.auth.plugins import vendor_scheme
from workbench.core.auth.schemes import ApiKeyAuth, BearerAuth
from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import InputError
from workbench.core.redaction import Redactor

if TYPE_CHECKING:
    from workbench.core.config.model import Authentication
    from workbench.core.events import EventLog

__all__ = [
    "AuthContext",
    "OAuth2Flow",
    "TokenSet",
    "build_auth",
    "register_scheme",
]


@dataclass
class AuthContext:
    """What a scheme may need beyond the form values."""

    redactor: Redactor
    token_url: str = ""  # oauth2 token URL with placeholders filled (or overridden)
    on_token: TokenCallback | None = None
    token: TokenSet | None = None  # a token kept from an earlier run
    code_verifier: str = ""
    base_url: str = ""  # where the check's requests go, placeholders filled (or overridden)
    log: EventLog | None = None  # for notes a scheme adds to the timeline
    client_cert: str | None = None  # the PEM the transport presents (mutual TLS)

    def note(self, text: str) -> None:
        """Add a note to the run's timeline (what an assertion says, which certificate)."""
        if self.log is not None:
            self.log.note(text, flow="auth", step="auth")


SchemeBuilder = Callable[["Authentication", Mapping[str, str], AuthContext], httpx.Auth]
_SCHEMES: dict[str, SchemeBuilder] = {}


def register_scheme(auth_type: str, builder: SchemeBuilder) -> None:
    """Make `auth_type` available to every connector."""
    _SCHEMES[auth_type] = builder


def build_auth(
    entry: Authentication | None, values: Mapping[str, str], context: AuthContext
) -> httpx.Auth | None:
    """The httpx.Auth for a connector's auth entry; None when it needs no auth."""
    if entry is None or entry.auth_type is None:
        return None
    builtin = _SCHEMES.get(entry.auth_type)
    if builtin is not None:
        return builtin(entry, values, context)
    vendor = vendor_scheme(entry.auth_type)
    if vendor is None:
        raise InputError(f"auth_type {entry.auth_type!r} is not installed")
    return vendor.build(entry, values, context)


def _bearer(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    ctx.redactor.add_value(values["bearer_token"])
    return BearerAuth(values["bearer_token"])


def _basic(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    ctx.redactor.add_basic_credentials(values["username"], values.get("password", ""))
    return httpx.BasicAuth(values["username"], values.get("password", ""))


def _api_key(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    location = entry.location or "header"
    name = values["key_name"]
    if location == "header":
        ctx.redactor.add_header(name)
    else:
        ctx.redactor.add_key(name)
    ctx.redactor.add_value(values["key_value"])
    return ApiKeyAuth(location, name, values["key_value"])


def _oauth2(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    from workbench.core.auth.oauth2_setup import build_oauth2  # it imports this module

    return build_oauth2(entry, values, ctx)


def _aws_sigv4(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    from workbench.core.auth.aws_sigv4 import build_sigv4  # httpx-auth only when used

    return build_sigv4(entry, values, ctx)


def _digest(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    from workbench.core.auth.digest import build_digest

    return build_digest(entry, values, ctx)


def _hmac(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    from workbench.core.auth.hmac_signing import build_hmac  # it imports the config model

    return build_hmac(entry, values, ctx)


register_scheme("bearer", _bearer)
register_scheme("basic_http", _basic)
register_scheme("api_key", _api_key)
register_scheme("oauth2", _oauth2)
register_scheme("aws_sigv4", _aws_sigv4)
register_scheme("digest", _digest)
register_scheme("hmac", _hmac)
