"""Verifying a JWT against published keys: each refusal says which check failed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from workbench.core.jws import JwtRejected, verify_jwt

NOW = 1_800_000_000


def issuer_key(kid: str = "k1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def jwks(*keys: Any) -> dict[str, Any]:
    return {"keys": [k.as_dict(private=False) for k in keys]}


def signed(key: Any, claims: dict[str, Any], alg: str = "RS256", **header: Any) -> str:
    return jwt.encode({"alg": alg, "kid": key.kid, **header}, claims, key)


KEY = issuer_key()


def test_a_good_token_gives_its_claims() -> None:
    token = signed(KEY, {"sub": "u", "aud": "spn:app", "exp": NOW + 60})
    assert verify_jwt(token, jwks(KEY), audience="spn:app", now=NOW)["sub"] == "u"


def test_another_keys_signature_under_the_same_kid_is_refused() -> None:
    forger = issuer_key("k1")
    token = signed(forger, {"sub": "u", "exp": NOW + 60})
    with pytest.raises(JwtRejected, match="signature does not match"):
        verify_jwt(token, jwks(KEY), now=NOW)


def test_an_unknown_kid_is_named() -> None:
    token = signed(issuer_key("rotated"), {"sub": "u"})
    with pytest.raises(JwtRejected, match="key id 'rotated'"):
        verify_jwt(token, jwks(KEY, issuer_key("k2")), now=NOW)


def test_expiry_allows_a_minute_of_skew_and_no_more() -> None:
    token = signed(KEY, {"sub": "u", "exp": NOW - 30})
    assert verify_jwt(token, jwks(KEY), now=NOW)["sub"] == "u"
    with pytest.raises(JwtRejected, match="expired 120 s ago"):
        verify_jwt(token, jwks(KEY), now=NOW + 90)


def test_a_token_for_another_audience_is_refused_naming_both() -> None:
    token = signed(KEY, {"sub": "u", "aud": ["spn:other"], "exp": NOW + 60})
    with pytest.raises(JwtRejected, match=r"meant for \['spn:other'\], not 'spn:app'"):
        verify_jwt(token, jwks(KEY), audience="spn:app", now=NOW)


@pytest.mark.parametrize("alg,key", [("HS256", OctKey.generate_key(256)),
                                     ("ES256", ECKey.generate_key("P-256"))])
def test_an_algorithm_not_allowed_is_refused_before_any_key_is_tried(alg: str, key: Any) -> None:
    token = jwt.encode({"alg": alg}, {"sub": "u"}, key)
    with pytest.raises(JwtRejected, match=f"signed with '{alg}', not RS256"):
        verify_jwt(token, jwks(KEY), now=NOW)


def test_alg_none_and_garbage_are_not_signed_jwts() -> None:
    unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0."
    with pytest.raises(JwtRejected, match="'none'"):
        verify_jwt(unsigned, jwks(KEY), now=NOW)
    with pytest.raises(JwtRejected, match="not a signed JWT"):
        verify_jwt("opaque-token", jwks(KEY), now=NOW)


def test_es256_verifies_when_allowed() -> None:
    key = ECKey.generate_key("P-256", parameters={"kid": "ec"})
    token = signed(key, {"sub": "u", "exp": int(time.time()) + 60}, alg="ES256")
    assert verify_jwt(token, jwks(key), algorithms=("ES256",))["sub"] == "u"
