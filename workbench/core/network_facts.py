"""What the network did for one request: the address used, TLS version and cipher, the
certificates the server presented, and which proxy (and why) — captured by the transport.

Capture is cheap on purpose (it runs for every exchange): it copies what the open connection
already knows, DER bytes included, and parses nothing; `network_report` reads it when someone
looks. Facts are kept beside the event, not in it, and go when the event goes.
"""

from __future__ import annotations

import os
import urllib.request
import weakref
from dataclasses import dataclass
from typing import Any

import httpx

from workbench.core.events import Event
from workbench.core.network_settings import TransportSettings
from workbench.core.proxies import proxy_for
from workbench.core.redaction import Redactor

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_FACTS: dict[int, ConnectionFacts] = {}


@dataclass(frozen=True)
class ConnectionFacts:
    """One request's connection, as it was when the answer arrived."""

    host: str
    port: int
    scheme: str
    address: str = ""  # the peer actually connected to (the proxy's when proxied)
    tls_version: str = ""
    cipher: str = ""
    chain: tuple[bytes, ...] = ()  # DER, leaf first, as the server sent it
    proxy: str = ""  # redacted; "" when direct
    proxy_source: str = ""  # settings, environment (HTTPS_PROXY), system, …
    no_proxy: str = ""  # the NO_PROXY entry that sent it direct
    verify: bool = True
    ca_bundle: str = ""


def remember(event: Event, facts: ConnectionFacts) -> None:
    """Keep `facts` for `event` while the event lives."""
    key = id(event)
    _FACTS[key] = facts
    weakref.finalize(event, _FACTS.pop, key, None)


def facts_for(event: Event) -> ConnectionFacts | None:
    return _FACTS.get(id(event))


def capture(response: httpx.Response | None, url: httpx.URL, settings: TransportSettings,
            redactor: Redactor) -> ConnectionFacts:
    """The facts of the connection `response` came over (or would have: None)."""
    proxy, source, bypass = proxy_decision(url, settings)
    facts: dict[str, Any] = {}
    stream = response.extensions.get("network_stream") if response is not None else None
    if stream is not None:
        address = stream.get_extra_info("server_addr")
        if isinstance(address, tuple) and len(address) >= 2:
            host = str(address[0])
            facts["address"] = f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
        tls = stream.get_extra_info("ssl_object")
        if tls is not None:
            facts["tls_version"] = tls.version() or ""
            cipher = tls.cipher()
            facts["cipher"] = cipher[0] if cipher else ""
            facts["chain"] = peer_chain(tls)
    return ConnectionFacts(url.host, url.port or (443 if url.scheme == "https" else 80),
                           url.scheme, proxy=redactor.url(proxy) if proxy else "",
                           proxy_source=source, no_proxy=bypass, verify=settings.verify_tls,
                           ca_bundle=settings.ca_bundle or "", **facts)


def peer_chain(tls: Any) -> tuple[bytes, ...]:
    """The certificates the server sent, leaf first (DER); the leaf alone where the
    interpreter keeps no chain."""
    inner = getattr(tls, "_sslobj", tls)
    getter = getattr(inner, "get_unverified_chain", None)
    try:
        if callable(getter):
            import _ssl

            return tuple(cert.public_bytes(_ssl.ENCODING_DER) for cert in getter() or ())
        leaf = tls.getpeercert(binary_form=True)
    except (ValueError, AttributeError, OSError):
        return ()
    return (leaf,) if leaf else ()


def proxy_decision(url: httpx.URL, settings: TransportSettings) -> tuple[str, str, str]:
    """(proxy URL or "", where that choice comes from, the NO_PROXY entry that matched)."""
    proxy = proxy_for(url, settings) or ""
    host = url.host
    if host in _LOOPBACK:
        return "", "loopback (never proxied)", ""
    if settings.proxy:
        return proxy, "settings", ""
    if not settings.use_env_proxy:
        return "", "none (environment proxies off)", ""
    variable = next((name for name in (f"{url.scheme}_proxy", "all_proxy")
                     for name in (name, name.upper()) if os.environ.get(name)), "")
    if proxy:
        return proxy, f"environment ({variable})" if variable else "system", ""
    candidates = urllib.request.getproxies()
    if candidates.get(url.scheme) or candidates.get("all"):
        matched = no_proxy_match(host, os.environ.get("no_proxy") or
                                 os.environ.get("NO_PROXY") or "")
        return "", "NO_PROXY" if matched else "system bypass", matched
    return "", "none", ""


def no_proxy_match(host: str, no_proxy: str) -> str:
    """The NO_PROXY entry that matches `host` ("" when none does), as urllib reads it."""
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return entry
        bare = entry.lstrip(".").split(":")[0]
        if host == bare or host.endswith("." + bare):
            return entry
    return ""
