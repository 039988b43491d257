"""The one way the app talks HTTP: a recorded httpx.AsyncClient with explicit network settings.

Every request — token, validation, job, vendor login — goes through `create_client`, so every
exchange lands in the event log and every request honours the same proxy, CA and timeouts.
"""

from __future__ import annotations

import ssl
import time
from pathlib import Path
from typing import Any

import httpx
import truststore

from workbench import __version__
from workbench.core.bodies import (
    CappedResponse,
    Captured,
    RecordedUpload,
    RequestBody,
    ResponseTooLarge,
    read_capped,
    request_body,
)
from workbench.core.errors import InputError, NetworkError
from workbench.core.events import MAX_BODY_BYTES, Event, EventKind, EventLog, size_text
from workbench.core.header_values import check_headers
from workbench.core.network_facts import capture as capture_network
from workbench.core.network_facts import remember as remember_network
from workbench.core.network_settings import TransportSettings
from workbench.core.proxies import learn_proxy_credentials, proxy_for
from workbench.core.redirects import HOP, Hop, RedirectError, RedirectingClient

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
    """Sends through a direct or proxied transport and records each exchange as an event.

    Bodies are read up to MAX_BODY_BYTES and no further (`bodies.py`); redirect hops are
    labelled, and stopped here when `redirects.py` found them unsafe or looping.
    """

    def __init__(self, settings: TransportSettings, log: EventLog) -> None:
        self._settings = settings
        self._log = log
        self._context = ssl_context(settings)
        self._transports: dict[str | None, httpx.AsyncHTTPTransport] = {}
        learn_proxy_credentials(settings, log.redactor)

    def _transport_for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        proxy = proxy_for(url, self._settings)
        if proxy not in self._transports:
            self._transports[proxy] = httpx.AsyncHTTPTransport(verify=self._context, proxy=proxy)
            if proxy:
                self._log.note(f"Requests to {url.host} go through the proxy "
                               f"{self._log.redactor.url(proxy)}.")
        return self._transports[proxy]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_headers(request.headers)
        label = request.extensions.get(TAG) or {}
        event = Event(
            kind=label.get("kind", "request"),
            flow=label.get("flow", ""),
            step=label.get("step", ""),
            method=request.method,
            url=str(request.url),
            request_headers=_raw_headers(request.headers),
        )
        hop: Hop | None = request.extensions.get(HOP)
        if hop is not None:
            self._announce(hop, event, request)
        upload = _record_upload(request, event)
        started = time.perf_counter()
        captured = Captured(MAX_BODY_BYTES)
        response: httpx.Response | None = None
        try:
            response = await self._transport_for(request.url).handle_async_request(request)
            _record_head(event, response)
            remember_network(event, capture_network(response, request.url, self._settings,
                                                    self._log.redactor))
            await read_capped(response, captured)
        except httpx.TransportError as exc:
            if response is None:  # no connection to read: the proxy choice is still known
                remember_network(event, capture_network(None, request.url, self._settings,
                                                        self._log.redactor))
            self._fail(event, exc, started, captured if response else None, upload)
            raise
        finally:
            if response is not None:
                await response.aclose()
            if upload is not None:
                request.stream = upload.inner
        assert response is not None
        self._finish(event, started, captured, upload)
        if captured.truncated and event.kind == "token":
            raise ResponseTooLarge(
                f"the answer is larger than {size_text(MAX_BODY_BYTES)}, far more than a "
                "token response; only that much was read", request=request)
        return _replay(response, captured, request)

    def _announce(self, hop: Hop, event: Event, request: httpx.Request) -> None:
        """Label a redirect hop; note what was left behind; refuse a hop that must not go."""
        step = event.step
        event.redirect = hop.number
        event.step = f"{step} (redirect {hop.number})" if step else f"redirect {hop.number}"
        event.message = (f"Redirect {hop.number} of {step!r} ({hop.status} from "
                         f"{self._log.redactor.url(hop.source)})")
        if hop.dropped:
            self._log.note(
                f"Redirect to another origin ({hop.origin}): not sending "
                f"{_listed(hop.dropped)} there; credentials go only to the origin they were "
                "given for, as browsers and curl do.", flow=event.flow, step=step)
        if hop.problem is not None:
            kind, message = hop.problem
            self._log.note(f"Stopped following redirects: {message}.", flow=event.flow,
                           step=step)
            raise RedirectError(kind, message, request=request)

    def _finish(self, event: Event, started: float, captured: Captured,
                upload: RecordedUpload | None) -> None:
        event.duration_ms = (time.perf_counter() - started) * 1000
        event.response_body = captured.body
        event.response_truncated = captured.truncated
        event.response_size = captured.size
        if upload is not None:
            _set_request_body(event, upload.recorded())
        self._log.append(event)

    def _fail(self, event: Event, exc: httpx.TransportError, started: float,
              captured: Captured | None, upload: RecordedUpload | None) -> None:
        """Record an exchange that broke: before any answer, or mid-body (what came is kept)."""
        if captured is not None:
            captured.pending = True  # the body ended early: whatever came is a part
        event.error = self._log.redactor.text(str(classify(exc, str(event.url))))
        self._finish(event, started, captured or Captured(MAX_BODY_BYTES), upload)

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()


