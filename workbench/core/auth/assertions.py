"""JWT assertions a client signs: client authentication (RFC 7523 §2.2, OIDC Core §9:
private_key_jwt, client_secret_jwt) and the JWT bearer grant (RFC 7523 §2.1).

Each assertion is fresh: `iat` now, `exp` 300 s later, a unique `jti` (providers refuse a
replayed one), `kid` when the key has one. `aud` is the token endpoint unless the connector
says the issuer (some providers, Okta's org server among them, want one, some the other).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt

from workbench.core.auth.signing_keys import ClientKey

LIFETIME = 300  # seconds: long enough for a slow proxy, short enough to be worthless if leaked
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class AssertionSigner:
    """Makes signed assertions for one client: `iss` (the client id or a service account),
    `sub`, the audience rule, and extra claims (Google wants `scope` in the JWT)."""

    key: ClientKey
    issuer: str
    subject: str
    audience: str = ""  # fixed audience; empty: the token endpoint the request goes to
    claims: Mapping[str, Any] = field(default_factory=dict)
    clock: Callable[[], float] = time.time

    def sign(self, token_url: str) -> str:
        """A new assertion for a request to `token_url`."""
        now = int(self.clock())
        claims = {"iss": self.issuer, "sub": self.subject, "aud": self.audience or token_url,
                  "iat": now, "exp": now + LIFETIME, "jti": str(uuid.uuid4()), **self.claims}
        header: dict[str, Any] = {"alg": self.key.alg}
        if self.key.kid:
            header["kid"] = self.key.kid
        return jwt.encode(header, claims, self.key.key, algorithms=[self.key.alg])

    def describe(self, token_url: str) -> str:
        """What the assertions say, for the log (never the signature)."""
        kid = f", kid {self.key.kid}" if self.key.kid else ", no kid"
        extra = "".join(f", {k} {v!r}" for k, v in self.claims.items())
        return (f"{self.key.alg}{kid}; iss {self.issuer!r}, sub {self.subject!r}, "
                f"aud {self.audience or token_url!r}, exp +{LIFETIME} s, unique jti{extra}")
