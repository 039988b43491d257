"""Signature checks over a delivery's raw bytes, compared in constant time.

Each check answers for one scheme: `verified`, `invalid` (a signature that does not match, or
one that is too old), or `unverified` (this scheme's header or parameter is absent).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

Status = Literal["verified", "unverified", "invalid"]
DEFAULT_TOLERANCE = 300  # seconds either side, as the Standard Webhooks libraries use
_NON_ASCII = "the {} header has non-ASCII characters: no signature can match"


@dataclass(frozen=True)
class Verification:
    """What one check concluded about a delivery, in words fit for the log."""

    status: Status
    scheme: str
    detail: str = ""


class SignedDelivery(Protocol):
    """What a check needs to see: the raw body, the headers and the query."""

    body: bytes

    def header(self, name: str) -> str | None: ...

    @property
    def query(self) -> Mapping[str, str]: ...


class SignatureCheck(Protocol):
    name: str

    def verify(self, delivery: SignedDelivery) -> Verification: ...


def _hmac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


class StandardWebhooks:
    """standardwebhooks.com: HMAC-SHA256 of "{id}.{timestamp}.{body}" with the base64 key of a
    `whsec_` secret, sent as space-separated `v1,<base64>`; several secrets while rotating."""

    name = "Standard Webhooks"

    def __init__(self, secrets: Sequence[str], tolerance: int = DEFAULT_TOLERANCE,
                 clock: Callable[[], float] = time.time) -> None:
        self._keys = [_whsec_key(s) for s in secrets if s]
        self._tolerance = tolerance
        self._clock = clock

    def verify(self, delivery: SignedDelivery) -> Verification:
        msg_id, stamp = delivery.header("webhook-id"), delivery.header("webhook-timestamp")
        sent = delivery.header("webhook-signature")
        if not (msg_id and stamp and sent):
            return Verification("unverified", self.name, "no webhook-id/-timestamp/-signature")
        if not sent.isascii():
            return Verification("invalid", self.name, _NON_ASCII.format("webhook-signature"))
        try:
            age = self._clock() - int(stamp)
        except ValueError:
            return Verification("invalid", self.name, f"webhook-timestamp {stamp!r} is not a "
                                "Unix time")
        if abs(age) > self._tolerance:
            return Verification("invalid", self.name, f"timestamp is {int(age)} s off; more "
                                f"than {self._tolerance} s means a replay or a wrong clock")
        message = f"{msg_id}.{stamp}.".encode() + delivery.body
        offered = [p.split(",", 1)[1] for p in sent.split() if p.startswith("v1,")]
        for key in self._keys:
            expected = base64.b64encode(_hmac(key, message)).decode()
            if any(hmac.compare_digest(expected, o) for o in offered):
                return Verification("verified", self.name)
        return Verification("invalid", self.name, "no v1 signature matches the secret(s)")


class HmacBodySignature:
    """A header holding base64url(HMAC-SHA256(secret, raw body)), padded or not; a platform
    names its header and scheme in a subclass (StackOne's `x-stackone-signature`)."""

    name = "body signature"
    header = "x-signature"

    def __init__(self, secrets: Sequence[str]) -> None:
        self._keys = [s.encode() for s in secrets if s]

    def verify(self, delivery: SignedDelivery) -> Verification:
        sent = delivery.header(self.header)
        if not sent:
            return Verification("unverified", self.name, f"no {self.header} header")
        if not sent.isascii():
            return Verification("invalid", self.name, _NON_ASCII.format(self.header))
        for key in self._keys:
            digest = _hmac(key, delivery.body)
            candidates = {base64.urlsafe_b64encode(digest).decode(),
                          base64.urlsafe_b64encode(digest).decode().rstrip("=")}
            if any(hmac.compare_digest(c, sent.strip()) for c in candidates):
                return Verification("verified", self.name)
        return Verification("invalid", self.name, "the signature does not match the secret(s)")


class QueryToken:
    """A shared token in the URL (`?token=…`): weaker than a signature, but documented."""

    name = "shared token"

    def __init__(self, token: str, parameter: str = "token") -> None:
        self._token, self._parameter = token, parameter

    def verify(self, delivery: SignedDelivery) -> Verification:
        sent = delivery.query.get(self._parameter)
        if sent is None:
            return Verification("unverified", self.name, f"no ?{self._parameter}= in the URL")
        if hmac.compare_digest(sent.encode(errors="replace"), self._token.encode()):
            return Verification("verified", self.name)
        return Verification("invalid", self.name, f"?{self._parameter}= does not match")


def overall(results: Sequence[Verification]) -> Verification:
    """One verdict: any invalid wins, then any verified; with no checks, unverified."""
    for status in ("invalid", "verified"):
        found = next((r for r in results if r.status == status), None)
        if found is not None:
            return found
    return results[0] if results else Verification("unverified", "none", "no check configured")


def standard_webhooks_headers(secret: str, msg_id: str, body: bytes,
                              timestamp: int | None = None) -> dict[str, str]:
    """The headers a Standard Webhooks sender adds (for the sandbox and tests)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = base64.b64encode(_hmac(_whsec_key(secret),
                                       f"{msg_id}.{stamp}.".encode() + body)).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": stamp,
            "webhook-signature": f"v1,{signature}"}


def hmac_body_signature(secret: str, body: bytes) -> str:
    """What a sender puts in an HmacBodySignature's header (for the sandbox and tests)."""
    return base64.urlsafe_b64encode(_hmac(secret.encode(), body)).decode()


def _whsec_key(secret: str) -> bytes:
    encoded = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return encoded.encode()  # some senders use the raw secret; accept it as bytes
