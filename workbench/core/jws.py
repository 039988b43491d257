"""Verify an RS256-signed JWT against a JWK set: for tokens the workbench must trust, not show.

`jwt.py` only decodes; this module checks the signature, the expiry and the audience, and says
in plain words which of them failed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from workbench.core.jwt import b64url_decode, decode_jwt

LEEWAY = 60  # seconds of clock skew allowed on exp


class JwtRejected(ValueError):
    """The token is not one we can trust; the message says why."""


def verify_rs256(token: str, jwks: Mapping[str, Any], *, audience: str | None = None,
                 now: float | None = None) -> dict[str, Any]:
    """The claims of `token` once its RS256 signature, expiry and audience check out."""
    decoded = decode_jwt(token)
    if decoded is None or decoded.claims is None:
        raise JwtRejected("it is not a signed JWT")
    if decoded.algorithm != "RS256":
        raise JwtRejected(f"it is signed with {decoded.algorithm!r}, not RS256")
    header_b64, claims_b64, signature_b64 = token.strip().split(".")
    signature = b64url_decode(signature_b64)
    if signature is None:
        raise JwtRejected("its signature is not base64url")
    key = _public_key(jwks, decoded.header.get("kid"))
    try:
        key.verify(signature, f"{header_b64}.{claims_b64}".encode("ascii"),
                   padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise JwtRejected("its signature does not match the issuer's published keys") from None
    claims = decoded.claims
    moment = time.time() if now is None else now
    expires = decoded.expires_at
    if expires is not None and expires + LEEWAY < moment:
        raise JwtRejected(f"it expired {int(moment - expires)} s ago")
    if audience is not None and "aud" in claims:
        allowed = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in allowed:
            raise JwtRejected(f"it is meant for {allowed}, not {audience!r}")
    return claims


def _public_key(jwks: Mapping[str, Any], kid: Any) -> rsa.RSAPublicKey:
    keys = [k for k in jwks.get("keys", ()) if isinstance(k, dict) and k.get("kty") == "RSA"]
    chosen = [k for k in keys if kid is not None and k.get("kid") == kid] or (
        keys if kid is None or len(keys) == 1 else [])
    if not chosen:
        raise JwtRejected(f"no published RSA key has its key id {kid!r}")
    n, e = (b64url_decode(str(chosen[0].get(part, ""))) for part in ("n", "e"))
    if not n or not e:
        raise JwtRejected("the published key is incomplete (no n or e)")
    numbers = rsa.RSAPublicNumbers(int.from_bytes(e, "big"), int.from_bytes(n, "big"))
    return numbers.public_key()
