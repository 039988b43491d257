"""Keys a client signs with (client assertions, the JWT bearer grant, DPoP), from what users paste.

A private key arrives as PEM (PKCS#8 or the older RSA/EC forms) or as a JWK (alone, or the one
key of a JWK set, as Okta and Entra show them). joserfc holds the key; what is ours is the
choice of algorithm and saying in plain words what was pasted when it is not a usable key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OctKey, RSAKey

from workbench.core.errors import InputError

ASYMMETRIC_ALGS = ("RS256", "PS256", "ES256")
HMAC_ALGS = ("HS256",)
_CURVE_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}

SigningKeyType = RSAKey | ECKey | OctKey


@dataclass(frozen=True)
class ClientKey:
    """A private (or shared) key with the algorithm it signs with and its key id."""

    key: SigningKeyType
    alg: str
    kid: str | None = None


def load_private_key(text: str, *, alg: str | None = None, kid: str | None = None,
                     what: str = "private_key") -> ClientKey:
    """The key in `text` (PEM or JWK), checked against `alg` (default: RS256 for RSA, ES256
    for P-256). `kid` overrides the JWK's own kid."""
    text = (text or "").strip()
    if not text:
        raise InputError(f"{what} has no value: paste the PEM or JWK of the client's key")
    key = _from_jwk(text, what) if text.startswith("{") else _from_pem(text, what)
    chosen = alg or _default_alg(key)
    _check_fits(key, chosen, what)
    own_kid = key.kid
    return ClientKey(key, chosen, (kid or "").strip() or own_kid)


def shared_secret_key(secret: str, alg: str | None = None) -> ClientKey:
    """client_secret_jwt: the client secret itself is the HMAC key (OIDC Core §9)."""
    chosen = alg or "HS256"
    if chosen not in HMAC_ALGS:
        raise InputError(f"client_secret_jwt signs with HS256, not {chosen}: a shared secret "
                         "cannot make an RSA or EC signature (use private_key_jwt for that)")
    if not secret:
        raise InputError("client_secret has no value: client_secret_jwt signs with it")
    return ClientKey(OctKey.import_key(secret.encode("utf-8")), chosen)


def _from_pem(text: str, what: str) -> SigningKeyType:
    if "PUBLIC KEY" in text or "CERTIFICATE" in text:
        raise InputError(f"{what} is a public key or certificate; the client signs with its "
                         "private key (-----BEGIN PRIVATE KEY-----)")
    if "ENCRYPTED" in text:
        raise InputError(f"{what} is encrypted with a passphrase; export it unencrypted "
                         "(openssl pkcs8 -topk8 -nocrypt)")
    try:
        native = serialization.load_pem_private_key(text.encode(), None)
    except (ValueError, TypeError):
        raise InputError(f"{what} is neither a PEM private key nor a JWK") from None
    if isinstance(native, rsa.RSAPrivateKey):
        return RSAKey.import_key(native)
    if isinstance(native, ec.EllipticCurvePrivateKey):
        return ECKey.import_key(native)
    raise InputError(f"{what} is a {type(native).__name__}; use an RSA or EC (P-256) key")


def _from_jwk(text: str, what: str) -> SigningKeyType:
    try:
        data = json.loads(text)
    except ValueError:
        raise InputError(f"{what} looks like JSON but is not valid JSON") from None
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        keys = [k for k in data["keys"] if isinstance(k, dict) and "d" in k]
        if len(keys) != 1:
            raise InputError(f"{what} is a JWK set with {len(keys)} private keys; paste the "
                             "one key the client signs with")
        data = keys[0]
    if not isinstance(data, dict) or data.get("kty") not in ("RSA", "EC"):
        raise InputError(f"{what} is not an RSA or EC JWK (kty RSA or EC)")
    if "d" not in data:
        raise InputError(f"{what} is a public JWK (no \"d\"); the client signs with its "
                         "private key")
    try:
        return RSAKey.import_key(data) if data["kty"] == "RSA" else ECKey.import_key(data)
    except (JoseError, ValueError, TypeError) as exc:
        raise InputError(f"{what} is an incomplete JWK ({exc})") from None


def _default_alg(key: SigningKeyType) -> str:
    own = key.alg
    if own:
        return own
    if isinstance(key, ECKey):
        return _CURVE_ALG.get(key.curve_name, "ES256")
    return "RS256"


def _check_fits(key: SigningKeyType, alg: str, what: str) -> None:
    """A key/algorithm mismatch is caught here, before a provider says only invalid_client."""
    if isinstance(key, RSAKey) and not alg.startswith(("RS", "PS")):
        raise InputError(f"signing_alg {alg} needs an EC key, but {what} is an RSA key: "
                         "use RS256 or PS256, or an EC P-256 key")
    if isinstance(key, ECKey):
        expected = _CURVE_ALG.get(key.curve_name)
        if alg != expected:
            raise InputError(f"signing_alg {alg} does not fit {what}, an EC {key.curve_name} key "
                             f"(which signs {expected})")
