"""The network laid bare for one request: DNS answer and address used, TLS version and cipher,
each certificate (subject, issuer, SAN against the host asked, validity), which trust store
accepted the chain, a TLS-inspection proxy's CA, and the proxy in effect and why.

Reads what `network_facts` captured; parses certificates only here, when someone looks. A TLS
failure leaves no chain behind, so `probe_chain` fetches it again without verifying, to say
who signed what the client refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import socket
import ssl
import warnings
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from workbench.core.network_facts import ConnectionFacts
from workbench.core.tls_inspection import inspection_warning

PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    san: list[str]
    not_before: str
    not_after: str
    sha256: str
    valid_now: bool
    self_signed: bool


@dataclass
class NetworkReport:
    """Everything known about one request's way to the server, ready to show."""

    host: str
    port: int
    address: str = ""
    dns: list[str] = field(default_factory=list)
    tls_version: str = ""
    cipher: str = ""
    chain: list[CertificateInfo] = field(default_factory=list)
    host_matches: bool | None = None  # the leaf's SAN covers the host asked for
    trusted_by: str = ""
    private_ca: bool = False
    warnings: list[str] = field(default_factory=list)
    proxy: str = ""
    proxy_source: str = ""
    no_proxy: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as short lines for a terminal or the detail view."""
        out = [f"host {self.host}:{self.port}" + (f", DNS {', '.join(self.dns)}"
                                                  if self.dns else ""),
               f"connected to {self.address or '(no connection)'}",
               "proxy " + (f"{self.proxy} ({self.proxy_source})" if self.proxy else
                           f"none ({self.proxy_source})" + (f", NO_PROXY entry "
                                                           f"{self.no_proxy!r}"
                                                           if self.no_proxy else ""))]
        if self.tls_version:
            out.append(f"TLS {self.tls_version}, cipher {self.cipher}")
        for number, cert in enumerate(self.chain):
            role = "leaf" if number == 0 else f"#{number}"
            out.append(f"cert {role}: {cert.subject} — issued by {cert.issuer}; valid "
                       f"{cert.not_before} to {cert.not_after}"
                       + ("" if cert.valid_now else " (NOT valid now)"))
            if number == 0 and cert.san:
                out.append(f"  SAN {', '.join(cert.san)}"
                           + ("" if self.host_matches else f" — does NOT cover {self.host}"))
        if self.trusted_by:
            out.append(f"trusted by {self.trusted_by}")
        out += [f"warning: {w}" for w in self.warnings]
        return out


def build_report(facts: ConnectionFacts, *, resolve: bool = True,
                 chain: tuple[bytes, ...] | None = None) -> NetworkReport:
    """The report for `facts`; `chain` replaces the captured one (from `probe_chain`)."""
    report = NetworkReport(facts.host, facts.port, facts.address, tls_version=facts.tls_version,
                           cipher=facts.cipher, proxy=facts.proxy,
                           proxy_source=facts.proxy_source, no_proxy=facts.no_proxy)
    if resolve:
        report.dns = resolve_host(facts.host, facts.port)
    ders = chain if chain is not None else facts.chain
    certs = [c for c in (_load(der) for der in ders) if c is not None]
    report.chain = [_info(c) for c in certs]
    if not certs:
        return report
    report.host_matches = covers(certs[0], facts.host)
    if report.host_matches is False:
        report.warnings.append(f"The certificate does not name {facts.host} (its SAN lists "
                               f"{', '.join(report.chain[0].san) or 'nothing'}).")
    report.private_ca = not is_public_root(certs[-1])
    report.trusted_by = _trusted_by(facts, certs, refused=chain is not None)
    issuer = report.chain[-1].issuer if report.private_ca else report.chain[0].issuer
    inspection = inspection_warning(facts.host, issuer, private_root=report.private_ca)
    if inspection:
        report.warnings.append(inspection)
    if any(not c.valid_now for c in report.chain):
        report.warnings.append("A certificate in the chain is expired or not yet valid (or "
                               "this machine's clock is off).")
    return report


def _trusted_by(facts: ConnectionFacts, certs: list[x509.Certificate], *, refused: bool) -> str:
    if refused:
        return "no trust store here (the connection was refused)"
    if not facts.verify:
        return "nobody: TLS verification is off (--insecure)"
    if facts.ca_bundle and _in_bundle(certs[-1], facts.ca_bundle):
        return f"the CA bundle {facts.ca_bundle}"
    root = "a public root" if is_public_root(certs[-1]) else "a private CA"
    return f"the OS trust store ({root})"


# -- certificates ---------------------------------------------------------------------------

def _load(der: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _info(cert: x509.Certificate) -> CertificateInfo:
    now = datetime.now(timezone.utc)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    return CertificateInfo(_name(cert.subject), _name(cert.issuer), _san(cert),
                           start.strftime("%Y-%m-%d"), end.strftime("%Y-%m-%d"),
                           hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest(),
                           start <= now <= end, cert.subject == cert.issuer)


def _name(name: x509.Name) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        found = name.get_attributes_for_oid(oid)
        if found:
            value = found[0].value
            return value if isinstance(value, str) else value.decode(errors="replace")
    return name.rfc4514_string()


def _san(cert: x509.Certificate) -> list[str]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [*names.get_values_for_type(x509.DNSName),
            *(str(ip) for ip in names.get_values_for_type(x509.IPAddress))]


def covers(cert: x509.Certificate, host: str) -> bool:
    """The certificate's SAN names `host` (one-label wildcards as RFC 6125 allows)."""
    host = host.lower().strip("[]").rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    for name in _san(cert):
        if address is not None:
            if name == str(address):
                return True
            continue
        name = name.lower().rstrip(".")
        if name == host or (name.startswith("*.") and "." in host
                            and host.split(".", 1)[1] == name[2:]):
            return True
    return False


