"""JWT signing and the matching JWK set, for stand-ins that act as token issuers (joserfc)."""

from __future__ import annotations

import base64
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 §2), as PKCE challenges use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SigningKey:
    """A fresh RSA key that signs RS256 JWTs and publishes itself as a JWK; its kid is its
    RFC 7638 thumbprint, so a new key never reuses an old kid."""

    def __init__(self, key: RSAKey | None = None) -> None:
        self._key = key or RSAKey.generate_key(2048)
        self.kid = self._key.thumbprint()

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK (RFC 7517) for a `jwks_uri` answer."""
        return {**self._key.as_dict(private=False), "kid": self.kid, "use": "sig",
                "alg": "RS256"}

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWK set with this one key."""
        return {"keys": [self.jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS with a `{"alg":"RS256","typ":"JWT","kid":…}` header."""
        return jwt.encode({"alg": "RS256", "kid": self.kid}, dict(claims), self._key)
