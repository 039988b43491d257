"""Following redirects the way a careful browser or curl does, on top of httpx's own handling.

httpx follows 301/302/303/307/308 and strips Authorization when the host changes. This adds what
a debugging tool owes its user: POST-only method changes (the fetch standard), loops and
over-long chains stopped with a clear error, and credentials kept to their origin — every header
the run's Redactor treats as secret, cookies, and secret query parameters a rude Location echoes.

The decision is made when httpx builds the next request, but carried out only when that request
is sent (`RecordingTransport`): with redirects off, httpx builds it anyway and never sends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

import httpx

from workbench.core.redaction import Redactor

MAX_REDIRECTS = 20  # as browsers and httpx; curl allows 50
HOP = "workbench_redirect"  # request extension: this request is a redirect hop (a `Hop`)
# Headers that describe a body; gone with the body when a redirect turns a request into a GET.
_BODY_HEADERS = ("content-type", "content-length", "transfer-encoding", "content-encoding",
                 "content-language", "content-location")
_ALWAYS_PRIVATE = ("authorization", "proxy-authorization", "cookie")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class RedirectError(httpx.TransportError):
    """A redirect the client will not follow; `kind` names why, as a NetworkError kind."""

    def __init__(self, kind: str, message: str, *, request: httpx.Request) -> None:
        super().__init__(message, request=request)
        self.kind = kind


@dataclass(frozen=True)
class Hop:
    """What is known about a redirect request before it is sent."""

    number: int  # 1 for the first redirect of a request
    status: int  # the 3xx that asked for it
    source: str  # the URL that answered it
    chain: tuple[str, ...]  # (method url cookie) of every request so far, oldest first
    dropped: tuple[str, ...] = ()  # credentials left behind: header names, query parameters
    problem: tuple[str, str] | None = None  # (kind, message) when the hop must not be sent
    origin: str = ""  # where it goes, as scheme://host:port


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the default port filled in): what makes two URLs one origin."""
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def origin_text(url: httpx.URL) -> str:
    """An origin as people write it: the port only when it is not the scheme's default."""
    scheme, host, port = origin(url)
    host = f"[{host}]" if ":" in host else host
    shown = port is not None and port != _DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{host}:{port}" if shown else f"{scheme}://{host}"


def redirect_method(method: str, status: int) -> str:
    """The method after a redirect, as the fetch standard says: 303 turns anything but HEAD into
    GET; 301 and 302 turn only POST into GET (httpx turns a 302'd PUT into a GET too)."""
    if status == 303 and method not in ("GET", "HEAD"):
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


