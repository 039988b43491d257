"""When a token from an earlier run may be reused: only while every input that obtained it is
unchanged, so a pass always speaks for what the user typed in this run.

The inputs are digested, never stored: the auth fields (the refresh token too), the parameters
the auth, base URL and default headers use, the connector's authentication entry (grant,
scopes, token_url, key_map, is_basic_auth, vendor environments), its base URL and default
headers, the run's base/token URL overrides and the network settings (proxy, CA, client
certificate, TLS verification). Values only the validation steps use are left out: a changed
step does not make the token any less valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.core.auth.tokens import TokenSet, TokenSource
from workbench.core.config.model import Blueprint
from workbench.core.formspec import form_spec, step_placeholders
from workbench.core.templates import placeholders

if TYPE_CHECKING:
    from workbench.core.check import CheckOptions

# Network settings that change nothing about who we are to the server.
_NOT_IDENTITY = ("timeout", "connect_timeout", "follow_redirects")


def inputs_digest(blueprint: Blueprint, given: Mapping[str, str], options: CheckOptions,
                  token: TokenSet | None = None) -> str:
    """A digest of everything that obtains a token for `blueprint` with these values.

    With `token`, its refresh token stands in for the typed one: when the server rotates the
    refresh token the app puts the new one in the form, and that change of ours must not
    throw away the token it came with.
    """
    spec = form_spec(blueprint)
    values = spec.with_defaults(given)
    if token is not None and token.refresh_token and spec.field("refresh_token") is not None:
        values["refresh_token"] = token.refresh_token
    entry = blueprint.authentication
    connector = blueprint.connector
    auth_side = placeholders(connector.base_url) | set().union(
        *(placeholders(v) for v in connector.default_headers.values()))
    entry_text = json.dumps(entry.model_dump(mode="json") if entry else None, sort_keys=True)
    auth_side |= placeholders(entry_text)
    step_only = step_placeholders(blueprint) - auth_side
    relevant = {f.name: values.get(f.name, "") for f in spec.fields
                if f.group == "authentication" or f.name not in step_only}
    settings = {k: v for k, v in asdict(options.settings).items() if k not in _NOT_IDENTITY}
    material = {
        "values": relevant,
        "authentication": entry_text,
        "base_url": connector.base_url,
        "default_headers": connector.default_headers,
        "base_url_override": options.base_url,
        "token_url_override": options.token_url,
        "network": settings,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


@dataclass
class KeptToken:
    token: TokenSet
    digest: str


class TokenKeeper:
    """The last token of each connector, kept with the digest of the inputs that obtained it."""

    def __init__(self) -> None:
        self._kept: dict[str, KeptToken] = {}

    def get(self, key: str) -> TokenSet | None:
        kept = self._kept.get(key)
        return kept.token if kept else None

    def reusable(self, key: str, digest: str) -> TokenSet | None:
        """The kept token, if the inputs of this run are the ones that obtained it."""
        kept = self._kept.get(key)
        return kept.token if kept is not None and kept.digest == digest else None

    def keep(self, key: str, token: TokenSet, digest: str) -> None:
        self._kept[key] = KeptToken(token, digest)

    def forget(self, key: str, token: TokenSet | None = None) -> None:
        """Drop the kept token (only if it is `token`, when given)."""
        kept = self._kept.get(key)
        if kept is not None and (token is None or kept.token is token):
            del self._kept[key]


def clock_time(epoch: float) -> str:
    """Local wall-clock time to the second, as the user reads it on screen (14:02:11)."""
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


def describe_source(source: TokenSource | None, token: TokenSet | None) -> str:
    """One sentence on where this run's token came from; empty when no token is involved."""
    if source is None or token is None:
        return ""
    when = clock_time(token.obtained_at)
    if source == "reused":
        return (f"Reused the token obtained {when} by an earlier run: this run sent no token "
                "request.")
    if source == "refreshed":
        return f"Refreshed the token at {when}: a new access token from the refresh token."
    return f"Fetched a new token at {when}."
