"""Tokens as the app holds them: with an absolute expiry and a repr that never shows them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Literal

from workbench.core.redaction import REDACTED

if TYPE_CHECKING:
    from workbench.core.auth.dpop import DPoPProver


@dataclass(repr=False)
class TokenSet:
    """An access token (and friends) from a token endpoint, normalised through key_map."""

    access_token: str
    token_type: str = "Bearer"
    expires_at: float | None = None  # epoch seconds; None when the server did not say
    refresh_token: str | None = None
    scope: str | None = None
    id_token: str | None = None
    obtained_at: float = field(default_factory=time.time)
    raw: dict[str, Any] = field(default_factory=dict)
    obtained_with: str = ""  # the grant that produced it (refresh_token, client_credentials, …)
    dpop: DPoPProver | None = None  # the key a DPoP-bound token is bound to (memory only)

    @property
    def scheme(self) -> str:
        """The Authorization scheme; `bearer` in any case is sent as `Bearer`."""
        return "Bearer" if self.token_type.lower() == "bearer" else self.token_type

    def authorization(self) -> str:
        return f"{self.scheme} {self.access_token}"

    def expires_in(self, now: float | None = None) -> float | None:
        if self.expires_at is None:
            return None
        return self.expires_at - (time.time() if now is None else now)

    def expires_within(self, seconds: float) -> bool:
        left = self.expires_in()
        return left is not None and left <= seconds

    @property
    def refreshed(self) -> bool:
        """Obtained with a refresh token (rather than fetched through the connector's grant)."""
        return self.obtained_with == "refresh_token"

    def summary(self) -> dict[str, Any]:
        """What may be shown without a reveal: no token values."""
        left = self.expires_in()
        return {
            "token_type": self.scheme,
            "access_token": REDACTED,
            "refresh_token": REDACTED if self.refresh_token else None,
            "id_token": REDACTED if self.id_token else None,
            "expires_in": None if left is None else max(int(left), 0),
            "scope": self.scope,
            "obtained_at": utc_iso(self.obtained_at),
        }

    def __repr__(self) -> str:
        left = self.expires_in()
        expiry = "unknown" if left is None else f"{int(left)}s"
        return (
            f"TokenSet(token_type={self.scheme!r}, access_token={REDACTED!r}, "
            f"expires_in={expiry})"
        )

    __str__ = __repr__


TokenSource = Literal["fetched", "refreshed", "reused"]


def utc_iso(epoch: float) -> str:
    """An instant as ISO 8601 UTC to the second, e.g. 2026-05-04T12:02:11Z."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
