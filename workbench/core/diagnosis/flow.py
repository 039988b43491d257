"""Find the auth flow in a list of exchanges: which request is the authorization request, the
redirect back, the token request, an API call, a CORS preflight, a webhook.

A browser capture has no labels, so roles come from what each request carries (RFC 6749's
parameter names, a grant_type in a form, an Authorization header); exchanges the workbench
recorded itself keep their labels and those win.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx

from workbench.core.api_hints import AuthFacts
from workbench.core.events import Event, decode_body

Role = Literal["authorize", "callback", "token", "api", "preflight", "webhook", "discovery",
               "jwks", "other"]
_AUTH_HEADERS = ("authorization", "x-api-key", "api-key", "apikey", "x-auth-token",
                 "x-access-token")


@dataclass
class Step:
    """One exchange with its role in the flow; `index` is its position in the list given."""

    index: int
    role: Role
    event: Event
    via_redirect: bool = False  # a callback seen only in the Location that pointed at it
    redirect_url: str = ""  # for such a callback: the URL it was sent to

    @cached_property
    def query(self) -> dict[str, str]:
        """The URL's query (or, for a callback, the redirect URL's query or fragment)."""
        url = self.redirect_url or self.event.url
        parts = urlsplit(url)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if not params and parts.fragment:
            params = dict(parse_qsl(parts.fragment, keep_blank_values=True))
        return params

    @cached_property
    def form(self) -> dict[str, str]:
        """The request body as a form (empty when it is not one)."""
        return form_of(self.event)

    @property
    def params(self) -> dict[str, str]:
        """Query and form together: a form_post callback carries its answer in the body."""
        return {**self.query, **self.form} if not self.via_redirect else self.query

    @cached_property
    def response_json(self) -> Any:
        return json_of(self.event.response_body)

    def response(self) -> httpx.Response:
        """The recorded answer as an httpx.Response, for the verdict engine."""
        return as_response(self.event)


@dataclass
class AuthFlow:
    """The steps of every exchange, in order, with their roles."""

    steps: list[Step] = field(default_factory=list)

    def of(self, *roles: Role) -> list[Step]:
        return [s for s in self.steps if s.role in roles]


def find_flow(events: Sequence[Event]) -> AuthFlow:
    """Give each exchange its role; a redirect to the app's callback counts as a callback even
    when the request that followed it was not captured (a loopback or custom scheme)."""
    flow = AuthFlow()
    requested = {e.url for e in events}
    for index, event in enumerate(events):
        if event.kind == "note" or not event.method:
            continue
        step = Step(index, role_of(event), event)
        flow.steps.append(step)
        location = event.header("location")
        if step.role != "callback" and location and event.status and 300 <= event.status < 400:
            target = urljoin(event.url, location)
            redirect = Step(index, "callback", event, via_redirect=True, redirect_url=target)
            if _is_callback(redirect.query) and target not in requested:
                flow.steps.append(redirect)
    return flow


def role_of(event: Event) -> Role:
    if event.kind == "webhook":
        return "webhook"
    if event.kind == "token":
        return "token"
    method, path = event.method.upper(), urlsplit(event.url).path.lower()
    if method == "OPTIONS" and event.header("access-control-request-method", response=False):
        return "preflight"
    if "/.well-known/openid-configuration" in path or "oauth-authorization-server" in path:
        return "discovery"
    if path.endswith(("/jwks", "/jwks.json", "/certs", "/keys")) and method == "GET":
        return "jwks"
    form = form_of(event)
    if method == "POST" and "grant_type" in form:
        return "token"
    query = dict(parse_qsl(urlsplit(event.url).query))
    if "response_type" in query and "client_id" in query:
        return "authorize"
    if _is_callback(query) or (method == "POST" and _is_callback(form)):
        return "callback"
    if event.kind == "request" and event.flow == "check":
        return "api"
    if any(event.header(h, response=False) for h in _AUTH_HEADERS):
        return "api"
    return "other"


def _is_callback(params: dict[str, str]) -> bool:
    return (("code" in params or "error" in params) and "state" in params) or (
        "code" in params and "client_id" not in params and "grant_type" not in params
        and "iss" in params)


def form_of(event: Event) -> dict[str, str]:
    """The request body as a form, or {} when it is not url-encoded."""
    content_type = (event.header("content-type", response=False) or "").lower()
    body = event.request_body
    if not body or ("x-www-form-urlencoded" not in content_type and (
            b"=" not in body or body.lstrip()[:1] in (b"{", b"["))):
        return {}
    return dict(parse_qsl(decode_body(body[:65536]), keep_blank_values=True))


def json_of(body: bytes) -> Any:
    if not body or body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def as_response(event: Event) -> httpx.Response:
    request = httpx.Request(event.method or "GET", _safe_url(event.url),
                            headers=[(k, v) for k, v in event.request_headers
                                     if not k.startswith(":")],
                            content=event.request_body)
    headers = [(k, v) for k, v in event.response_headers
               if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")
               and not k.startswith(":")]
    return httpx.Response(event.status or 0, headers=headers, content=event.response_body,
                          request=request)


def bearer_of(event: Event) -> str | None:
    """The credential in the request's Authorization header (after its scheme)."""
    value = event.header("authorization", response=False) or ""
    scheme, _, credential = value.strip().partition(" ")
    return credential.strip() or None if scheme.lower() in ("bearer", "dpop") else None


def auth_facts_of(event: Event) -> AuthFacts:
    """What the hints need to know of the auth a recorded request used."""
    value = (event.header("authorization", response=False) or "").lower()
    if value.startswith("basic "):
        return AuthFacts(auth_type="basic_http")
    if value.startswith(("bearer ", "dpop ")):
        return AuthFacts(auth_type="oauth2")
    name = next((k for k, _ in event.request_headers
                 if k.lower() in ("x-api-key", "api-key", "apikey")), "")
    if name:
        return AuthFacts(auth_type="api_key", key_name=name, location="header")
    return AuthFacts(auth_type="bearer" if value else None)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _safe_url(url: str) -> str:
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "http://invalid.invalid/"
    return url
