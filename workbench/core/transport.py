"""The one way the app talks HTTP: a recorded httpx.AsyncClient with explicit network settings.

Every request — token, validation, job, vendor login — goes through `create_client`, so every
exchange lands in the event log and every request honours the same proxy, CA and timeouts.
"""

from __future__ import annotations

import ssl
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import truststore

from workbench import __version__
from workbench.core.errors import InputError, NetworkError
from workbench.core.events import Event, EventKind, EventLog
from workbench.core.network_settings import TransportSettings

TAG = "workbench"  # request extension naming the flow and step an exchange belongs to


def tag(flow: str, step: str, kind: EventKind = "request") -> dict[str, Any]:
    """Request extensions that label an exchange in the event log."""
    return {TAG: {"flow": flow, "step": step, "kind": kind}}


def ssl_context(settings: TransportSettings) -> ssl.SSLContext:
    """TLS through the OS trust store (corporate CAs work), plus an optional bundle and cert."""
    for label, path in (("CA bundle", settings.ca_bundle), ("client certificate",
                        settings.client_cert), ("client key", settings.client_key)):
        if path and not Path(path).is_file():
            raise InputError(f"{label} not found: {path}")
    try:
        if settings.verify_tls:
            context: ssl.SSLContext = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if settings.ca_bundle:
                context.load_verify_locations(cafile=settings.ca_bundle)
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if settings.client_cert:
            context.load_cert_chain(settings.client_cert, settings.client_key or None)
    except (ssl.SSLError, OSError) as exc:
        raise InputError(f"TLS files could not be loaded ({exc}); expected PEM files") from None
    return context


class RecordingTransport(httpx.AsyncBaseTransport):
    """Sends through a direct or proxied transport and records each exchange as an event."""

    def __init__(self, settings: TransportSettings, log: EventLog) -> None:
        self._settings = settings
        self._log = log
        self._context = ssl_context(settings)
        self._transports: dict[str | None, httpx.AsyncHTTPTransport] = {}

    def _transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = _proxy_for(url, self._settings)
        if proxy not in self._transports:
            self._transports[proxy] = httpx.AsyncHTTPTransport(verify=self._context, proxy=proxy)
        return self._transports[proxy]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        label = request.extensions.get(TAG) or {}
        event = Event(
            kind=label.get("kind", "request"),
            flow=label.get("flow", ""),
            step=label.get("step", ""),
            method=request.method,
            url=str(request.url),
            request_headers=_raw_headers(request.headers),
            request_body=request.content if isinstance(request.stream, httpx.ByteStream) else b"",
        )
        started = time.perf_counter()
        try:
            response = await self._transport_for(request.url).handle_async_request(request)
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        except httpx.TransportError as exc:
            event.duration_ms = (time.perf_counter() - started) * 1000
            event.error = str(classify(exc, str(request.url)))
            self._log.append(event)
            raise
        await response.aclose()
        event.duration_ms = (time.perf_counter() - started) * 1000
        replay = httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            extensions=response.extensions,
            request=request,
        )
        event.status = response.status_code
        event.reason = replay.reason_phrase
        event.response_headers = _raw_headers(response.headers)
        event.response_body = _decoded(replay, raw)
        self._log.append(event)
        return replay

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()


def create_client(
    log: EventLog,
    settings: TransportSettings | None = None,
    *,
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The app's HTTP client: recorded, with explicit timeouts, proxy and TLS settings."""
    settings = settings or TransportSettings()
    base_headers = {"User-Agent": f"ConnectionWorkbench/{__version__}"}
    base_headers.update(headers or {})
    return httpx.AsyncClient(
        transport=RecordingTransport(settings, log),
        auth=auth,
        headers=base_headers,
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        follow_redirects=settings.follow_redirects,
        trust_env=False,  # proxies are resolved by RecordingTransport, per request
    )


def _proxy_for(url: httpx.URL, settings: TransportSettings) -> str | None:
    host = url.host
    if host in ("127.0.0.1", "::1", "localhost"):
        return None  # loopback never goes through a proxy (sandbox, receivers, tests)
    if settings.proxy:
        return settings.proxy
    if not settings.use_env_proxy:
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if proxy and urllib.request.proxy_bypass(host):
        return None
    return proxy


def _raw_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Headers as they went over the wire, original case kept."""
    return [(k.decode(headers.encoding), v.decode(headers.encoding)) for k, v in headers.raw]


def _decoded(response: httpx.Response, raw: bytes) -> bytes:
    """The body after content decoding (gzip, …); the raw bytes when that fails."""
    try:
        return response.read()
    except httpx.DecodingError:
        return raw


# -- classifying failures that never produced a response ----------------------------------

def classify(exc: httpx.TransportError, url: str = "") -> NetworkError:
    """Say in plain words why a request got no response: refused, dns, timeout, tls, …"""
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, httpx.ProxyError):
        return NetworkError("proxy", f"proxy error: {exc}", url)
    if isinstance(exc, httpx.TimeoutException):
        what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for a reply"
        return NetworkError("timeout", f"timed out while {what}", url)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return NetworkError("protocol", str(exc), url)
    for cause in chain:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or "untrusted"
            return NetworkError("tls", f"certificate not trusted: {reason}", url)
        if isinstance(cause, ssl.SSLError):
            return NetworkError("tls", f"TLS error: {cause.reason or cause}", url)
        if isinstance(cause, ConnectionRefusedError):
            return NetworkError("refused", "connection refused", url)
    lowered = text.lower()
    if "certificate" in lowered or "ssl" in lowered:
        return NetworkError("tls", f"TLS error: {text}", url)
    if "name or service not known" in lowered or "getaddrinfo" in lowered or (
        "nodename nor servname" in lowered or "temporary failure in name resolution" in lowered
    ):
        return NetworkError("dns", "host name could not be resolved", url)
    if "connection refused" in lowered or "errno 111" in lowered:
        return NetworkError("refused", "connection refused", url)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return NetworkError("dropped", f"connection dropped: {exc or type(exc).__name__}", url)
    return NetworkError("connect", f"{type(exc).__name__}: {text or 'no details'}", url)


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen
