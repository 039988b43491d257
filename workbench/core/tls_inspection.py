"""Tell a corporate TLS-inspection proxy from the real server by the certificate it shows.

Such a proxy (Zscaler, Netskope, Palo Alto, Fortinet, Blue Coat, …) re-signs every public
host's certificate with its own private CA, which the company installs on its machines: the
browser is content, while tools with their own trust store refuse the connection, and every
token passes through the proxy in clear. Two signs give it away: an issuer named after an
inspection product, or a chain that only a private CA (one no public root program lists)
vouches for, presented for a public host.
"""

from __future__ import annotations

import ipaddress
import re

# Issuer names (CN or O) the common inspection products and debugging proxies sign with.
_PRODUCTS = re.compile(
    r"(?i)\b(zscaler|netskope|palo ?alto|fortinet|fortigate|blue ?coat|symantec web ?security|"
    r"forcepoint|websense|sophos|cisco umbrella|opendns|checkpoint|check point|mcafee web "
    r"gateway|skyhigh|barracuda|sonicwall|watchguard|kaspersky|eset ssl|avast|avg web|"
    r"bitdefender|untangle|iboss|menlo security|cloudflare gateway|lightspeed|securly|"
    r"mitmproxy|charles proxy|fiddler|do_not_trust|portswigger|burp|proxyman|httptoolkit)\b")
_PRIVATE_SUFFIXES = (".local", ".internal", ".corp", ".lan", ".home", ".intranet",
                     ".localhost", ".test", ".example", ".invalid")


def inspection_product(issuer: str) -> str | None:
    """The product an issuer's name belongs to, or None when it names none we know."""
    match = _PRODUCTS.search(issuer or "")
    return match.group(1) if match else None


def is_public_host(host: str) -> bool:
    """A name or address on the internet (not loopback, private, or a company-only suffix)."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and not host.endswith(_PRIVATE_SUFFIXES)
    return address.is_global


def inspection_warning(host: str, issuer: str, *, private_root: bool = False) -> str | None:
    """The warning for a certificate of `host` issued by `issuer`, or None when it looks like
    the real server's. `private_root`: the chain ends in a CA no public root program lists."""
    product = inspection_product(issuer)
    if product is None and not (private_root and is_public_host(host)):
        return None
    by = f"{issuer} ({product})" if product else f"{issuer}, a private CA"
    return (f"The certificate for {host} was issued by {by}: a TLS-inspection proxy re-signs "
            "this traffic, so it decrypts every token and cookie on the way. Tools with their "
            "own trust store refuse it until its CA is added (Settings ▸ CA bundle); ask the "
            "network team to exempt the provider's and API's hosts from inspection if requests "
            "are altered or refused.")
