"""A generic HMAC request signer for the many APIs with a scheme of their own: which parts of
the request are signed and in what order, the hash, the encoding, and the timestamp, nonce,
key id and body digest headers — all from the connector's `hmac` block.

The HMAC is the standard library's; what is ours is assembling the string to sign, which the
log shows (it holds no secret), because a signature mismatch is nearly always a different
string to sign on the two sides.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator, Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING

import httpx

from workbench.core.config.model import HmacSettings
from workbench.core.errors import InputError

if TYPE_CHECKING:
    from workbench.core.auth import AuthContext
    from workbench.core.config.model import Authentication


def decode_key(text: str, encoding: str) -> bytes:
    """The key's bytes as the connector says it is written."""
    try:
        if encoding == "base64":
            return base64.b64decode(text, validate=True)
        if encoding == "hex":
            return bytes.fromhex(text)
    except (binascii.Error, ValueError):
        raise InputError(f"hmac_key is not valid {encoding} (key_encoding: {encoding})") \
            from None
    return text.encode("utf-8")


def encode(digest: bytes, encoding: str) -> str:
    if encoding == "hex":
        return digest.hex()
    if encoding == "base64url":
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return base64.b64encode(digest).decode("ascii")


class HmacSigner(httpx.Auth):
    """Signs each request as `settings` describe; notes the string it signed."""

    requires_request_body = True

    def __init__(self, settings: HmacSettings, key: bytes, key_id: str,
                 note: Callable[[str], None], clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._key = key
        self._key_id = key_id
        self._note = note
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        s = self._settings
        body = request.content
        moment = self._clock()
        values = {"timestamp": self._timestamp(moment), "nonce": secrets.token_hex(16),
                  "key_id": self._key_id, "body_sha256": hashlib.sha256(body).hexdigest()}
        for header, name in ((s.timestamp_header, "timestamp"), (s.nonce_header, "nonce"),
                             (s.key_id_header, "key_id"), (s.body_digest_header, "body_sha256")):
            if header:
                request.headers[header] = values[name]
        signed = s.separator.join(self._component(c, request, body, values)
                                  for c in s.components)
        digest = hmac.new(self._key, signed.encode("utf-8"), s.algorithm).digest()
        signature = encode(digest, s.encoding)
        request.headers[s.signature_header] = s.signature_format.format(
            signature=signature, key_id=self._key_id)
        self._note(f"HMAC-{s.algorithm.upper()} ({s.encoding}) in {s.signature_header} over "
                   f"{'+'.join(s.components)}: {signed!r}")
        yield request

    def _timestamp(self, moment: float) -> str:
        fmt = self._settings.timestamp_format
        if fmt == "unix_ms":
            return str(int(moment * 1000))
        if fmt == "iso8601":
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
        if fmt == "http_date":
            return formatdate(moment, usegmt=True)
        return str(int(moment))

    @staticmethod
    def _component(name: str, request: httpx.Request, body: bytes,
                   values: Mapping[str, str]) -> str:
        url = request.url
        target = url.raw_path.decode("ascii")
        parts: dict[str, Callable[[], str]] = {
            "method": lambda: request.method.upper(),
            "path": lambda: target,
            "path_only": lambda: target.split("?", 1)[0],
            "query": lambda: url.query.decode("ascii"),
            "host": lambda: request.headers.get("host", url.netloc.decode("ascii")),
            "body": lambda: body.decode("utf-8", errors="replace"),
            "body_sha256_base64": lambda: base64.b64encode(hashlib.sha256(body).digest())
            .decode(),
            "body_md5_base64": lambda: base64.b64encode(hashlib.md5(body).digest()).decode(),
        }
        if name in values:
            return values[name]
        if name.startswith("header:"):
            return request.headers.get(name[7:], "")
        if name.startswith("literal:"):
            return name[8:]
        return parts[name]()


def build_hmac(entry: Authentication, values: Mapping[str, str],
               ctx: AuthContext) -> httpx.Auth:
    """The signer for an hmac entry: its settings (defaults when the block is left out)."""
    settings = entry.hmac or HmacSettings()
    secret = values.get("hmac_key", "")
    if not secret:
        raise InputError("hmac_key has no value")
    ctx.redactor.add_value(secret)
    ctx.redactor.add_header(settings.signature_header)
    return HmacSigner(settings, decode_key(secret, settings.key_encoding),
                      values.get("key_id", ""), ctx.note)
