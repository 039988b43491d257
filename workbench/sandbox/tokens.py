"""In-memory store of the OAuth2 tokens the sandbox issues: random values with expiry and scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from workbench.sandbox.credentials import OAUTH_CLIENT_ID, OAUTH_REFRESH_TOKEN, OAUTH_SCOPES

DEFAULT_ACCESS_TOKEN_LIFETIME = 3600
DEFAULT_REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600
# Rotated refresh tokens carry a MAC, so a sandbox started later still honours them: the app
# saves a rotated token in the keychain, and the next session's sandbox must accept it. A
# well-known key is fine here: the sandbox guards nothing.
_CARRY_KEY = b"connection-workbench sandbox refresh tokens"
_CARRY_PREFIX = "sbx-rt."


class TokenRejected(Exception):
    """A presented token is unknown, expired, already used or not the caller's; str says which."""


@dataclass(frozen=True)
class IssuedToken:
    """One token the sandbox handed out. `repr` masks the value."""

    value: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float

    @property
    def scope(self) -> str:
        """The scopes as the space-separated string OAuth2 uses."""
        return " ".join(sorted(self.scopes))

    def __repr__(self) -> str:
        return f"IssuedToken({self.value[:4]}…, client_id={self.client_id!r}, scope={self.scope!r})"


class TokenStore:
    """Issues, checks and rotates tokens; time comes from `clock` so tests can move it."""

    def __init__(
        self,
        *,
        access_token_lifetime: int = DEFAULT_ACCESS_TOKEN_LIFETIME,
        refresh_token_lifetime: int = DEFAULT_REFRESH_TOKEN_LIFETIME,
        clock: Callable[[], float] = time.monotonic,
        seed_refresh_token: str | None = OAUTH_REFRESH_TOKEN,
    ) -> None:
        if access_token_lifetime < 1 or refresh_token_lifetime < 1:
            raise ValueError("token lifetimes are whole seconds, at least 1")
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self._clock = clock
        self._access: dict[str, IssuedToken] = {}
        self._refresh: dict[str, IssuedToken] = {}
        self._used_refresh: dict[str, float] = {}  # value → when it would have expired
        if seed_refresh_token:
            self._refresh[seed_refresh_token] = self._new(
                OAUTH_CLIENT_ID, OAUTH_SCOPES, refresh_token_lifetime, seed_refresh_token
            )

    def issue_access_token(self, client_id: str, scopes: Iterable[str]) -> IssuedToken:
        """A fresh access token for `client_id` with `scopes`."""
        self._forget_expired()
        token = self._new(client_id, scopes, self.access_token_lifetime)
        self._access[token.value] = token
        return token

    def check_access_token(self, value: str) -> IssuedToken:
        """The live access token with this value, else TokenRejected."""
        token = self._access.get(value)
        if token is None:
            raise TokenRejected("the access token is unknown to this sandbox")
        if self.seconds_left(token) <= 0:
            ago = round(self._clock() - token.expires_at)
            raise TokenRejected(f"the access token expired {ago} s ago")
        return token

    def check_refresh_token(self, value: str, client_id: str) -> IssuedToken:
        """The live refresh token with this value issued to `client_id`, else TokenRejected."""
        token = self._refresh.get(value)
        if token is None:
            if value in self._used_refresh:
                raise TokenRejected(
                    "the refresh token was already used; each refresh returns a new one "
                    "(rotation) and the old one stops working"
                )
            token = self._carried_over(value)
            if token is None:
                raise TokenRejected("the refresh token is unknown to this sandbox")
        if token.client_id != client_id:
            raise TokenRejected("the refresh token was issued to another client")
        if self.seconds_left(token) <= 0:
            raise TokenRejected("the refresh token has expired")
        return token

    def rotate_refresh_token(self, old: IssuedToken) -> IssuedToken:
        """Retire `old` and issue its replacement with the same client and scopes."""
        self._forget_expired()
        del self._refresh[old.value]
        self._used_refresh[old.value] = old.expires_at
        token = self._new(old.client_id, old.scopes, self.refresh_token_lifetime,
                          _carryable(old.client_id))
        self._refresh[token.value] = token
        return token

    def _carried_over(self, value: str) -> IssuedToken | None:
        """A refresh token rotated by an earlier sandbox run, taken on as new; else None."""
        parts = value[len(_CARRY_PREFIX):].rsplit(".", 2)
        if not value.startswith(_CARRY_PREFIX) or len(parts) != 3:
            return None
        client_id, nonce, mac = parts
        if not hmac.compare_digest(mac, _mac(client_id, nonce)):
            return None
        token = self._new(client_id, OAUTH_SCOPES, self.refresh_token_lifetime, value)
        self._refresh[value] = token
        return token

    def seconds_left(self, token: IssuedToken) -> float:
        return token.expires_at - self._clock()

    def _new(
        self, client_id: str, scopes: Iterable[str], lifetime: int, value: str | None = None
    ) -> IssuedToken:
        return IssuedToken(
            value=value or secrets.token_urlsafe(32),
            client_id=client_id,
            scopes=frozenset(scopes),
            expires_at=self._clock() + lifetime,
        )

    def _forget_expired(self) -> None:
        # Expired tokens stay for one more refresh lifetime, so a late caller still hears
        # "expired" or "already used" rather than "unknown".
        now = self._clock()
        grace = self.refresh_token_lifetime
        self._access = {k: t for k, t in self._access.items() if t.expires_at + grace > now}
        self._refresh = {k: t for k, t in self._refresh.items() if t.expires_at + grace > now}
        self._used_refresh = {k: e for k, e in self._used_refresh.items() if e + grace > now}


def _carryable(client_id: str) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{_CARRY_PREFIX}{client_id}.{nonce}.{_mac(client_id, nonce)}"


def _mac(client_id: str, nonce: str) -> str:
    digest = hmac.new(_CARRY_KEY, f"{client_id}.{nonce}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]
