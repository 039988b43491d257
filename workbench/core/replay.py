"""Replay one captured request through the workbench's own transport.

A captured request is redacted, so its credentials read `[redacted]`: the user puts their
own in their place (or, only after revealing and confirming, the captured ones). Nothing is
sent while any `[redacted]` is left, so a placeholder never reaches a server as a password.
The answer is recorded like every other exchange and judged by the verdict engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from workbench.core.diagnosis.flow import auth_facts_of
from workbench.core.errors import InputError
from workbench.core.events import Event, EventLog, decode_body
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import REDACTED
from workbench.core.transport import classify, create_client, tag
from workbench.core.verdict import Verdict, from_network_error, from_response
from workbench.core.wire_secrets import learn_secrets

FLOW = "replay"
# Set by the transport itself, or meaningless outside the original connection.
DROPPED_HEADERS = frozenset({"host", "content-length", "connection", "keep-alive",
                             "transfer-encoding", "accept-encoding", "te", "upgrade"})


@dataclass
class ReplayRequest:
    """What will be sent: the user may edit every part before sending."""

    method: str
    url: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @classmethod
    def from_event(cls, event: Event) -> ReplayRequest:
        headers = [(k, v) for k, v in event.request_headers
                   if not k.startswith(":") and k.lower() not in DROPPED_HEADERS]
        return cls(event.method, event.url, headers, decode_body(event.request_body))

    def still_redacted(self) -> list[str]:
        """Where a `[redacted]` placeholder is left (the user must fill these in)."""
        places = ["the URL"] if REDACTED in self.url else []
        places += [f"header {k}" for k, v in self.headers if REDACTED in v]
        return places + (["the body"] if REDACTED in self.body else [])


@dataclass
class ReplayResult:
    verdict: Verdict
    event: Event | None


async def replay(request: ReplayRequest, log: EventLog,
                 settings: TransportSettings | None = None) -> ReplayResult:
    """Send `request` once (no redirects followed) and judge the answer."""
    left = request.still_redacted()
    if left:
        raise InputError(f"still [redacted] in {', '.join(left)}: put your own credentials "
                         "there (or remove the header) before replaying")
    for name, value in request.headers:
        if any(c in value or c in name for c in "\r\n\x00"):
            raise InputError(f"header {name!r} holds a line break or NUL; remove it")
    try:
        url = httpx.URL(request.url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise InputError(f"the URL is not valid: {exc}") from None
    probe = Event("request", url=request.url, request_headers=list(request.headers))
    learn_secrets(log.redactor, probe)  # the credentials typed in are masked in the log too
    recorded: list[Event] = []
    unsubscribe = log.subscribe(recorded.append)
    client = create_client(log, settings or TransportSettings())
    try:
        async with client:
            response = await client.request(
                request.method, url, headers=request.headers,
                content=request.body.encode() if request.body else None,
                follow_redirects=False, extensions=tag(FLOW, "replay"))
            verdict = from_response(response, f"{request.method} {url.path or '/'}",
                                    auth_facts_of(probe))
    except httpx.TransportError as exc:
        verdict = from_network_error(classify(exc, log.redactor.url(request.url)))
    finally:
        unsubscribe()
    verdict.summary = log.redactor.text(verdict.summary)
    verdict.hint = log.redactor.text(verdict.hint)
    return ReplayResult(verdict, recorded[-1] if recorded else None)
