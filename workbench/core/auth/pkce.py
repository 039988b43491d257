"""PKCE (RFC 7636) and `state`: always S256, always from the OS's cryptographic randomness."""

from __future__ import annotations

import base64
import hashlib
import secrets

METHOD = "S256"  # never `plain`: OAuth 2.1 drops it, and falling back to it would be a downgrade


def new_verifier() -> str:
    """A code verifier of 86 unreserved characters (RFC 7636 allows 43 to 128)."""
    return secrets.token_urlsafe(64)


def challenge(verifier: str) -> str:
    """The S256 code challenge: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable `state` that ties the redirect to the request this app made."""
    return secrets.token_urlsafe(24)