@cache
def _public_roots() -> frozenset[bytes]:
    """Subjects of the public root programs' CAs (certifi's Mozilla bundle), DER-encoded."""
    try:
        import certifi
    except ImportError:
        return frozenset()
    text = Path(certifi.where()).read_bytes()
    with warnings.catch_warnings():  # one Mozilla root has a negative serial number
        warnings.simplefilter("ignore")
        certs = x509.load_pem_x509_certificates(text)
    return frozenset(c.subject.public_bytes() for c in certs)


def is_public_root(top: x509.Certificate) -> bool:
    """The chain's top certificate is, or is issued by, a public root."""
    roots = _public_roots()
    return top.subject.public_bytes() in roots or top.issuer.public_bytes() in roots


def _in_bundle(top: x509.Certificate, bundle: str) -> bool:
    try:
        certs = x509.load_pem_x509_certificates(Path(bundle).read_bytes())
    except (OSError, ValueError):
        return False
    names = {c.subject.public_bytes() for c in certs}
    return top.subject.public_bytes() in names or top.issuer.public_bytes() in names


# -- DNS and probing ------------------------------------------------------------------------

@cache
def _resolved(host: str, port: int) -> tuple[str, ...]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ()
    return tuple(dict.fromkeys(str(a[4][0]) for a in answers))


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to here (once per host and port per process)."""
    return list(_resolved(host.strip("[]"), port))


async def probe_chain(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> tuple[bytes, ...]:
    """The chain `host` presents, fetched without verifying it (direct, no proxy): for a
    refused certificate, to say who issued it. Empty when it cannot be had."""
    from workbench.core.network_facts import peer_chain

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(
            host.strip("[]"), port, ssl=context, server_hostname=host.strip("[]")), timeout)
    except (OSError, asyncio.TimeoutError, ssl.SSLError):
        return ()
    try:
        tls = writer.get_extra_info("ssl_object")
        return peer_chain(tls) if tls is not None else ()
    finally:
        writer.close()


def har_fields(facts: ConnectionFacts | None) -> dict[str, Any]:
    """`serverIPAddress` and our `_tls` for a HAR entry (nothing when nothing is known)."""
    if facts is None:
        return {}
    fields: dict[str, Any] = {}
    if facts.address:
        fields["serverIPAddress"] = facts.address.rsplit(":", 1)[0].strip("[]")
        fields["connection"] = facts.address.rsplit(":", 1)[1]
    if facts.tls_version:
        report = build_report(facts, resolve=False)
        fields["_tls"] = {"version": report.tls_version, "cipher": report.cipher,
                          "chain": [asdict(c) for c in report.chain],
                          "host_matches": report.host_matches, "trusted_by": report.trusted_by,
                          "private_ca": report.private_ca, "warnings": report.warnings}
    if facts.proxy or facts.no_proxy:
        fields["_proxy"] = {"proxy": facts.proxy, "source": facts.proxy_source,
                            "no_proxy": facts.no_proxy}
    return fields
