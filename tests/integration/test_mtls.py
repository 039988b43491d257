"""Mutual-TLS client authentication (RFC 8705) against the real oidc-provider behind an https
listener that asks for client certificates: tls_client_auth (a CA-issued certificate whose
subject is registered) and self_signed_tls_client_auth (a registered self-signed one), the
token requests moved to the metadata's mtls_endpoint_aliases, certificate-bound tokens."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc.jwk import ECKey

from tests.support.certs import Pki, make_pki
from tests.support.connectors import blueprint, check
from tests.support.oidc import Provider, running_provider
from workbench.core.auth import TokenSet, mtls
from workbench.core.errors import TokenEndpointError
from workbench.core.events import EventLog
from workbench.core.jwt import decode_jwt
from workbench.core.transport import TransportSettings

RESOURCE = "https://api.example.test/reports"


def self_signed(folder: Path) -> tuple[Path, Path, dict[str, object]]:
    """A self-signed client certificate, its key, and the JWK that registers it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "workbench-self-signed")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "self.pem", folder / "self.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    jwk = ECKey.import_key(key.public_key()).as_dict()
    der = cert.public_bytes(serialization.Encoding.DER)
    jwk["x5c"] = [base64.b64encode(der).decode()]
    jwk["x5t#S256"] = mtls.thumbprint(cert)
    return cert_path, key_path, jwk


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def self_signed_client(tmp_path_factory: pytest.TempPathFactory
                       ) -> tuple[Path, Path, dict[str, object]]:
    return self_signed(tmp_path_factory.mktemp("self"))


@pytest.fixture(scope="module")
def provider(pki: Pki, self_signed_client: tuple[Path, Path, dict[str, object]]
             ) -> Iterator[Provider]:
    env = {"WB_OIDC_TLS_CERT": str(pki.server_cert), "WB_OIDC_TLS_KEY": str(pki.server_key),
           "WB_OIDC_TLS_CA": str(pki.ca),
           "WB_OIDC_SELF_SIGNED_JWKS": json.dumps({"keys": [self_signed_client[2]]})}
    with running_provider(env) as running:
        yield running


def connector(provider: Provider, client_id: str, method: str, extra: str = "") -> str:
    return f"""
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: client_credentials
          token_url: "{provider.token_url}"
          issuer: "{provider.issuer}"
          token_endpoint_auth_method: {method}
          scopes: "api:read"
{extra}        fields:
          - name: client_id
            value: {client_id}
connector:
  name: mTLS client
  base_url: "{provider.issuer}/.well-known/openid-configuration"
"""


def settings(pki: Pki, cert: Path | None = None, key: Path | None = None) -> TransportSettings:
    return TransportSettings(timeout=5, connect_timeout=2, ca_bundle=str(pki.ca),
                             client_cert=str(cert or pki.client_cert),
                             client_key=str(key or pki.client_key))


async def test_tls_client_auth_goes_to_the_alias_and_says_which_certificate(
        provider: Provider, pki: Pki) -> None:
    log = EventLog()
    result = await check(blueprint(connector(provider, "workbench-mtls", "tls_client_auth",
                                             f'          resource: "{RESOURCE}"\n')), {}, log,
                         settings=settings(pki))
    assert result.verdict.ok, result.verdict
    [token] = [e for e in result.events if e.kind == "token"]
    assert token.url.startswith("https://127.0.0.1:") and token.url.endswith("/token")
    assert b"client_secret" not in token.request_body
    notes = " ".join(e.message for e in result.events if e.kind == "note")
    assert "presenting the client certificate subject CN=workbench-client (issued by " \
           "CN=Workbench Test CA)" in notes
    assert "Token requests go to the mTLS alias https://127.0.0.1:" in notes
    assert "bound to this certificate (cnf.x5t#S256" in notes
    assert result.token is not None
    decoded = decode_jwt(result.token.access_token)
    assert decoded is not None and decoded.claims is not None
    certificate = mtls.load_certificate(str(pki.client_cert))
    assert decoded.claims["cnf"]["x5t#S256"] == mtls.thumbprint(certificate)


async def test_self_signed_tls_client_auth(provider: Provider, pki: Pki,
                                           self_signed_client: tuple[Path, Path, object]) -> None:
    cert, key, _jwk = self_signed_client
    result = await check(blueprint(connector(provider, "workbench-mtls-self",
                                             "self_signed_tls_client_auth")), {},
                         settings=settings(pki, cert, key))
    assert result.verdict.ok, result.verdict
    notes = " ".join(e.message for e in result.events if e.kind == "note")
    assert "CN=workbench-self-signed (self-signed)" in notes


async def test_the_wrong_certificate_is_refused_with_the_certificate_hint(
        provider: Provider, pki: Pki, self_signed_client: tuple[Path, Path, object]) -> None:
    cert, key, _jwk = self_signed_client
    verdict = (await check(blueprint(connector(provider, "workbench-mtls", "tls_client_auth")),
                           {}, settings=settings(pki, cert, key))).verdict
    assert verdict.oauth_error == "invalid_client"
    assert "tls_client_auth_subject_dn" in verdict.hint


async def test_no_client_certificate_is_a_config_error(provider: Provider, pki: Pki) -> None:
    verdict = (await check(blueprint(connector(provider, "workbench-mtls", "tls_client_auth")),
                           {}, settings=TransportSettings(ca_bundle=str(pki.ca)))).verdict
    assert verdict.outcome == "config_error"
    assert "client certificate" in verdict.summary and "--cert" in verdict.summary


def test_a_token_bound_to_another_certificate_is_refused(pki: Pki) -> None:
    certificate = mtls.load_certificate(str(pki.client_cert))
    token = TokenSet("opaque", raw={"cnf": {"x5t#S256": "bm90LXRoaXMtY2VydGlmaWNhdGU"}})
    with pytest.raises(TokenEndpointError, match="bound to the certificate with x5t#S256 "
                       "bm90LXRoaXMtY2VydGlmaWNhdGU, but this client presented"):
        mtls.check_binding(token, certificate)
    assert "opaque token" in mtls.check_binding(TokenSet("opaque"), certificate)
