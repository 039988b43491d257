"""What a Sesam system receives: the secrets Sesam injects after onboarding, per auth scheme.

Names come from Sesam's authentication schemes (seed 004): oauth2 injects `oauth_*`, api_key
injects `api_key`, and the vendor variants add their own (`so_ticket`, `jwt_access_token`, …).
Values are never shown here; `masked` says only whether there is one and how long it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.auth.tokens import TokenSet
from workbench.core.config.manifest import SESAM_KEY
from workbench.core.config.model import Blueprint

OAUTH2_SECRETS = ("oauth_access_token", "oauth_client_id", "oauth_client_secret",
                  "oauth_refresh_token")
NOT_OBTAINED = "not obtained: the run stopped before this step"
NO_TOKEN = "no token yet: sign in (Authorize…) first"


@dataclass(frozen=True)
class ReceivedSecret:
    """One injected secret: its Sesam name, its value (empty when missing) and why missing."""

    name: str
    value: str = ""
    missing_because: str = ""

    @property
    def present(self) -> bool:
        return bool(self.value)

    @property
    def masked(self) -> str:
        return f"•••• ({len(self.value)} characters)" if self.value else "missing"

    def to_dict(self) -> dict[str, Any]:
        """For JSON output: never the value."""
        return {"name": self.name, "present": self.present, "length": len(self.value),
                "missing_because": self.missing_because or None}


def is_sesam(blueprint: Blueprint) -> bool:
    """Whether the connector was loaded from a Sesam manifest."""
    return isinstance((blueprint.model_extra or {}).get(SESAM_KEY), dict)


def received_secrets(blueprint: Blueprint, values: Mapping[str, str],
                     auth: httpx.Auth | None = None,
                     token: TokenSet | None = None) -> list[ReceivedSecret]:
    """The secrets the system would be given, after a run that got `auth` and `token`."""
    sesam = (blueprint.model_extra or {}).get(SESAM_KEY)
    if not isinstance(sesam, dict):
        return []
    found: dict[str, ReceivedSecret] = {}
    entry = blueprint.authentication
    vendor = vendor_scheme(entry.auth_type if entry else None)
    if sesam.get("auth") == "oauth2":
        found.update(_oauth2(values, token))
    if vendor is None and sesam.get("auth") == "api_key":
        field = sesam.get("secret_fields", {}).get("api_key", "key_value")
        found["api_key"] = _given("api_key", values.get(field, ""))
    if vendor is not None:
        produced = vendor.received(values, auth) if vendor.received else {}
        for name in vendor.injected:
            value = produced.get(name, "")
            why = "" if value else (NOT_OBTAINED if name not in values else "empty in the form")
            found[name] = ReceivedSecret(name, value, why)
    return list(found.values())


def _oauth2(values: Mapping[str, str], token: TokenSet | None) -> dict[str, ReceivedSecret]:
    access = token.access_token if token else ""
    refresh = (token.refresh_token or "") if token else ""
    return {
        "oauth_access_token": ReceivedSecret("oauth_access_token", access,
                                             "" if access else NO_TOKEN),
        "oauth_client_id": _given("oauth_client_id", values.get("client_id", "")),
        "oauth_client_secret": _given("oauth_client_secret", values.get("client_secret", "")),
        "oauth_refresh_token": ReceivedSecret(
            "oauth_refresh_token", refresh,
            "" if refresh else (NO_TOKEN if not token else "the provider issued none")),
    }


def _given(name: str, value: str) -> ReceivedSecret:
    return ReceivedSecret(name, value, "" if value else "empty in the form")
