"""Read a JWT's header and claims so a user can see what a token says about itself.

Decoding only: the signature is never verified here (the workbench rarely has the keys), so
everything shown is what the token *claims*. The parsing is joserfc's (with its size limits);
what is ours is the wording and the readable times. Anything that is not a JWT (an opaque
token) decodes to None; nothing here raises on bad input.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from joserfc import jwe, jws
from joserfc.errors import JoseError

TIME_CLAIMS = ("exp", "iat", "nbf", "auth_time")
SIGNATURE_NOTE = "signature not verified"
ENCRYPTED_NOTE = "payload is encrypted (JWE): only the header can be read"

_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class DecodedJwt:
    """A JWT's header and claims as JSON objects; `claims` is None when the payload is encrypted."""

    header: dict[str, Any]
    claims: dict[str, Any] | None
    encrypted: bool = False

    @property
    def note(self) -> str:
        """What the user must know before trusting what is shown."""
        return ENCRYPTED_NOTE if self.encrypted else SIGNATURE_NOTE

    @property
    def algorithm(self) -> str | None:
        """The `alg` header, when it is text."""
        alg = self.header.get("alg")
        return alg if isinstance(alg, str) else None

    @property
    def expires_at(self) -> float | None:
        """The `exp` claim as epoch seconds, or None when absent or not a number."""
        if self.claims is None:
            return None
        return numeric_date(self.claims.get("exp"))

    def presented(self) -> dict[str, Any]:
        """Header and claims for display, with time claims humanised."""
        shown: dict[str, Any] = {"header": humanise_time_claims(self.header)}
        if self.claims is not None:
            shown["claims"] = humanise_time_claims(self.claims)
        return shown

    def pretty(self) -> str:
        """`presented()` as indented JSON."""
        return json.dumps(self.presented(), indent=2, ensure_ascii=False)


def decode_jwt(token: str) -> DecodedJwt | None:
    """Decode a compact JWS (3 parts) or the header of a JWE (5 parts); None if not a JWT."""
    if not isinstance(token, str):
        return None
    # Lenient where it costs nothing: padded segments (some issuers pad) still read.
    parts = [part.rstrip(b"=") for part in token.strip().encode("utf-8", "replace").split(b".")]
    if not all(_BASE64URL.fullmatch(part) for part in parts):
        return None
    compact = b".".join(parts)
    try:
        if compact.count(b".") == 4:
            encrypted = jwe.extract_compact(compact, jwe.default_registry)
            return DecodedJwt(dict(encrypted.headers()), None, encrypted=True)
        signed = jws.extract_compact(compact)
        claims = json.loads(signed.payload.decode("utf-8"))
    except (JoseError, ValueError, TypeError, RecursionError):
        return None
    header = signed.headers()
    if not isinstance(claims, dict) or not isinstance(header, dict):
        return None
    return DecodedJwt(dict(header), claims)


def numeric_date(value: Any) -> float | None:
    """A JWT NumericDate (seconds since the epoch) as a float, or None if it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def utc_text(epoch: float) -> str | None:
    """Epoch seconds as 'YYYY-MM-DD HH:MM:SS UTC', or None when out of the calendar's range."""
    try:
        moment = datetime.fromtimestamp(epoch, tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def humanise_time_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """A copy of `claims` where exp, iat, nbf and auth_time also read as a UTC date and time."""
    shown = dict(claims)
    for name in TIME_CLAIMS:
        epoch = numeric_date(claims.get(name))
        text = None if epoch is None else utc_text(epoch)
        if text is not None:
            shown[name] = f"{claims[name]} ({text})"
    return shown
