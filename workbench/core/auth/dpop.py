"""DPoP (RFC 9449): proofs that bind tokens to a key the client holds, for token requests and
API calls, with the server-nonce retry (`use_dpop_nonce`) FAPI 2.0 providers require.

One key per OAuth2 flow (ES256, made fresh, kept with the token it bound, never stored); each
proof is a new JWT naming the method and URL (`htm`, `htu`), a unique `jti`, `iat`, the
server's latest nonce, and for API calls the access token's hash (`ath`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from workbench.core.www_authenticate import parse_challenges

NONCE_ERROR = "use_dpop_nonce"


class DPoPProver:
    """Signs DPoP proofs with one key and remembers each server's nonce (by origin)."""

    def __init__(self, key: ECKey | None = None, clock: Callable[[], float] = time.time) -> None:
        self._key = key or ECKey.generate_key("P-256")
        self._clock = clock
        self._nonces: dict[str, str] = {}

    @property
    def thumbprint(self) -> str:
        """The key's RFC 7638 thumbprint: what a bound token's `cnf.jkt` must be."""
        return self._key.thumbprint()

    def proof(self, method: str, url: httpx.URL | str, access_token: str | None = None) -> str:
        """A proof for one request (RFC 9449 §4.2)."""
        target = httpx.URL(str(url))
        claims: dict[str, Any] = {
            "jti": str(uuid.uuid4()), "htm": method.upper(),
            "htu": str(target.copy_with(query=None, fragment=None)), "iat": int(self._clock())}
        nonce = self._nonces.get(_origin(target))
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            digest = hashlib.sha256(access_token.encode("ascii")).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self._key.as_dict(private=False)}
        return jwt.encode(header, claims, self._key, algorithms=["ES256"], default_type=None)

    def sign(self, request: httpx.Request, access_token: str | None = None) -> None:
        """Put a fresh proof on `request`."""
        request.headers["DPoP"] = self.proof(request.method, request.url, access_token)

    def wants_nonce(self, response: httpx.Response) -> bool:
        """Whether `response` refused the proof for lacking the server's (new) nonce; the nonce
        is learned either way, so the next proof carries it (RFC 9449 §8, §9)."""
        nonce = response.headers.get("dpop-nonce")
        origin = _origin(response.request.url)
        if nonce:
            self._nonces[origin] = nonce
        return bool(nonce) and _nonce_error(response)


def _nonce_error(response: httpx.Response) -> bool:
    if response.status_code == 401:
        return any(c.is_scheme("dpop") and c.param("error") == NONCE_ERROR
                   for c in parse_challenges(response.headers.get_list("www-authenticate")))
    if response.status_code == 400:
        try:
            return bool(json.loads(response.content).get("error") == NONCE_ERROR)
        except (ValueError, AttributeError):
            return False
    return False


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii')}"
