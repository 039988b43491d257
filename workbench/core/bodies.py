"""Bodies within a cap: a response is read, decoded and kept up to a limit, never whole.

A server may answer with gigabytes, an endless stream or a gzip bomb; the transport keeps the
first `cap` bytes after decoding, stops reading there and closes the connection. Callers get
that prefix as the response content, marked `truncated`, so a JSON reader says "too large"
instead of failing on cut-off JSON. Request bodies are recorded the same way: the first `cap`
bytes, whatever is sent.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from workbench.core.events import size_text


class BodyTooLarge(ValueError):
    """The body was cut at the cap, so it cannot be parsed; a ValueError, as JSON errors are."""


class ResponseTooLarge(httpx.TransportError):
    """A token answer past the cap: no token endpoint sends that much, so it is not one."""


@dataclass
class Captured:
    """What was kept of a body while it was read: at most `cap` bytes, decoded."""

    cap: int
    data: bytearray = field(default_factory=bytearray)  # up to cap + 1: one more says "more"
    pending: bool = False  # the decoder holds more than was kept
    size: int | None = None  # the whole decoded body's length, when known

    @property
    def body(self) -> bytes:
        return bytes(self.data[: self.cap])

    @property
    def truncated(self) -> bool:
        return len(self.data) > self.cap or self.pending

    def keep(self, data: bytes) -> None:
        self.data += data[: self.cap + 1 - len(self.data)]


class CappedResponse(httpx.Response):
    """A response whose content may be only the first part of what the server sent."""

    truncated: bool = False
    size: int | None = None

    def json(self, **kwargs: Any) -> Any:
        if self.truncated:
            raise BodyTooLarge(f"the response is larger than {size_text(len(self.content))}; "
                               "only that much was read, so it cannot be parsed")
        return super().json(**kwargs)


async def read_capped(response: httpx.Response, into: Captured) -> None:
    """Read `response`'s raw stream into `into`, decoded, stopping past `into.cap` bytes.

    `into` fills as bytes arrive, so a timeout or a dropped connection keeps what came.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    identity = encoding in ("", "identity")
    decoder = _Inflater.for_encoding(encoding)
    if decoder is None and not identity:
        await _read_decoded_by_httpx(response, into)
        return
    raw = Captured(into.cap)  # shown instead when decoding fails (a server lying about gzip)
    async for chunk in response.aiter_raw():
        if decoder is not None:
            raw.keep(chunk)
            try:
                into.keep(decoder.feed(chunk, into.cap + 1 - len(into.data)))
                into.pending = decoder.more_pending
            except zlib.error:
                decoder, into.data = None, raw.data
        else:
            into.keep(chunk)
        if into.truncated:
            break
    else:
        into.size = len(into.data)
    if into.truncated and identity:
        into.size = _content_length(response)


async def _read_decoded_by_httpx(response: httpx.Response, into: Captured) -> None:
    """Encodings zlib does not speak (br, zstd, stacked ones): httpx decodes, unbounded per
    chunk, which these rarely used encodings can afford."""
    try:
        async for data in response.aiter_bytes():
            into.keep(data)
            if into.truncated:
                return
    except httpx.DecodingError:
        into.pending = True  # the rest could not be decoded: say the body is incomplete
        return
    into.size = len(into.data)


class _Inflater:
    """gzip and deflate decoding that never makes more than it is asked for (a gzip bomb of
    a few kilobytes would otherwise inflate to gigabytes in one call)."""

    def __init__(self, wbits: int, fallback: int | None = None) -> None:
        self._inflate = zlib.decompressobj(wbits)
        self._fallback = fallback

    @classmethod
    def for_encoding(cls, encoding: str) -> _Inflater | None:
        if encoding in ("gzip", "x-gzip"):
            return cls(zlib.MAX_WBITS | 16)
        if encoding == "deflate":  # zlib-wrapped as the RFC says, or raw as some servers send
            return cls(zlib.MAX_WBITS, fallback=-zlib.MAX_WBITS)
        return None

    @property
    def more_pending(self) -> bool:
        """Input is left that would decode to more than was asked for."""
        return bool(self._inflate.unconsumed_tail)

    def feed(self, chunk: bytes, limit: int) -> bytes:
        try:
            data = self._inflate.decompress(chunk, max(limit, 1))
        except zlib.error:
            if self._fallback is None:
                raise
            self._inflate, self._fallback = zlib.decompressobj(self._fallback), None
            data = self._inflate.decompress(chunk, max(limit, 1))
        self._fallback = None  # the first chunk decided which deflate this is
        return data


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


@dataclass
class RequestBody:
    """The part of a request body an event keeps, and how big the whole is."""

    body: bytes
    truncated: bool
    size: int | None


def request_body(request: httpx.Request, cap: int) -> RequestBody | None:
    """The body of a request whose content is in memory already; None when it streams."""
    if not isinstance(request.stream, httpx.ByteStream):
        return None
    content = b"".join(request.stream)  # one chunk: joined without a copy
    return RequestBody(content[:cap], len(content) > cap, len(content))


class RecordedUpload(httpx.AsyncByteStream):
    """Wraps a streamed request body: passes every chunk on, keeps the first `cap` bytes."""

    def __init__(self, inner: httpx.AsyncByteStream, cap: int) -> None:
        self.inner = inner
        self._cap = cap
        self._kept = bytearray()
        self.size = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.size += len(chunk)
            if len(self._kept) < self._cap:
                self._kept += chunk[: self._cap - len(self._kept)]
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()

    def recorded(self) -> RequestBody:
        return RequestBody(bytes(self._kept), self.size > self._cap, self.size)
