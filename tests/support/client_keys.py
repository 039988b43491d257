"""The test clients' signing keys (made fresh per test session) and their public JWK set, which
the oidc-provider registers for private_key_jwt and the JWT bearer grant."""

from __future__ import annotations

import json
from functools import cache

from joserfc.jwk import ECKey, RSAKey


@cache
def rsa_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "wb-rsa"})


@cache
def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"kid": "wb-ec"})


def rsa_pem() -> str:
    """The RSA key as PEM, as a user pastes it (no kid inside)."""
    return rsa_key().as_pem(private=True).decode()


def ec_jwk() -> str:
    """The EC key as a private JWK with its kid."""
    return json.dumps(ec_key().as_dict(private=True))


def provider_env() -> dict[str, str]:
    """server.mjs settings that register these keys' public halves."""
    keys = [rsa_key().as_dict(private=False), ec_key().as_dict(private=False)]
    return {"WB_OIDC_CLIENT_JWKS": json.dumps({"keys": keys})}