def _record_upload(request: httpx.Request, event: Event) -> RecordedUpload | None:
    """Record a body already in memory now; wrap a streamed one to record it while sent."""
    known = request_body(request, MAX_BODY_BYTES)
    if known is not None:
        _set_request_body(event, known)
        return None
    upload = RecordedUpload(request.stream, MAX_BODY_BYTES)  # type: ignore[arg-type]
    request.stream = upload
    return upload


def _set_request_body(event: Event, body: RequestBody) -> None:
    event.request_body, event.request_truncated = body.body, body.truncated
    event.request_size = body.size


def _record_head(event: Event, response: httpx.Response) -> None:
    event.status = response.status_code
    event.reason = response.reason_phrase
    event.response_headers = _raw_headers(response.headers)


def _replay(response: httpx.Response, captured: Captured,
            request: httpx.Request) -> CappedResponse:
    """The response callers get: the kept body, already decoded (so no Content-Encoding)."""
    headers = [(k, v) for k, v in response.headers.raw
               if k.lower() not in (b"content-encoding", b"content-length")]
    replay = CappedResponse(response.status_code, headers=headers, content=captured.body,
                            extensions=response.extensions, request=request)
    replay.truncated, replay.size = captured.truncated, captured.size
    return replay


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def create_client(
    log: EventLog,
    settings: TransportSettings | None = None,
    *,
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """The app's HTTP client: recorded, with explicit timeouts, proxy and TLS settings, and
    redirects that keep credentials to their origin."""
    settings = settings or TransportSettings()
    base_headers = {"User-Agent": f"ConnectionWorkbench/{__version__}"}
    base_headers.update(headers or {})
    return RedirectingClient(
        redactor=log.redactor,
        transport=RecordingTransport(settings, log),
        auth=auth,
        headers=base_headers,
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        follow_redirects=settings.follow_redirects,
        trust_env=False,  # proxies are resolved by RecordingTransport, per request
    )


def _raw_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Headers as they went over the wire, original case kept."""
    return [(k.decode(headers.encoding), v.decode(headers.encoding)) for k, v in headers.raw]


# -- classifying failures that never produced a response ----------------------------------

def classify(exc: httpx.TransportError, url: str = "") -> NetworkError:
    """Say in plain words why a request got no response: refused, dns, timeout, tls, …"""
    chain = _causes(exc)
    text = " ".join(str(e) for e in chain)
    if isinstance(exc, RedirectError):
        return NetworkError(exc.kind, str(exc), url)
    if isinstance(exc, ResponseTooLarge):
        return NetworkError("too_large", str(exc), url)
    if isinstance(exc, httpx.LocalProtocolError):
        # h11's message quotes the offending header value: it may be a secret, so not shown.
        return NetworkError("invalid_request", "the request is not valid HTTP and was not sent",
                            url)
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc).lower():
        return NetworkError("bad_redirect", "the server redirected to a Location that is not "
                            "a valid URL", url)
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
