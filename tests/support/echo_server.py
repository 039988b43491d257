"""A hostile server on 127.0.0.1 that echoes every secret it receives, in every encoding.

Real APIs echo what they get: in error descriptions, HTML error pages, debug fields, headers
and redirect URLs, and not always as sent (URL-encoded, base64, HTML- or JSON-escaped, wrapped
across lines). This one takes every value of a request (each header, the decoded Basic pair,
each query, form and JSON value, the proxy's credentials) and puts each, in each of those
forms, into its answers: an OAuth provider (authorize, token, device), an API that refuses
with the echo, Deck- and StackOne-like platform endpoints, and an HTTP proxy.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import json
import re
import secrets
import textwrap
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

from aiohttp import web

from tests.support.recording_server import RecordingServer, Seen

MIN_ECHO = 6


def forms_of(value: str) -> dict[str, str]:
    """`value` as servers echo it: the forms a leak search looks for (and echo uses)."""
    raw = value.encode()
    b64 = base64.b64encode(raw).decode()
    return {
        "plain": value,
        "quote": quote(value, safe=""),
        "quote lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(),
                              quote(value, safe="")),
        "quote_plus": quote_plus(value),
        "base64": b64.rstrip("="),
        "base64 url-safe": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "html": html.escape(value),
        "html refs": "".join(c if c.isalnum() else f"&#x{ord(c):X};" for c in value),
        "json": json.dumps(value)[1:-1].replace("/", "\\/"),
        "json unicode": "".join(c if c.isalnum() else f"\\u{ord(c):04x}" for c in value),
    }


def wrapped(value: str) -> str:
    return "\n".join(textwrap.wrap(value, 7, drop_whitespace=False)) or value


def received_values(seen: Seen) -> list[str]:
    """Every value worth echoing: header values (and their credentials), queries, bodies."""
    values: list[str] = []
    for name, value in seen.headers.items():
        if name.lower() in ("host", "content-length", "accept-encoding", "connection"):
            continue
        values.append(value)
        scheme, _, credentials = value.partition(" ")
        if credentials:
            values.append(credentials)
            if scheme.lower() == "basic":
                try:
                    pair = base64.b64decode(credentials).decode()
                except (binascii.Error, UnicodeDecodeError):
                    pair = ""
                values += [pair, pair.partition(":")[2]]
    values += list(seen.query.values()) + list(seen.form.values())
    if seen.body[:1] in (b"{", b"["):
        with contextlib.suppress(ValueError):
            values += [v for v in _strings(json.loads(seen.body)) if isinstance(v, str)]
    return [v for v in dict.fromkeys(values) if len(v) >= MIN_ECHO]


def _strings(data: Any) -> Iterable[Any]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
    else:
        yield data


def echo_text(seen: Seen) -> str:
    """All received values in all forms, one per line, as plain text."""
    lines = []
    for value in received_values(seen):
        lines += [f"{name}: {form}" for name, form in forms_of(value).items()]
        lines.append("wrapped: " + wrapped(value))
    return "\n".join(lines)


def echo_html(seen: Seen) -> str:
    return ("<html><head><title>Error</title></head><body><h1>Access denied</h1><pre>"
            + html.escape(echo_text(seen)) + "</pre></body></html>")


def echo_headers(seen: Seen) -> dict[str, str]:
    """Headers that carry the echo too: a cookie, a token header, a debug header."""
    first = (received_values(seen) or ["nothing"])[0].replace("\n", " ")
    return {"X-Echo": quote(first, safe=""), "Set-Cookie": f"session={quote(first, safe='')}; "
            "Path=/; HttpOnly", "X-Auth-Token": base64.b64encode(first.encode()).decode()}


class EchoServer(RecordingServer):
    """The hostile provider, API, platform and proxy; every answer echoes the request."""

    def __init__(self) -> None:
        super().__init__()
        self.issued: list[str] = []  # secrets the server made (codes, tokens, tickets)
        self.token_answer = "ok"  # ok | error | no-error: how /token answers
        for path in ("/token", "/oauth/token"):
            self.route("POST", path, self._token)
        self.route("GET", "/authorize", self._authorize)
        self.route("POST", "/device", self._device)
        self.route("GET", "/redirect", self._redirect)
        for method in ("GET", "POST"):
            self.route(method, "/api", self._api)
            self.route(method, "/api/html", self._api_html)
        self.route("POST", "/deck/jobs/submit", self._deck_submit)
        for method, path in (("GET", "/deck-refuse/test/api_keys"),
                             ("POST", "/deck-refuse/jobs/submit")):
            self.route(method, path, self._refuse)
        self.route("GET", "/stackone/accounts", self._stackone_accounts)
        self.route("PUT", "/stackone/dashboard/webhook", self._stackone_ok)
        self.route("POST", "/stackone/connect_sessions", self._stackone_session)

    def issue(self, what: str) -> str:
        value = f"{what}-{secrets.token_urlsafe(12)}"
        self.issued.append(value)
        return value

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith("/deck/jobs/") and request.path.endswith("/status"):
            seen = Seen(request.method, request.path, dict(request.query),
                        dict(request.headers), await request.read())
            self.seen.append(seen)
            return web.json_response({"status": "Failed", "message": echo_text(seen)},
                                     headers=echo_headers(seen))
        if request.url.host not in ("127.0.0.1", None) or request.path_qs.startswith("http"):
            return await self._proxied(request)
        return await super()._dispatch(request)

    async def _proxied(self, request: web.Request) -> web.StreamResponse:
        """As an HTTP proxy: the forwarded request comes with Proxy-Authorization."""
        seen = Seen(request.method, request.path, dict(request.query), dict(request.headers),
                    await request.read())
        self.seen.append(seen)
        return web.Response(status=401, text=echo_html(seen), content_type="text/html",
                            headers=echo_headers(seen))

    def _token(self, seen: Seen) -> web.Response:
        echo = echo_text(seen)
        if self.token_answer == "error":
            return web.json_response({"error": "invalid_client", "error_description":
                                      f"client not accepted: {echo}"}, status=401,
                                     headers=echo_headers(seen))
        if self.token_answer == "no-error":
            return web.json_response({"access_token": self.issue("AT400"), "message": echo},
                                     status=400)
        return web.json_response({
            "access_token": self.issue("AT"), "refresh_token": self.issue("RT"),
            "id_token": self.issue("IDT"), "token_type": "bearer", "expires_in": 600,
            "debug": echo}, headers=echo_headers(seen))

    def _authorize(self, seen: Seen) -> web.Response:
        query = {"code": self.issue("CODE"), "state": seen.query.get("state", "")}
        target = f"{seen.query['redirect_uri']}?{urlencode(query)}"
        return web.Response(status=302, headers={"Location": target})

    def _device(self, seen: Seen) -> web.Response:
        device_code = self.issue("DEVICE")
        return web.json_response({
            "device_code": device_code, "user_code": "WDJB-MJHT",
            "verification_uri": f"{self.url}/activate", "expires_in": 60, "interval": 1,
            "debug": echo_text(seen)})

    def _redirect(self, seen: Seen) -> web.Response:
        token = self.issue("LOC")
        return web.Response(status=302, headers={
            "Location": f"{self.url}/api?token={token}&echo={quote(echo_text(seen)[:200])}",
            **echo_headers(seen)})

    def _api(self, seen: Seen) -> web.Response:
        return web.json_response({"error": "unauthorized", "message": echo_text(seen),
                                  "you_sent": seen.headers}, status=401,
                                 headers=echo_headers(seen))

    def _api_html(self, seen: Seen) -> web.Response:
        return web.Response(status=401, text=echo_html(seen), content_type="text/html",
                            headers=echo_headers(seen))

    def _refuse(self, seen: Seen) -> web.Response:
        """A platform refusal whose message quotes the request (Deck's error_message)."""
        return web.json_response({"error_code": "INVALID_API_KEYS",
                                  "error_message": f"refused: {echo_text(seen)}"}, status=401,
                                 headers=echo_headers(seen))

    def _deck_submit(self, seen: Seen) -> web.Response:
        return web.json_response({"job_guid": "job-echo-1", "debug": echo_text(seen)},
                                 status=202, headers=echo_headers(seen))

    def _stackone_accounts(self, seen: Seen) -> web.Response:
        return web.json_response({"data": [], "debug": echo_text(seen)},
                                 headers=echo_headers(seen))

    def _stackone_ok(self, seen: Seen) -> web.Response:
        return web.json_response({"ok": True, "debug": echo_text(seen)})

    def _stackone_session(self, seen: Seen) -> web.Response:
        token = self.issue("SESSION")
        return web.json_response({
            "token": token, "auth_link_url": f"{self.url}/hub?token={token}",
            "origin_owner_id": "owner-1", "debug": echo_text(seen)}, headers=echo_headers(seen))
