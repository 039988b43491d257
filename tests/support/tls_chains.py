"""Local TLS servers with CA chains of their own: a root, an optional intermediate, a leaf for
127.0.0.1 — one of them named like a corporate TLS-inspection proxy's CA."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Chain:
    root: Path  # the root CA (what a CA bundle would hold)
    server_chain: Path  # leaf then intermediate, as a server sends them
    server_key: Path


def _name(common: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(parts)


def _ca(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey,
        signer: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(signer, hashes.SHA256()))


def make_chain(folder: Path, root_cn: str, *, organisation: str = "",
               intermediate_cn: str = "", san: str = "127.0.0.1") -> Chain:
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(root_cn, organisation)
    root = _ca(root_name, root_name, root_key, root_key)
    issuer_cert, issuer_key, extra = root, root_key, []
    if intermediate_cn:
        key = ec.generate_private_key(ec.SECP256R1())
        issuer_cert = _ca(_name(intermediate_cn, organisation), root_name, key, root_key)
        issuer_key, extra = key, [issuer_cert]
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    try:
        names: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(san))]
    except ValueError:
        names = [x509.DNSName(san)]
    leaf = (x509.CertificateBuilder().subject_name(_name(san)).issuer_name(issuer_cert.subject)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(issuer_key, hashes.SHA256()))
    chain = Chain(folder / "root.pem", folder / "server-chain.pem", folder / "server.key")
    pem = serialization.Encoding.PEM
    chain.root.write_bytes(root.public_bytes(pem))
    chain.server_chain.write_bytes(b"".join(c.public_bytes(pem) for c in [leaf, *extra]))
    chain.server_key.write_bytes(leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return chain


@asynccontextmanager
async def tls_server(chain: Chain, body: dict[str, object] | None = None
                     ) -> AsyncIterator[str]:
    """An HTTPS server on 127.0.0.1 presenting `chain`; yields its base URL."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain.server_chain, chain.server_key)
    async def answer(_request: web.Request) -> web.Response:
        return web.json_response(body or {"ok": True})

    app = web.Application()
    app.router.add_get("/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield f"https://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
