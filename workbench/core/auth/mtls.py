"""Mutual-TLS client authentication (RFC 8705): the certificate is the client's credential.

The TLS layer (`transport.py`) presents the certificate from the network settings; this module
says which certificate that is (for the log), moves token requests to the provider's
`mtls_endpoint_aliases`, and checks that a certificate-bound token's `cnf.x5t#S256` is the
certificate's thumbprint, since an API refuses a token bound to another one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from workbench.core.auth.tokens import TokenSet
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.jwt import decode_jwt

ALIASES = "mtls_endpoint_aliases"


def load_certificate(path: str | None) -> x509.Certificate:
    """The client certificate the transport presents (the first in the PEM file)."""
    if not path:
        raise InputError("mutual TLS needs a client certificate: set one in Settings (client "
                         "certificate and key) or pass --cert and --key")
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"the client certificate {path} could not be read ({exc})") from None


def thumbprint(certificate: x509.Certificate) -> str:
    """x5t#S256: base64url of the SHA-256 of the DER certificate (RFC 8705 §3.1)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def describe(certificate: x509.Certificate) -> str:
    """Subject, issuer, validity and thumbprint: what a support engineer compares with the
    provider's client registration."""
    subject = certificate.subject.rfc4514_string()
    issuer = certificate.issuer.rfc4514_string()
    kind = "self-signed" if subject == issuer else f"issued by {issuer}"
    return (f"subject {subject} ({kind}), valid {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}, x5t#S256 {thumbprint(certificate)}")


def alias(metadata: Mapping[str, Any] | None, endpoint: str) -> str | None:
    """The mTLS alias of an endpoint (`token_endpoint`, …) from the metadata, if any."""
    aliases = (metadata or {}).get(ALIASES)
    value = aliases.get(endpoint) if isinstance(aliases, dict) else None
    return value if isinstance(value, str) and value else None


def bound_thumbprint(token: TokenSet) -> str | None:
    """The `cnf.x5t#S256` a token is bound to: from a JWT access token, or the token
    response's own `cnf`."""
    decoded = decode_jwt(token.access_token)
    for source in ((decoded.claims if decoded else None) or {}, token.raw):
        cnf = source.get("cnf")
        if isinstance(cnf, dict) and isinstance(cnf.get("x5t#S256"), str):
            return str(cnf["x5t#S256"])
    return None


def check_binding(token: TokenSet, certificate: x509.Certificate) -> str:
    """What the binding says (for the log); raises when the token is bound to another
    certificate than the one this client presents."""
    bound = bound_thumbprint(token)
    if bound is None:
        return ("The token carries no cnf.x5t#S256 the workbench can read (opaque token): "
                "introspect it to see its binding.")
    mine = thumbprint(certificate)
    if bound != mine:
        raise TokenEndpointError(
            f"The token is bound to the certificate with x5t#S256 {bound}, but this client "
            f"presented {mine}: the API will refuse it. The provider saw another certificate "
            "(a TLS-terminating proxy presenting its own?).")
    return f"The token is bound to this certificate (cnf.x5t#S256 {bound} matches)."
