"""Findings only a browser capture shows: CORS preflights that fail (Fetch standard §4.8) and
cookies the browser did not send back because of their SameSite attribute (RFC 6265bis)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import AuthFlow, Step, origin_of
from workbench.core.events import Event

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"})


def browser_findings(flow: AuthFlow) -> Iterator[Finding]:
    for step in flow.of("preflight"):
        finding = _preflight(step, flow)
        if finding is not None:
            yield finding
    yield from _cookies(flow)


# -- CORS -----------------------------------------------------------------------------------

def _preflight(step: Step, flow: AuthFlow) -> Finding | None:
    event = step.event
    origin = event.header("origin", response=False) or "(no Origin)"
    method = (event.header("access-control-request-method", response=False) or "").upper()
    wanted = _list(event.header("access-control-request-headers", response=False))
    actual = _actual_request(step, flow)
    at = (step.index,) + ((actual.index,) if actual is not None else ())
    path = urlsplit(event.url).path or "/"
    title = f"The CORS preflight for {method} {path} from {origin} failed"
    target = f"{event.method} {path}"
    if event.status is None:
        return Finding("cors_preflight_failed", "error", title + ": it got no answer",
                       f"The browser never sent the real request. {event.error}".strip(), at)
    if not 200 <= event.status < 300:
        why = (" A preflight never carries credentials, so an API that demands them on every "
               "request answers 401/403 to it: let OPTIONS through without authentication."
               if event.status in (401, 403) else
               " The server does not handle OPTIONS for this path (405/404): enable CORS for "
               "it, or put the API behind a proxy on the app's own origin."
               if event.status in (404, 405) else "")
        return Finding("cors_preflight_failed", "error",
                       f"{title}: {target} answered {event.status}",
                       f"Browsers need a 2xx answer to a preflight before they send the real "
                       f"request.{why}", at)
    allow_origin = event.header("access-control-allow-origin")
    credentials = (event.header("access-control-allow-credentials") or "").lower() == "true"
    if not allow_origin:
        return Finding("cors_preflight_failed", "error", f"{title}: the answer has no "
                       "Access-Control-Allow-Origin",
                       f"The server must answer the preflight with Access-Control-Allow-Origin: "
                       f"{origin} (the app's origin) for the browser to go on.", at)
    if allow_origin.strip() not in ("*", origin):
        return Finding("cors_preflight_failed", "error", f"{title}: it allows the origin "
                       f"{allow_origin}, not {origin}",
                       f"Add {origin} to the server's allowed origins (exactly: scheme, host and "
                       "port, no trailing slash).", at)
    if allow_origin.strip() == "*" and credentials:
        return Finding("cors_preflight_failed", "error", f"{title}: '*' with credentials",
                       "With Access-Control-Allow-Credentials: true the allowed origin must be "
                       f"named ({origin}), never '*'.", at)
    methods = _list(event.header("access-control-allow-methods"))
    if method and method not in SAFELISTED_METHODS and method.lower() not in methods and (
            "*" not in methods or credentials):
        return Finding("cors_preflight_failed", "error", f"{title}: {method} is not an allowed "
                       "method", f"Add {method} to Access-Control-Allow-Methods.", at)
    allowed = _list(event.header("access-control-allow-headers"))
    star = "*" in allowed and not credentials
    missing = [h for h in wanted if h not in allowed and (not star or h == "authorization")]
    if missing:
        note = (" ('*' does not cover Authorization: it must be named)"
                if "authorization" in missing and "*" in allowed else "")
        return Finding("cors_preflight_failed", "error", f"{title}: the header "
                       f"{', '.join(missing)} is not allowed",
                       f"Add {', '.join(missing)} to Access-Control-Allow-Headers{note}; until "
                       "then the browser does not send the request at all.", at)
    return None


def _actual_request(step: Step, flow: AuthFlow) -> Step | None:
    return next((s for s in flow.steps if s.index > step.index and s.role != "preflight"
                 and s.event.url == step.event.url), None)


def _list(value: str | None) -> list[str]:
    return [v.strip().lower() for v in (value or "").split(",") if v.strip()]


# -- cookies --------------------------------------------------------------------------------

@dataclass
class _Cookie:
    name: str
    host: str
    domain: str  # "" for a host-only cookie
    same_site: str  # strict, lax, none, or "" (unspecified: browsers treat it as Lax)
    secure: bool
    set_at: int


def _cookies(flow: AuthFlow) -> Iterator[Finding]:
    jar: dict[tuple[str, str], _Cookie] = {}
    reported: set[tuple[str, str]] = set()
    for step in flow.steps:
        if step.via_redirect:
            continue
        event = step.event
        yield from _dropped(step, jar, reported)
        for cookie in _set_cookies(event, step.index):
            if cookie.same_site == "none" and not cookie.secure:
                yield Finding("cookie_rejected", "error", f"Cookie {cookie.name} is set with "
                              "SameSite=None but without Secure, so browsers reject it",
                              "Browsers accept SameSite=None only together with Secure (and "
                              "over https): add Secure to the Set-Cookie, or the cookie never "
                              "exists.", (step.index,))
                continue
            jar[(cookie.host, cookie.name)] = cookie


def _dropped(step: Step, jar: dict[tuple[str, str], _Cookie],
             reported: set[tuple[str, str]]) -> Iterator[Finding]:
    event = step.event
    host = (urlsplit(event.url).hostname or "").lower()
    if not host or not _cross_site(event):
        return
    sent = {pair.split("=", 1)[0].strip() for pair in
            (event.header("cookie", response=False) or "").split(";") if "=" in pair}
    # Only navigations always carry cookies: a fetch may be sent without credentials anyway.
    navigation = (event.header("sec-fetch-mode", response=False) or "navigate") == "navigate"
    interesting = step.role == "callback" or (event.status or 0) >= 400 or \
        event.method.upper() != "GET"
    if step.role == "preflight" or not navigation or not interesting:
        return
    for cookie in list(jar.values()):
        if cookie.name in sent or not _applies(cookie, host):
            continue
        policy = cookie.same_site or "lax"
        blocked = policy == "strict" or (policy == "lax" and event.method.upper() != "GET")
        key = (cookie.host, cookie.name)
        if not blocked or key in reported:
            continue
        reported.add(key)
        said = f"SameSite={cookie.same_site.capitalize()}" if cookie.same_site else \
            "no SameSite (browsers treat it as Lax)"
        path = urlsplit(event.url).path or "/"
        yield Finding("cookie_dropped_samesite", "error",
                      f"Cookie {cookie.name} ({said}) was not sent with the cross-site "
                      f"{event.method} to {path}",
                      "The browser leaves Lax cookies out of cross-site POSTs and sub-requests "
                      "(and Strict cookies out of every cross-site request), so the app lost "
                      "its session or login state on the way back from the provider "
                      "(response_mode=form_post posts the answer cross-site). Set that cookie "
                      "with SameSite=None; Secure, or use a GET redirect (response_mode=query).",
                      (cookie.set_at, step.index))


def _set_cookies(event: Event, index: int) -> list[_Cookie]:
    host = (urlsplit(event.url).hostname or "").lower()
    found = []
    for name, value in event.response_headers:
        if name.lower() != "set-cookie":
            continue
        pair, *attributes = value.split(";")
        cookie_name = pair.split("=", 1)[0].strip()
        attrs = {a.split("=", 1)[0].strip().lower(): a.split("=", 1)[1].strip() if "=" in a
                 else "" for a in attributes}
        if not cookie_name or attrs.get("max-age", "1").lstrip("-") == "0" or \
                attrs.get("max-age", "1").startswith("-"):
            continue
        found.append(_Cookie(cookie_name, host, attrs.get("domain", "").lstrip(".").lower(),
                             attrs.get("samesite", "").lower(), "secure" in attrs, index))
    return found


def _applies(cookie: _Cookie, host: str) -> bool:
    if not cookie.domain:
        return host == cookie.host
    return host == cookie.domain or host.endswith("." + cookie.domain)


def _cross_site(event: Event) -> bool:
    fetch_site = (event.header("sec-fetch-site", response=False) or "").lower()
    if fetch_site:
        return fetch_site == "cross-site"
    initiator = event.header("origin", response=False) or event.header("referer",
                                                                       response=False)
    if not initiator or initiator == "null":
        return False
    return site_of(initiator) != site_of(event.url)


def site_of(url: str) -> str:
    """The registrable domain, near enough without the public suffix list."""
    host = (urlsplit(url).hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


__all__ = ["browser_findings", "origin_of", "site_of"]
