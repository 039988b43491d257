"""Decoding JWTs for display: real HS256 tokens, JWE headers, and everything that is not a JWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from workbench.core.jwt import (
    ENCRYPTED_NOTE,
    SIGNATURE_NOTE,
    decode_jwt,
    humanise_time_claims,
    utc_text,
)

EXP = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def part(value: Any) -> str:
    return b64url(json.dumps(value).encode("utf-8"))


def hs256(claims: dict[str, Any], key: bytes = b"sandbox-secret") -> str:
    """A JWT as a provider would issue it, signed with HMAC-SHA256."""
    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def test_a_signed_jwt_decodes_to_its_header_and_claims() -> None:
    token = hs256({"sub": "user-42", "exp": EXP, "scope": "read write", "name": "Åse"})

    decoded = decode_jwt(token)

    assert decoded is not None
    assert decoded.header == {"alg": "HS256", "typ": "JWT"}
    assert decoded.claims == {"sub": "user-42", "exp": EXP, "scope": "read write", "name": "Åse"}
    assert decoded.algorithm == "HS256"
    assert decoded.expires_at == EXP
    assert not decoded.encrypted
    assert decoded.note == SIGNATURE_NOTE == "signature not verified"


def test_a_token_with_a_wrong_signature_still_decodes_because_nothing_is_verified() -> None:
    token = hs256({"sub": "x"}, key=b"some-other-key")
    tampered = token.rsplit(".", 1)[0] + "." + b64url(b"not the signature")

    decoded = decode_jwt(tampered)

    assert decoded is not None and decoded.claims == {"sub": "x"}


def test_padding_and_surrounding_whitespace_are_tolerated() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').decode()
    claims = base64.urlsafe_b64encode(b'{"sub":"padded"}').decode()
    assert header.endswith("=") or claims.endswith("=")

    decoded = decode_jwt(f"  {header}.{claims}.\n")

    assert decoded is not None
    assert decoded.header == {"alg": "none"}
    assert decoded.claims == {"sub": "padded"}


def test_time_claims_are_shown_as_utc_dates_too() -> None:
    decoded = decode_jwt(hs256({"sub": "u", "exp": EXP, "iat": EXP - 3600, "nbf": EXP - 3600,
                                "auth_time": EXP - 7200, "custom": EXP}))
    assert decoded is not None

    claims = decoded.presented()["claims"]

    assert claims["exp"] == "1700000000 (2023-11-14 22:13:20 UTC)"
    assert claims["iat"] == "1699996400 (2023-11-14 21:13:20 UTC)"
    assert claims["nbf"] == "1699996400 (2023-11-14 21:13:20 UTC)"
    assert claims["auth_time"] == "1699992800 (2023-11-14 20:13:20 UTC)"
    assert claims["custom"] == EXP
    assert claims["sub"] == "u"
    assert '"exp": "1700000000 (2023-11-14 22:13:20 UTC)"' in decoded.pretty()
    assert decoded.claims is not None and decoded.claims["exp"] == EXP, "raw claims untouched"


@pytest.mark.parametrize("value", ["soon", True, None, [1], float("inf"), 10**30])
def test_time_claims_that_are_not_dates_are_shown_as_they_are(value: Any) -> None:
    assert humanise_time_claims({"exp": value}) == {"exp": value}


def test_exp_that_is_not_a_number_gives_no_expiry() -> None:
    decoded = decode_jwt(hs256({"exp": "tomorrow"}))
    assert decoded is not None and decoded.expires_at is None
    no_exp = decode_jwt(hs256({"sub": "u"}))
    assert no_exp is not None and no_exp.expires_at is None


def test_utc_text_out_of_range_is_none() -> None:
    assert utc_text(0) == "1970-01-01 00:00:00 UTC"
    assert utc_text(1e20) is None


def test_a_jwe_shows_its_header_and_says_the_payload_is_encrypted() -> None:
    header = part({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "k1"})
    token = ".".join([header, b64url(b"key" * 20), b64url(b"iv" * 6), b64url(b"\x00" * 64),
                      b64url(b"tag" * 5)])

    decoded = decode_jwt(token)

    assert decoded is not None
    assert decoded.encrypted
    assert decoded.header["enc"] == "A256GCM"
    assert decoded.claims is None
    assert decoded.expires_at is None
    assert decoded.note == ENCRYPTED_NOTE
    assert "encrypted" in decoded.note
    assert "claims" not in decoded.presented()


def test_five_parts_without_enc_in_the_header_is_not_a_jwe() -> None:
    token = ".".join([part({"alg": "HS256"}), "a", "b", "c", "d"])
    assert decode_jwt(token) is None


NOT_JWTS = {
    "opaque": "2YotnFZFEjr1zCsicMWpAA",
    "empty": "",
    "two parts": f"{part({'alg': 'HS256'})}.{part({'sub': 'x'})}",
    "four parts": f"{part({'alg': 'HS256'})}.{part({'sub': 'x'})}.sig.extra",
    "bad base64 in header": f"!!!.{part({'sub': 'x'})}.sig",
    "bad base64 length": f"{part({'alg': 'HS256'})}.A.sig",
    "bad base64 in signature": f"{part({'alg': 'HS256'})}.{part({'sub': 'x'})}.si+g/",
    "header not JSON": f"{b64url(b'not json')}.{part({'sub': 'x'})}.sig",
    "claims not JSON": f"{part({'alg': 'HS256'})}.{b64url(b'{nope')}.sig",
    "claims not UTF-8": f"{part({'alg': 'HS256'})}.{b64url(bytes([0xff, 0xfe]))}.sig",
    "claims a JSON list": f"{part({'alg': 'HS256'})}.{part(['sub', 'x'])}.sig",
    "claims a JSON string": f"{part({'alg': 'HS256'})}.{part('sub')}.sig",
    "header a JSON number": f"{part(5)}.{part({'sub': 'x'})}.sig",
    "empty claims part": f"{part({'alg': 'HS256'})}..sig",
    "deeply nested": f"{part({'alg': 'HS256'})}.{b64url(b'[' * 100_000)}.sig",
    "dots only": "..",
}


@pytest.mark.parametrize("token", NOT_JWTS.values(), ids=NOT_JWTS.keys())
def test_anything_that_is_not_a_jwt_decodes_to_none(token: str) -> None:
    assert decode_jwt(token) is None


def test_non_strings_decode_to_none() -> None:
    assert decode_jwt(None) is None  # type: ignore[arg-type]
    assert decode_jwt(b"a.b.c") is None  # type: ignore[arg-type]
