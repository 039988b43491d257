"""Refused assertions and certificates get the hint for what the provider's words mean."""

from __future__ import annotations

import pytest

from workbench.core.api_hints import AuthFacts
from workbench.core.errors import TokenEndpointError
from workbench.core.token_hints import token_hint

PKJWT = AuthFacts("oauth2", "client_credentials", client_auth="private_key_jwt",
                  assertion_audience="issuer")


def hint(description: str, facts: AuthFacts = PKJWT, error: str = "invalid_client") -> str:
    return token_hint(TokenEndpointError("x", status=401, error=error,
                                         error_description=description), facts)


@pytest.mark.parametrize("description,expected", [
    ("AADSTS700024: Client assertion is not within its valid time range.", "clock"),
    ("The client_assertion token is expired.", "clock"),
    ("AADSTS700027: Client assertion failed signature validation. The key was not found.",
     "key_id"),
    ("Invalid token audience", "assertion_audience"),
    ("Client authentication with signed JWT failed: Signature on JWT token failed validation",
     "public key registered"),
    ("client authentication failed", "The usual causes"),
])
def test_each_description_gets_its_cause(description: str, expected: str) -> None:
    assert expected in hint(description)


def test_the_audience_hint_names_what_was_sent() -> None:
    assert "aud the issuer (oauth2_settings.issuer)" in hint("audience mismatch")
    facts = AuthFacts("oauth2", "client_credentials", client_auth="private_key_jwt")
    assert "the token endpoint URL" in hint("audience mismatch", facts)


def test_a_jwt_bearer_grant_refusal_is_about_its_assertion() -> None:
    facts = AuthFacts("oauth2", "jwt_bearer", client_auth="none")
    assert "JWT bearer assertion" in hint("Invalid JWT Signature.", facts, "invalid_grant")


def test_certificates_and_secrets_keep_their_own_hints() -> None:
    mtls = AuthFacts("oauth2", "client_credentials", client_auth="tls_client_auth")
    assert "tls_client_auth_subject_dn" in hint("client authentication failed", mtls)
    secret = AuthFacts("oauth2", "client_credentials", client_auth="client_secret_post")
    assert "client id or secret was rejected" in hint("client authentication failed", secret)
