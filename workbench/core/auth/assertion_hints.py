"""Hints for a token endpoint that refused a signed client assertion or JWT bearer assertion,
or a client certificate: what the provider said where it says something (Entra, Okta,
Keycloak, Auth0), else the usual causes with what this run actually sent."""

from __future__ import annotations

import re

from workbench.core.api_hints import AuthFacts

ASSERTION_METHODS = ("private_key_jwt", "client_secret_jwt")
MTLS_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")

_CLOCK = (r"AADSTS700024|not within its valid time range|expired|not (yet )?(active|valid)|"
          r"issued in the future|\biat\b|\bnbf\b|\bexp\b|clock")
_AUDIENCE = r"AADSTS50013|AADSTS700021|audience|\baud\b"
_KID = r"AADSTS700027.*key was not found|kid|no matching key|key (was )?not found|unknown key"
_SIGNATURE = r"AADSTS700027|signature|alg mismatch|algorithm"


def assertion_hint(description: str, auth: AuthFacts) -> str | None:
    """The fix for a refused assertion, or None when the client does not sign one."""
    bearer = auth.grant_type == "jwt_bearer"
    if auth.client_auth in MTLS_METHODS:
        return _mtls(auth)
    if auth.client_auth not in ASSERTION_METHODS and not bearer:
        return None
    what = "JWT bearer assertion" if bearer else f"client assertion ({auth.client_auth})"
    aud = auth.assertion_audience
    sent_aud = {"": "the token endpoint URL", "token_endpoint": "the token endpoint URL",
                "issuer": "the issuer (oauth2_settings.issuer)"}.get(aud, repr(aud))
    said = description or ""
    if re.search(_CLOCK, said, re.IGNORECASE):
        return (f"The provider judged the {what} by its clock: the assertion is valid from its "
                "iat for 300 s. Check this machine's clock (a warning names any skew seen in "
                "the servers' Date headers) and sync it with NTP.")
    if re.search(_AUDIENCE, said, re.IGNORECASE):
        return _audience(what, sent_aud)
    if re.search(_KID, said, re.IGNORECASE):
        return (f"The provider found no registered key for the {what}'s kid: set key_id to the "
                "kid the key was registered under (or register this key's public half).")
    if auth.client_auth == "client_secret_jwt" and not bearer:
        return ("The provider refused the client assertion signed with the client secret "
                "(client_secret_jwt, HS256): check client_secret, that the client is registered "
                f"for client_secret_jwt, and that the aud ({sent_aud}) is what it expects.")
    if re.search(_SIGNATURE, said, re.IGNORECASE):
        return (f"The {what}'s signature did not verify: the public key registered for the "
                "client is not the half of this private_key, or the registration allows another "
                "signing_alg than the one used.")
    return (f"The provider refused the {what} without saying why. The usual causes, most "
            "likely first: the public key registered for the client is not this private_key's "
            "(or is under another kid than key_id: none sent for a PEM key without key_id); "
            "the signing_alg is not one the registration allows; the aud "
            f"{sent_aud} is not what it expects (set assertion_audience: issuer, or a URL); "
            "this machine's clock is off.")


def _audience(what: str, sent_aud: str) -> str:
    return (f"The provider refused the {what}'s audience: it carried aud {sent_aud}. Providers "
            "differ: set assertion_audience to token_endpoint, issuer, or the exact URL their "
            "documentation names.")


def _mtls(auth: AuthFacts) -> str:
    if auth.client_auth == "self_signed_tls_client_auth":
        return ("The provider did not accept the client certificate: for "
                "self_signed_tls_client_auth its public key (x5c or thumbprint) must be "
                "registered in the client's JWKS. Compare the x5t#S256 in the log with the "
                "registration, and check that no proxy terminates TLS before the provider.")
    return ("The provider did not accept the client certificate (tls_client_auth): it must be "
            "issued by a CA the provider trusts and its subject (or SAN) must match the "
            "registered tls_client_auth_subject_dn; the log shows the certificate sent.")
