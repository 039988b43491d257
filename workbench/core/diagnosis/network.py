"""Findings about the ground under the flow: clocks that disagree (the servers' Date headers,
the tokens' iat/nbf/exp) and a TLS-inspection proxy's certificate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from workbench.core.clock_skew import TOLERANCE, server_skews, skew_warnings, token_warnings
from workbench.core.diagnosis.api import issued_tokens
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import AuthFlow
from workbench.core.events import Event
from workbench.core.tls_inspection import inspection_warning

_CERT_ERRORS = ("err_cert_", "sec_error_", "ssl_error_", "certificate")


def network_findings(flow: AuthFlow, events: Sequence[Event],
                     tls: Mapping[int, Mapping[str, Any]]) -> Iterator[Finding]:
    """`tls`: entry index → what the capture says about that entry's TLS."""
    yield from _clock(flow, events)
    yield from _inspection(events, tls)


def _clock(flow: AuthFlow, events: Sequence[Event]) -> Iterator[Finding]:
    skews = {host: skew for host, skew in server_skews(events).items()
             if abs(skew) > TOLERANCE}
    for (host, _skew), text in zip(skews.items(), skew_warnings(events), strict=False):
        where = tuple(i for i, e in enumerate(events)
                      if (urlsplit(e.url).netloc or e.url) == host and e.header("date"))[:1]
        yield Finding("clock_skew", "warning", text.split(" (its Date header)")[0], text, where)
    for issued in issued_tokens(flow).values():
        for text in token_warnings(issued.token, issued.token.obtained_at):
            yield Finding("clock_skew", "warning", text.split(":")[0], text,
                          (issued.step.index,))


def _inspection(events: Sequence[Event], tls: Mapping[int, Mapping[str, Any]]
                ) -> Iterator[Finding]:
    by_issuer: dict[str, list[int]] = {}
    for index, details in tls.items():
        issuer = _issuer(details)
        host = urlsplit(events[index].url).hostname or ""
        warning = inspection_warning(host, issuer, private_root=bool(details.get("private_ca")))
        if warning:
            by_issuer.setdefault(warning, []).append(index)
    for warning, indexes in by_issuer.items():
        yield Finding("tls_inspection", "warning", warning.split(":")[0], warning,
                      tuple(indexes))
    refused = [i for i, e in enumerate(events) if e.status is None and
               any(word in e.error.lower() for word in _CERT_ERRORS)]
    if refused:
        yield Finding("tls_untrusted", "error", "The browser did not trust a server's "
                      f"certificate ({events[refused[0]].error})",
                      "A certificate the browser cannot verify usually comes from a "
                      "TLS-inspection proxy whose CA is not installed on this machine, or from "
                      "a server with a wrong or expired certificate: open the URL in the "
                      "browser and look at who issued its certificate.", tuple(refused))


def _issuer(details: Mapping[str, Any]) -> str:
    """The issuer's name in our `_tls` (a chain) or Playwright's `_securityDetails`."""
    chain = details.get("chain")
    if isinstance(chain, list) and chain and isinstance(chain[0], dict):
        return str(chain[0].get("issuer") or "")
    return str(details.get("issuer") or "")