class RedirectingClient(httpx.AsyncClient):
    """An AsyncClient whose redirects keep credentials to their origin and stop at loops."""

    def __init__(self, *, redactor: Redactor, **kwargs: object) -> None:
        # One more than ours, so that our clearer error is always the one raised.
        super().__init__(max_redirects=MAX_REDIRECTS + 1, **kwargs)  # type: ignore[arg-type]
        self._redactor = redactor

    def _redirect_method(self, request: httpx.Request, response: httpx.Response) -> str:
        return redirect_method(request.method, response.status_code)

    def _redirect_headers(self, request: httpx.Request, url: httpx.URL,
                          method: str) -> httpx.Headers:
        headers = super()._redirect_headers(request, url, method)
        if method != request.method and method == "GET":
            for name in _BODY_HEADERS:
                headers.pop(name, None)
        return headers

    def _build_redirect_request(self, request: httpx.Request,
                                response: httpx.Response) -> httpx.Request:
        following = super()._build_redirect_request(request, response)
        previous: Hop | None = request.extensions.get(HOP)
        chain = (*previous.chain, _state(request)) if previous else (_state(request),)
        hop = Hop(len(chain), response.status_code, str(request.url), chain,
                  origin=origin_text(following.url))
        if origin(following.url) != origin(request.url):
            hop = self._leave_credentials(request, following, hop)
        hop = _limits(hop, following)
        following.extensions = {**following.extensions, HOP: hop}
        return following

    def _leave_credentials(self, request: httpx.Request, following: httpx.Request,
                           hop: Hop) -> Hop:
        """Strip credentials from a request bound for another origin; say which."""
        dropped: list[str] = []
        for raw_name, raw_value in [*request.headers.raw, *following.headers.raw]:
            name = raw_name.decode("latin-1")
            value = raw_value.decode("latin-1")
            if self._is_credential_header(name, value) and name.lower() not in (
                    d.lower() for d in dropped):
                dropped.append(name)
        for name in dropped:
            following.headers.pop(name, None)
        params = following.url.params
        secret_params = [k for k, v in params.multi_items() if self._is_credential_param(k, v)]
        if secret_params:
            kept = [(k, v) for k, v in params.multi_items() if k not in secret_params]
            following.url = following.url.copy_with(params=kept)
            dropped += [f"query parameter {k}" for k in dict.fromkeys(secret_params)]
        return replace(hop, dropped=tuple(dropped), problem=self._body_problem(following, hop))

    def _is_credential_header(self, name: str, value: str) -> bool:
        lowered = name.lower()
        if lowered == "host":
            return False
        return (lowered in _ALWAYS_PRIVATE or self._redactor.is_sensitive_header(name)
                or self._redactor.text(value) != value)

    def _is_credential_param(self, name: str, value: str) -> bool:
        return self._redactor.is_sensitive_key(name) or (
            bool(value) and self._redactor.text(value) != value)

    def _body_problem(self, following: httpx.Request, hop: Hop) -> tuple[str, str] | None:
        """A 307/308 re-sends the body: refuse when it holds credentials for the first origin."""
        if not isinstance(following.stream, httpx.ByteStream):
            return None
        body = b"".join(following.stream)  # a ByteStream holds one bytes chunk
        secrets = _secret_fields(body, self._redactor)
        if not secrets:
            return None
        return ("unsafe_redirect",
                f"a {hop.status} redirect to another origin ({hop.origin}) would send the request "
                f"body again, and it holds {', '.join(secrets)}; not followed")


def _limits(hop: Hop, following: httpx.Request) -> Hop:
    if hop.problem is not None:
        return hop
    first = hop.chain[0]
    if hop.number > MAX_REDIRECTS:
        problem = ("too_many_redirects", f"more than {MAX_REDIRECTS} redirects, starting at "
                                         f"{_where(first, first)}")
    elif _state(following) in hop.chain:
        start = hop.chain.index(_state(following))
        loop = [_where(state, first) for state in (*hop.chain[start:], _state(following))]
        problem = ("redirect_loop", f"redirect loop: {' → '.join(loop)}")
    else:
        return hop
    return replace(hop, problem=problem)


def _state(request: httpx.Request) -> str:
    """What makes a request the same as an earlier one: a URL revisited with a new cookie (a
    login that sets a session, then sends the user back) is progress, not a loop."""
    url = request.url.copy_with(fragment=None)
    return f"{request.method} {url} {request.headers.get('cookie', '')}"


def _where(state: str, first: str) -> str:
    """A request of the chain as its path, with its origin when that differs from the first's."""
    url, start = httpx.URL(state.split(" ")[1]), httpx.URL(first.split(" ")[1])
    path = url.copy_with(query=None).raw_path.decode("ascii")
    return path if origin(url) == origin(start) else f"{origin_text(url)}{path}"


def _secret_fields(body: bytes, redactor: Redactor) -> list[str]:
    """Form fields or JSON keys of `body` that hold credentials, or a generic description."""
    text = body.decode("utf-8", errors="replace")
    names: list[str] = []
    try:
        data = json.loads(text)
    except ValueError:
        pairs = parse_qsl(text, keep_blank_values=True)
    else:
        pairs = [(str(k), str(v)) for k, v in data.items()] if isinstance(data, dict) else []
    for name, value in pairs:
        if redactor.is_sensitive_key(name) or (value and redactor.text(value) != value):
            names.append(name)
    if not names and redactor.text(text) != text:
        names.append("a secret of this run")
    return list(dict.fromkeys(names))
