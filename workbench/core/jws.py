"""Verify a signed JWT against a JWK set: for tokens the workbench must trust, not just show.

joserfc does the cryptography and the claim checks; this module picks what is checked (the
algorithms allowed, the audience, 60 s of clock leeway on `exp`) and says in plain words which
check failed, since that is what a support engineer acts on.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyTypeError,
    JoseError,
    UnsupportedAlgorithmError,
)
from joserfc.jwk import KeySet

from workbench.core.jwt import decode_jwt

LEEWAY = 60  # seconds of clock skew allowed on exp


class JwtRejected(ValueError):
    """The token is not one we can trust; the message says why."""


def verify_jwt(token: str, jwks: Mapping[str, Any], *, algorithms: Collection[str] = ("RS256",),
               audience: str | None = None, now: float | None = None) -> dict[str, Any]:
    """The claims of `token` once its signature (with one of `algorithms`), expiry and
    audience check out."""
    decoded = decode_jwt(token)
    if decoded is None or decoded.claims is None:
        raise JwtRejected("it is not a signed JWT")
    if decoded.algorithm not in algorithms:
        raise JwtRejected(f"it is signed with {decoded.algorithm!r}, not {' or '.join(algorithms)}")
    keys = _key_set(jwks, decoded.header.get("kid"))
    try:
        verified = jwt.decode(token.strip(), keys, algorithms=list(algorithms))
    except BadSignatureError:
        raise JwtRejected("its signature does not match the issuer's published keys") from None
    except (InvalidKeyTypeError, UnsupportedAlgorithmError, ValueError) as exc:
        raise JwtRejected(f"no published key fits it ({exc})") from None
    moment = int(time.time() if now is None else now)
    options: dict[str, Any] = {"aud": {"essential": False, "value": audience}} if audience else {}
    try:
        jwt.JWTClaimsRegistry(now=moment, leeway=LEEWAY, **options).validate(verified.claims)
    except ExpiredTokenError:
        expires = decoded.expires_at or moment
        raise JwtRejected(f"it expired {int(moment - expires)} s ago") from None
    except InvalidClaimError as exc:
        if exc.claim == "aud":
            aud = verified.claims.get("aud")
            allowed = aud if isinstance(aud, list) else [aud]
            raise JwtRejected(f"it is meant for {allowed}, not {audience!r}") from None
        raise JwtRejected(f"its {exc.claim!r} claim is not valid") from None
    except JoseError as exc:
        raise JwtRejected(f"its claims are not valid ({exc.description})") from None
    return dict(verified.claims)


def _key_set(jwks: Mapping[str, Any], kid: Any) -> KeySet:
    """The published keys that may have signed a token with `kid`."""
    published = [k for k in jwks.get("keys", ()) if isinstance(k, dict)]
    chosen = [k for k in published if kid is not None and k.get("kid") == kid] or (
        published if kid is None or len(published) == 1 else [])
    if not chosen:
        raise JwtRejected(f"no published key has its key id {kid!r}")
    try:
        return KeySet.import_key_set({"keys": chosen})
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise JwtRejected(f"the published key is incomplete or invalid ({exc})") from None
